"""« Revue des habilitations » in Chromium: a review that confirms one account, changes another's
level and suspends a third, then is finished; axe on every page and htmx state."""

from __future__ import annotations

import re
from datetime import timedelta

from playwright.async_api import Page, expect

from tests.e2e.conftest import audit, aussi_a_320_px, confirmer, premiere_connexion
from tests.e2e.test_cdc import creer_agent
from tests.e2e.test_premiere_connexion import inscrire
from web.comptes.service import ouvrir_compte
from web.db import ecriture
from web.settings import Settings
from web.tables import Journal, Organisme, Revue, Utilisateur
from web.temps import maintenant


async def gestionnaire(organisme: int, prenom: str, nom: str, niveau: str | None, connexion) -> None:
    async with ecriture():
        u = Utilisateur(organisme=organisme, role="gestionnaire", civilite="Mme", prenom=prenom, nom=nom, niveau=niveau,
                        courriel=f"{prenom.lower()}.{nom.lower()}@example.fr", telephone_fixe="01 23 45 67 89")  # fmt: skip
        await ouvrir_compte(Settings.from_env(), u)
    await Utilisateur.update({Utilisateur.derniere_connexion: connexion}).where(Utilisateur.id == u.id)


async def test_une_revue_qui_suspend_un_compte(page: Page, boite):
    deja = len(boite.messages)
    principal = inscrire(boite, "paula.revue@example.fr", "Paula", "Revue")
    await premiere_connexion(page, principal, await boite.mot_de_passe("paula.revue@example.fr", deja))
    organisme = (await Utilisateur.objects().where(Utilisateur.identifiant == principal).first()).organisme
    now = maintenant()
    await gestionnaire(organisme, "Victor", "VIEUX", "validation", now - timedelta(days=250))
    await gestionnaire(organisme, "Rose", "RECENT", "consultation", now - timedelta(days=3))
    await gestionnaire(organisme, "Lina", "NIVEAU", "cloture", None)

    # The home page reminds the principal that no review was ever done.
    await page.goto("/")
    await expect(page.get_by_text("Votre organisme n'a encore jamais fait de revue des habilitations.")).to_be_visible()
    await audit(page, "accueil, revue à faire")
    await page.get_by_role("link", name="Commencer la revue des habilitations").click()
    await expect(page.get_by_role("heading", name="Revue des habilitations", level=1)).to_be_visible()
    await audit(page, "revue, avant de commencer")
    await page.get_by_role("button", name="Commencer la revue").click()
    await expect(page.get_by_text("0 compte examiné sur 3 ; 3 restent à examiner.")).to_be_visible()
    # Unused for 6 months first, then never signed in, then the others.
    lignes = page.get_by_role("table").get_by_role("row")
    await expect(lignes.nth(1)).to_contain_text("Victor VIEUX")
    await expect(lignes.nth(1)).to_contain_text("plus de 6 mois")
    await expect(lignes.nth(2)).to_contain_text("Jamais connecté")
    await expect(lignes.nth(3)).to_contain_text("Rose RECENT")
    await audit(page, "revue en cours")

    # Confirm Rose, in place (htmx): the list stays, the row says it, the live region announces it.
    await page.get_by_role("button", name="Confirmer l'habilitation de Rose RECENT").click()
    await expect(page.get_by_role("row", name="Rose RECENT").get_by_text("Confirmé")).to_be_visible()
    await expect(page.locator("#revue-annonce")).to_have_text("Rose RECENT : confirmé.")
    await expect(page.get_by_text("1 compte examiné sur 3 ; 2 restent à examiner.")).to_be_visible()
    await audit(page, "revue, habilitation confirmée")

    # Lina: from Clôture down to Consultation.
    await page.get_by_label("Niveau d'habilitation de Lina NIVEAU").select_option(label="Consultation")
    await page.get_by_role("button", name="Changer le niveau de Lina NIVEAU").click()
    await expect(page.get_by_role("row", name="Lina NIVEAU").get_by_text("Niveau modifié")).to_be_visible()
    await audit(page, "revue, niveau modifié")
    # At 320 px the list scrolls inside its frame, never the page (WCAG 1.4.10).
    await aussi_a_320_px(page, "revue, niveau modifié")

    # Finishing too early says what is left.
    await page.get_by_role("button", name="Terminer la revue").click()
    await expect(page.get_by_text("La revue ne peut pas être terminée : 1 compte reste à examiner.")).to_be_visible()
    await audit(page, "revue, terminer trop tôt")

    # Victor, unused for 8 months: suspended after the confirmation that names him.
    await confirmer(page, "Suspendre le compte de Victor VIEUX", "Suspendre le compte")
    await expect(page.get_by_text("Le compte est suspendu : il ne peut plus se connecter.")).to_be_visible()
    await expect(page.get_by_role("row", name="Victor VIEUX").get_by_text("Suspendu").first).to_be_visible()
    await audit(page, "revue, compte suspendu")

    await page.get_by_role("button", name="Terminer la revue").click()
    await expect(page.get_by_text("La revue des habilitations est terminée et enregistrée.")).to_be_visible()
    await expect(page.get_by_text("1 confirmé, 1 modifié, 1 suspendu")).to_be_visible()
    await audit(page, "revue terminée")

    victor = await Utilisateur.objects().where(Utilisateur.nom == "VIEUX").first()
    lina = await Utilisateur.objects().where(Utilisateur.nom == "NIVEAU").first()
    assert victor.statut == "suspendu" and lina.niveau == "consultation"
    revue = await Revue.objects().where(Revue.organisme == organisme).first()
    assert (revue.confirmes, revue.modifies, revue.suspendus) == (1, 1, 1) and revue.terminee_le is not None
    assert await Journal.count().where((Journal.type == "revue_terminee") & (Journal.organisme == organisme)) == 1
    # No reminder any more.
    await page.goto("/")
    await expect(page.get_by_role("heading", name="Rechercher un titulaire")).to_be_visible()
    await expect(page.get_by_text("Revue des habilitations")).to_have_count(0)


async def test_la_caisse_des_depots_voit_les_revues_en_retard(page: Page, boite):
    deja = len(boite.messages)
    olga = inscrire(boite, "olga.jamais@example.fr", "Olga", "Jamais")
    organisme = (await Utilisateur.objects().where(Utilisateur.identifiant == olga).first()).organisme
    await Organisme.update({Organisme.raison_sociale: "MAIRIE D'OLGAVILLE"}).where(Organisme.id == organisme)
    agent = creer_agent(boite, "basile@cdc.example")
    await premiere_connexion(page, agent, await boite.mot_de_passe("basile@cdc.example", deja))
    await page.get_by_role("navigation", name="Mon menu").get_by_role("link", name="Revues des habilitations en retard").click()
    await expect(page.get_by_role("heading", name="Revues des habilitations en retard")).to_be_visible()
    await audit(page, "revues en retard")
    resultats = page.locator("#resultats")
    await page.get_by_label("Raison sociale ou SIRET").fill("olgav")
    await expect(resultats.get_by_role("row", name="MAIRIE D'OLGAVILLE")).to_contain_text("Jamais")
    await expect(page.get_by_role("status").filter(has_text="trouvé")).to_have_text("1 organisme trouvé")
    await audit(page, "revues en retard, recherche")
    # Filtered as one types (htmx), the URL kept.
    await page.get_by_label("Type d'organisme").select_option(label="Opérateur de l'emploi et de la formation")
    await expect(resultats.get_by_text("Aucun organisme ne correspond : toutes les revues sont à jour.")).to_be_visible()
    await expect(page).to_have_url(re.compile(r"type=operateur"))
    await audit(page, "revues en retard, filtrées")
