"""Journeys of issue 5 in Chromium: "Rechercher un titulaire", the titulaire's page and its
contact details, "Mes délégations". Gestionnaires with a level are created directly in the
database with a known password and the CGU accepted (the first sign-in has its own journey)."""

from __future__ import annotations

import datetime as dt
import secrets

from playwright.async_api import Page, expect

from tests.conftest import siret_valide
from tests.e2e.conftest import audit, champ
from web import cgu
from web.comptes.hachage import hacher
from web.comptes.service import ouvrir_compte
from web.db import ecriture
from web.settings import Settings
from web.tables import Organisme, Utilisateur
from web.temps import maintenant
from web.titulaires import service
from web.titulaires.nir import avec_cle, formater

MOT_DE_PASSE = "Kq7vTz9mWr4pX"


def nir_aleatoire() -> str:
    debut = (
        secrets.choice("12")
        + "".join(secrets.choice("0123456789") for _ in range(4))
        + "75"
        + "".join(secrets.choice("0123456789") for _ in range(6))
    )
    return avec_cle(debut)


async def organisme(type_: str) -> int:
    org = Organisme(siret=siret_valide(), raison_sociale=f"ORGANISME {type_.upper()}", type=type_, cree_le=maintenant())
    await org.save()
    return org.id


async def gestionnaire(org_id: int, niveau: str | None, prenom: str = "Lucie", nom: str = "Delahaie", role: str = "gestionnaire") -> str:
    """An active gestionnaire at `niveau`, password known, CGU accepted; returns the identifiant."""
    async with ecriture():
        u = Utilisateur(organisme=org_id, role=role, civilite="Mme", prenom=prenom, nom=nom.upper(),
                        courriel=f"{prenom}.{secrets.token_hex(4)}@example.fr".lower(), telephone_fixe="01 23 45 67 89",
                        niveau=niveau)  # fmt: skip
        await ouvrir_compte(Settings.from_env(), u)
        await Utilisateur.update(
            {
                Utilisateur.mot_de_passe: await hacher(MOT_DE_PASSE),
                Utilisateur.mot_de_passe_temporaire: False,
                Utilisateur.cgu_version: cgu.VERSION,
            }
        ).where(Utilisateur.id == u.id)
    return u.identifiant


async def titulaire(org_id: int, heures: int = 75, nom: str = "Durand", usage: str = "Lefèvre") -> tuple[int, str]:
    nir = nir_aleatoire()
    async with ecriture():
        t = await service.creer_titulaire(nir, nom, "Élodie", dt.date(1985, 1, 14), nom_usage=usage)
        await service.employer(t.id, org_id)
        annee = 2019
        while heures > 0:
            await service.crediter(t.id, annee, min(25, heures))
            heures -= 25
            annee += 1
    return t.id, nir


async def se_connecter(page: Page, identifiant: str) -> None:
    await page.goto("/connexion")
    await champ(page, "Identifiant").fill(identifiant)
    await champ(page, "Mot de passe").fill(MOT_DE_PASSE)
    await page.get_by_role("button", name="Je m'identifie").click()
    await expect(page.get_by_role("heading", name="Rechercher un titulaire", level=1)).to_be_visible()


async def rechercher(page: Page, nir: str, nom: str) -> None:
    await page.get_by_role("link", name="Rechercher un titulaire").click()
    await champ(page, "Nº de sécurité sociale").fill(nir)
    await champ(page, "Nom").fill(nom)
    await page.get_by_role("button", name="Rechercher").click()


async def ouvrir_titulaire(page: Page, nir: str, nom: str = "durand") -> None:
    await rechercher(page, formater(nir), nom)
    await page.get_by_role("link", name="DURAND").click()
    await expect(page.get_by_role("heading", name="Compte d'heures")).to_be_visible()


async def test_consultation_voit_mais_ne_cree_pas(page: Page):
    org = await organisme("operateur")
    _, nir = await titulaire(org)
    autre_org = await organisme("operateur")
    _, nir_autre = await titulaire(autre_org)
    await se_connecter(page, await gestionnaire(org, "consultation"))
    await audit(page, "accueil : Rechercher un titulaire")
    await expect(page.get_by_role("link", name="Clôture simplifiée")).to_have_count(0)

    # Both fields required, precise NIR messages.
    await page.get_by_role("button", name="Rechercher").click()
    await expect(page.get_by_text("Le formulaire contient 2 erreurs")).to_be_visible()
    await audit(page, "recherche : champs vides")
    await rechercher(page, nir[:13] + ("00" if nir[13:] != "00" else "01"), "Durand")
    await expect(page.get_by_role("alert")).to_contain_text("La clé du Nº de sécurité sociale")
    await audit(page, "recherche : clé fausse")

    # Another organisation's titulaire: the same answer as an unknown NIR.
    await rechercher(page, nir_autre, "Durand")
    await expect(page.get_by_role("status")).to_have_text("Aucun titulaire ne correspond à votre recherche.")
    await audit(page, "recherche : aucun titulaire")

    await rechercher(page, formater(nir), "LEFEVRE")  # usage name, without its accent
    await expect(page.get_by_role("table", name="Titulaire trouvé")).to_be_visible()
    assert "nom=LEFEVRE" in page.url  # the criteria are in the address
    await audit(page, "recherche : titulaire trouvé")
    await page.get_by_role("link", name="DURAND").click()
    await expect(page.get_by_text("Solde disponible : 75 h")).to_be_visible()
    await expect(page.get_by_role("table", name="Mouvements du compte d'heures")).to_contain_text("Alimentation 2021")
    await expect(page.get_by_role("link", name="Créer un dossier de formation")).to_have_count(0)
    await audit(page, "fiche titulaire en consultation")

    # Contact details, with the inline check as a field is left.
    await champ(page, "Courriel").fill("pas-un-courriel")
    await champ(page, "Téléphone").focus()
    await expect(page.locator("#champ-courriel")).to_contain_text("n'est pas une adresse de courriel valide")
    await audit(page, "coordonnées : erreur en ligne")
    await champ(page, "Courriel").fill("elodie.durand@example.fr")
    await champ(page, "Téléphone").fill("06 12 34 56 78")
    await champ(page, "Adresse").fill("1 rue de la Paix, 75002 Paris")
    await page.get_by_role("button", name="Enregistrer les coordonnées").click()
    await expect(page.get_by_text("Les coordonnées du titulaire ont bien été enregistrées.")).to_be_visible()
    await expect(champ(page, "Téléphone")).to_have_value("06 12 34 56 78")
    await audit(page, "coordonnées enregistrées")

    # Creating is refused on the server too.
    jeton = await page.locator("input[name=_csrf_token]").first.get_attribute("value")
    tid = page.url.split("/")[-1].split("?")[0]
    refus = await page.request.post(f"/titulaires/{tid}/dossiers/nouveau", form={"_csrf_token": jeton}, max_redirects=0)
    assert refus.status == 403


async def test_mes_delegations(page: Page):
    org = await organisme("operateur")
    await se_connecter(page, await gestionnaire(org, "validation"))
    await page.get_by_role("link", name="Mes délégations").click()
    await expect(page.get_by_role("heading", name="Mes délégations")).to_be_visible()
    await expect(page.locator("main")).to_contain_text("Validation")
    await expect(page.get_by_role("link", name="Mes délégations")).to_have_attribute("aria-current", "page")
    await audit(page, "mes délégations")
