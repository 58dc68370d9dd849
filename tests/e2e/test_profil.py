"""Journeys of "Gestion des données", "Mot de passe oublié", Paramètres and Aide, in Chromium."""

from __future__ import annotations

import re

from playwright.async_api import Page, expect

from tests.e2e.conftest import audit, champ, premiere_connexion, s_identifier
from tests.e2e.test_premiere_connexion import inscrire
from web.comptes.service import ouvrir_compte
from web.db import ecriture
from web.settings import Settings
from web.tables import Utilisateur

NOUVEAU = "Kq7vTz9mWr4pX"


async def gestionnaire_de(principal: str, prenom: str, nom: str, courriel: str) -> str:
    organisme = (await Utilisateur.objects().where(Utilisateur.identifiant == principal).first()).organisme
    async with ecriture():
        u = Utilisateur(organisme=organisme, role="gestionnaire", civilite="Mme", prenom=prenom, nom=nom.upper(), courriel=courriel,
                        telephone_fixe="01 23 45 67 89")  # fmt: skip
        await ouvrir_compte(Settings.from_env(), u)
    return u.identifiant


async def test_informations_et_mot_de_passe(page: Page, new_context, boite):
    deja = len(boite.messages)
    principal = inscrire(boite, "rose.profil@example.fr", "Rose", "Profil")
    await premiere_connexion(page, principal, await boite.mot_de_passe("rose.profil@example.fr", deja))

    await page.get_by_role("link", name="Mes informations professionnelles").click()
    await expect(page.get_by_text("Vérifiez vos informations professionnelles avant de continuer.")).to_be_visible()
    await audit(page, "mes informations professionnelles")
    await champ(page, "Téléphone portable").fill("12")
    await page.keyboard.press("Tab")
    await expect(page.get_by_text("« Téléphone portable » n'est pas un numéro de téléphone français valide")).to_be_visible()
    await audit(page, "erreur en ligne sur le téléphone")
    await champ(page, "Téléphone portable").fill("06 12 34 56 78")
    await champ(page, "Courriel").fill("rose.nouvelle@example.fr")
    await champ(page, "Confirmation courriel").fill("rose.nouvelle@example.fr")
    await page.get_by_role("button", name="Enregistrer").click()
    await expect(page.get_by_text("Vos informations ont bien été enregistrées.")).to_be_visible()
    await expect(champ(page, "Téléphone portable")).to_have_value("06 12 34 56 78")
    await expect(champ(page, "Courriel")).to_have_value("rose.nouvelle@example.fr")
    annonce = await boite.attendre("rose.profil@example.fr", len(boite.messages) - 1)
    assert "rose.nouvelle@example.fr" in annonce.get_content()

    # A second browser of the same person, signed in too.
    autre = await (await new_context()).new_page()
    await s_identifier(autre, principal, NOUVEAU)
    await expect(autre.get_by_role("button", name="Se déconnecter")).to_be_visible()

    await page.get_by_role("link", name="Modifier mon mot de passe").click()
    await expect(page.get_by_role("heading", name="Modifier mon mot de passe")).to_be_visible()
    await audit(page, "modifier mon mot de passe")
    await champ(page, "Ancien mot de passe").fill(NOUVEAU)
    await champ(page, "Nouveau mot de passe").press_sequentially("Rose2024")
    await expect(page.locator("#politique-mdp")).to_contain_text("Ne contient ni votre identifiant")
    await audit(page, "liste des règles (htmx)")
    await champ(page, "Nouveau mot de passe").fill("Pivoine47Lune9")
    await champ(page, "Confirmation").fill("Pivoine47Lune9")
    await page.get_by_role("button", name="Enregistrer").click()
    await expect(page.get_by_text("Votre mot de passe a bien été mis à jour. Vos autres sessions ont été fermées.")).to_be_visible()
    await audit(page, "mot de passe modifié")
    await page.goto("/")
    await expect(page.get_by_role("button", name="Se déconnecter")).to_be_visible()
    await autre.goto("/")
    await expect(autre).to_have_url(re.compile(r"/connexion"))

    await page.get_by_role("link", name="Paramètres").click()
    await champ(page, "Nom de la nouvelle unité").fill("Direction")
    await page.get_by_role("button", name="Ajouter une unité").click()
    await expect(page.get_by_text("L'unité a été ajoutée.")).to_be_visible()
    await expect(page.get_by_role("cell", name="Direction", exact=True)).to_be_visible()
    await audit(page, "paramètres")
    await page.get_by_role("link", name="Aide").click()
    await expect(page.get_by_role("heading", name="Aide", exact=True)).to_be_visible()
    await audit(page, "aide")


async def test_mot_de_passe_oublie(page: Page, new_context, boite):
    deja = len(boite.messages)
    principal = inscrire(boite, "hugo.chef@example.fr", "Hugo", "Chef")
    await premiere_connexion(page, principal, await boite.mot_de_passe("hugo.chef@example.fr", deja))
    lea = await gestionnaire_de(principal, "Léa", "Oubli", "lea.oubli@example.fr")

    # Léa has forgotten her password.
    lp = await (await new_context()).new_page()
    await lp.goto("/connexion")
    await lp.get_by_role("link", name="Mot de passe oublié").click()
    await expect(lp.get_by_role("heading", name="Mot de passe oublié")).to_be_visible()
    await audit(lp, "mot de passe oublié")
    await champ(lp, "Identifiant").fill(lea)
    avant = len(boite.messages)
    await lp.get_by_role("button", name="Envoyer la demande").click()
    await expect(lp.get_by_role("status")).to_contain_text("Si cet identifiant correspond à un compte actif")
    await audit(lp, "réponse neutre")
    alerte = await boite.attendre("hugo.chef@example.fr", avant)
    assert lea in alerte.get_content()

    # The principal administrator sees the request and renews the password.
    await page.goto("/habilitations")
    await page.get_by_role("link", name="Demandes de renouvellement de mot de passe").click()
    await expect(page.get_by_role("cell", name=lea)).to_be_visible()
    await audit(page, "demandes de renouvellement")
    avant = len(boite.messages)
    await page.get_by_role("button", name="Renouveler le mot de passe de Léa OUBLI").click()
    await expect(page.get_by_text("Le mot de passe a été renouvelé")).to_be_visible()
    await expect(page.get_by_text("Aucune demande en attente.")).to_be_visible()
    await audit(page, "demande traitée")

    # Léa signs in with the mailed password and must change it at once.
    temporaire = await boite.mot_de_passe("lea.oubli@example.fr", avant)
    await lp.goto("/connexion")
    await champ(lp, "Identifiant").fill(lea)
    await champ(lp, "Mot de passe").fill(temporaire)
    await lp.get_by_role("button", name="Je m'identifie").click()
    await expect(lp.get_by_text("vous devez changer immédiatement votre mot de passe")).to_be_visible()
    await premiere_connexion(lp, lea, temporaire)
    await expect(lp.get_by_role("banner")).to_contain_text("GESTIONNAIRE")


async def test_un_gestionnaire_met_a_jour_ses_coordonnees(page: Page, new_context, boite):
    deja = len(boite.messages)
    principal = inscrire(boite, "ines.chef@example.fr", "Ines", "Chef")
    await boite.mot_de_passe("ines.chef@example.fr", deja)
    avant = len(boite.messages)
    jules = await gestionnaire_de(principal, "Jules", "Coord", "jules.coord@example.fr")
    await premiere_connexion(page, jules, await boite.mot_de_passe("jules.coord@example.fr", avant))
    menu = page.get_by_role("navigation", name="Mon menu")
    await expect(menu.get_by_role("link", name="Paramètres")).to_have_count(0)  # not an administrator
    await expect(menu.get_by_role("link", name="Demandes de renouvellement")).to_have_count(0)

    await menu.get_by_role("link", name="Mes informations professionnelles").click()
    await expect(page.get_by_role("link", name="Mes informations professionnelles")).to_have_attribute("aria-current", "page")
    await champ(page, "Courriel").fill("jules.nouveau@example.fr")
    await champ(page, "Confirmation courriel").fill("jules.autre@example.fr")
    await page.keyboard.press("Tab")
    await expect(page.get_by_text("La confirmation ne correspond pas au courriel.")).to_be_visible()
    await audit(page, "erreur en ligne sur la confirmation du courriel")
    await page.get_by_role("button", name="Enregistrer").click()  # submitted anyway: the summary, nothing saved
    await expect(page.get_by_role("alert")).to_contain_text("La confirmation ne correspond pas au courriel.")
    await expect(champ(page, "Courriel")).to_have_value("jules.nouveau@example.fr")
    await audit(page, "informations refusées")
    await champ(page, "Confirmation courriel").fill("jules.nouveau@example.fr")
    await champ(page, "Téléphone fixe").fill("")
    await champ(page, "Téléphone portable").fill("06 98 76 54 32")
    avant = len(boite.messages)
    await page.get_by_role("button", name="Enregistrer").click()
    await expect(page.get_by_text("Vos informations ont bien été enregistrées.")).to_be_visible()
    await expect(champ(page, "Téléphone portable")).to_have_value("06 98 76 54 32")
    await expect(champ(page, "Téléphone fixe")).to_have_value("")
    await expect(champ(page, "Courriel")).to_have_value("jules.nouveau@example.fr")
    await audit(page, "informations enregistrées")
    annonce = await boite.attendre("jules.coord@example.fr", avant)  # the old address is told
    assert "jules.nouveau@example.fr" in annonce.get_content()
