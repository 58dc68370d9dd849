"""Journeys of the dossiers de formation in Chromium, per habilitation level (operateur) and for
an employeur public's gestionnaire without a level; "Clôture simplifiée"."""

from __future__ import annotations

from playwright.async_api import Page, expect

from tests.e2e.conftest import audit, champ, confirmer
from tests.e2e.test_titulaires import gestionnaire, organisme, ouvrir_titulaire, se_connecter, titulaire
from web.db import ecriture
from web.dossiers import transitions as tr
from web.tables import Dossier
from web.temps import maintenant


async def dossier(org_id: int, tid: int, statut: str, intitule: str) -> None:
    import datetime as dt

    async with ecriture():
        now = maintenant()
        await Dossier(titulaire=tid, organisme=org_id, intitule=intitule, organisme_formation="Centre", date_debut=dt.date(2025, 1, 6),
                      date_fin=dt.date(2025, 1, 10), heures_prevues=30, statut=statut, cree_le=now, modifie_le=now).save()  # fmt: skip


async def creer_dossier(page: Page, intitule: str, heures: str = "30") -> None:
    await page.get_by_role("link", name="Créer un dossier de formation").click()
    await champ(page, "Intitulé de la formation").fill(intitule)
    await champ(page, "Organisme de formation").fill("Centre de langues")
    await champ(page, "Date de début").fill("2025-03-01")
    await champ(page, "Date de fin").fill("2025-03-31")
    await champ(page, "Heures prévues").fill(heures)
    await page.get_by_role("button", name="Enregistrer").click()
    await expect(page.get_by_text("Le dossier a été créé : il est en cours d'élaboration.")).to_be_visible()


async def test_creation_cree_et_supprime_un_brouillon(page: Page):
    org = await organisme("operateur")
    _, nir = await titulaire(org)
    await se_connecter(page, await gestionnaire(org, "creation"))
    await ouvrir_titulaire(page, nir)
    await page.get_by_role("link", name="Créer un dossier de formation").click()
    await audit(page, "nouveau dossier")
    await page.get_by_role("button", name="Enregistrer").click()
    await expect(page.get_by_text("Le formulaire contient 5 erreurs")).to_be_visible()
    await audit(page, "nouveau dossier : erreurs")
    await page.get_by_role("link", name="Retour").click()
    await creer_dossier(page, "Anglais professionnel")
    await expect(page.locator("#statut")).to_have_text("En cours d'élaboration")
    await expect(page.get_by_role("button", name="Valider le dossier")).to_have_count(0)
    await audit(page, "dossier en cours d'élaboration")
    await page.get_by_role("link", name="Modifier le dossier").click()
    await champ(page, "Heures prévues").fill("35")
    await audit(page, "modifier le dossier")
    await page.get_by_role("button", name="Enregistrer").click()
    await expect(page.get_by_text("Le dossier a bien été enregistré.")).to_be_visible()
    await confirmer(page, "Supprimer le dossier")
    await expect(page.get_by_text("Le dossier en cours d'élaboration a été supprimé.")).to_be_visible()
    await expect(page.get_by_text("Aucun dossier de formation.")).to_be_visible()
    await audit(page, "dossier supprimé")


async def test_validation_valide_rejette_renvoie(page: Page):
    org = await organisme("operateur")
    tid, nir = await titulaire(org)
    await dossier(org, tid, tr.ELABORATION, "Bureautique")
    await dossier(org, tid, tr.ELABORATION, "Management")
    await se_connecter(page, await gestionnaire(org, "validation"))
    await ouvrir_titulaire(page, nir)
    await expect(page.get_by_role("link", name="Créer un dossier de formation")).to_be_visible()

    await page.get_by_role("link", name="Bureautique").click()
    await page.get_by_role("button", name="Valider le dossier").click()
    await expect(page.locator("#statut")).to_have_text("Validé")
    await expect(page.get_by_role("button", name="Clôturer le dossier")).to_have_count(0)
    await audit(page, "dossier validé")
    await page.get_by_role("button", name="Renvoyer en élaboration").click()
    await expect(page.get_by_text("Saisissez le motif.").first).to_be_visible()
    await audit(page, "renvoi sans motif")
    await page.get_by_label("Motif").fill("Non éligible au CPF")
    await page.get_by_role("button", name="Renvoyer en élaboration").click()
    await expect(page.locator("#statut")).to_have_text("En cours d'élaboration")
    historique = page.get_by_role("table", name="Historique du dossier")
    await expect(historique).to_contain_text("Non éligible au CPF")
    await audit(page, "dossier renvoyé, historique")

    await page.get_by_role("link", name="Retour à Élodie").click()
    await page.get_by_role("link", name="Management").click()
    await page.get_by_label("Motif").fill("Sans lien avec le projet professionnel")
    await page.get_by_role("button", name="Rejeter le dossier").click()
    await expect(page.locator("#statut")).to_have_text("Rejeté")
    await expect(page.get_by_role("heading", name="Actions")).to_have_count(0)
    await audit(page, "dossier rejeté")


async def test_cloture_fait_baisser_le_solde(page: Page):
    org = await organisme("operateur")
    tid, nir = await titulaire(org, heures=50)
    await dossier(org, tid, tr.VALIDE, "Comptabilité publique")
    await se_connecter(page, await gestionnaire(org, "cloture"))
    await ouvrir_titulaire(page, nir)
    await expect(page.get_by_text("Solde disponible : 50 h")).to_be_visible()
    await page.get_by_role("link", name="Comptabilité publique").click()
    await champ(page, "Heures réalisées").fill("60")
    await page.get_by_role("button", name="Clôturer le dossier").click()
    await expect(page.locator("#champ-heures_realisees")).to_contain_text("le solde disponible est de 50 h")
    await audit(page, "clôture : solde insuffisant")
    await champ(page, "Heures réalisées").fill("21")
    await page.get_by_role("button", name="Clôturer le dossier").click()
    await expect(page.locator("#statut")).to_have_text("Clôturé")
    await audit(page, "dossier clôturé")
    await page.get_by_role("link", name="Retour à Élodie").click()
    await expect(page.get_by_text("Solde disponible : 29 h")).to_be_visible()
    await expect(page.get_by_role("table", name="Mouvements du compte d'heures")).to_contain_text("-21 h")


async def test_employeur_public_sans_niveau_fait_tout(page: Page):
    org = await organisme("employeur_public")
    _, nir = await titulaire(org, heures=100)
    await se_connecter(page, await gestionnaire(org, None))
    await expect(page.get_by_role("link", name="Clôture simplifiée")).to_be_visible()
    await ouvrir_titulaire(page, nir)
    await creer_dossier(page, "Gestion de projet", "40")
    await page.get_by_role("button", name="Valider le dossier").click()
    await page.get_by_label("Motif").fill("Non éligible au CPF")
    await page.get_by_role("button", name="Renvoyer en élaboration").click()
    await expect(page.locator("#statut")).to_have_text("En cours d'élaboration")
    await page.get_by_role("button", name="Valider le dossier").click()
    await champ(page, "Heures réalisées").fill("40")
    await page.get_by_role("button", name="Clôturer le dossier").click()
    await expect(page.locator("#statut")).to_have_text("Clôturé")
    await expect(page.get_by_role("table", name="Historique du dossier").get_by_role("row")).to_have_count(
        6
    )  # header + créé, validé, renvoyé, validé, clôturé
    await audit(page, "employeur public : dossier clôturé")
    await page.get_by_role("link", name="Retour à Élodie").click()
    await expect(page.get_by_text("Solde disponible : 60 h")).to_be_visible()


async def test_cloture_simplifiee_debite_en_une_etape(page: Page):
    org = await organisme("operateur")
    _, nir = await titulaire(org, heures=75)
    await se_connecter(page, await gestionnaire(org, "cloture"))
    await page.get_by_role("link", name="Clôture simplifiée").click()
    await expect(page.get_by_role("heading", name="Clôture simplifiée")).to_be_visible()
    await audit(page, "clôture simplifiée")
    await page.get_by_role("button", name="Enregistrer et clôturer").click()
    await expect(page.get_by_text("Le formulaire contient 7 erreurs")).to_be_visible()
    await audit(page, "clôture simplifiée : erreurs")
    await champ(page, "Nº de sécurité sociale").fill(nir)
    await champ(page, "Nom").fill("Lefèvre")
    await champ(page, "Intitulé de la formation").fill("Secourisme")
    await champ(page, "Organisme de formation").fill("Croix-Rouge")
    await champ(page, "Date de début").fill("2025-02-03")
    await champ(page, "Date de fin").fill("2025-02-04")
    await champ(page, "Heures réalisées").fill("14")
    await page.get_by_role("button", name="Enregistrer et clôturer").click()
    await expect(page.get_by_text("La formation est enregistrée et clôturée")).to_be_visible()
    await expect(page.locator("#statut")).to_have_text("Clôturé")
    await expect(page.get_by_text("Solde du compte d'heures")).to_be_visible()
    await expect(page.locator("main")).to_contain_text("61 h")
    await audit(page, "clôture simplifiée faite")
