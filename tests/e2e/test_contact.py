"""« Nous contacter », in Chromium: a principal administrator writes from « Mes informations
professionnelles », an agent of the Caisse des Dépôts answers from « Messages », the answer arrives
by mail and in « Mes messages »."""

from __future__ import annotations

from playwright.async_api import Page, expect

from tests.e2e.conftest import audit, champ, premiere_connexion
from tests.e2e.test_cdc import creer_agent
from tests.e2e.test_premiere_connexion import inscrire


async def test_un_message_et_sa_reponse(page: Page, new_context, boite):
    deja = len(boite.messages)
    principal = inscrire(boite, "noemie.contact@example.fr", "Noémie", "Contact")
    await premiere_connexion(page, principal, await boite.mot_de_passe("noemie.contact@example.fr", deja))

    # The guide's sentence on « Mes informations professionnelles » leads to the form.
    menu = page.get_by_role("navigation", name="Mon menu")
    await menu.get_by_role("link", name="Mes informations professionnelles").click()
    await page.get_by_role("link", name="formulaire de contact").click()
    await expect(page.get_by_role("heading", name="Nous contacter", level=1)).to_be_visible()
    await expect(page.get_by_role("main")).to_contain_text("noemie.contact@example.fr")
    await audit(page, "nous contacter")
    await page.get_by_role("button", name="Envoyer le message").click()
    await expect(page.get_by_role("alert")).to_contain_text("Le formulaire contient 2 erreurs")
    await expect(page.get_by_role("link", name="Saisissez l'objet de votre message.")).to_be_visible()
    await audit(page, "nous contacter, champs vides")
    await champ(page, "Objet").fill("Titulaire introuvable")
    await champ(page, "Message").fill("Bonjour,\n\nJe ne trouve pas Mme Lefèvre née le 3 mars 1980.\nMerci d'avance.")
    await page.get_by_role("button", name="Envoyer le message").click()
    await expect(page.get_by_role("status")).to_contain_text("Votre message a été envoyé à la Caisse des Dépôts")
    await expect(page.get_by_role("heading", name="Titulaire introuvable")).to_be_visible()
    await expect(page.get_by_text("La Caisse des Dépôts n'a pas encore répondu.")).to_be_visible()
    await audit(page, "message envoyé")

    # The Caisse des Dépôts reads the queue and answers.
    avant = len(boite.messages)
    agent = creer_agent(boite, "agnes.file@cdc.example")
    cdc = await (await new_context()).new_page()
    await premiere_connexion(cdc, agent, await boite.mot_de_passe("agnes.file@cdc.example", avant))
    await cdc.get_by_role("navigation", name="Mon menu").get_by_role("link", name="Messages").click()
    await expect(cdc.get_by_role("heading", name="Messages", level=1)).to_be_visible()
    await audit(cdc, "file des messages")
    await cdc.get_by_role("link", name="Titulaire introuvable").click()
    await expect(cdc.get_by_role("main")).to_contain_text("Je ne trouve pas Mme Lefèvre née le 3 mars 1980.")
    await audit(cdc, "message reçu")
    await cdc.get_by_role("button", name="Envoyer la réponse").click()
    await expect(cdc.get_by_role("link", name="Saisissez votre réponse.")).to_be_visible()
    await audit(cdc, "réponse vide")
    avant = len(boite.messages)
    await champ(cdc, "Votre réponse").fill("Bonjour,\n\nMme Lefèvre est rattachée depuis ce matin : vous la trouverez.")
    await cdc.get_by_role("button", name="Envoyer la réponse").click()
    await expect(cdc.get_by_role("status")).to_contain_text("Votre réponse a été envoyée par courriel")
    await audit(cdc, "réponse envoyée")
    await cdc.get_by_role("link", name="Retour à Messages").click()
    await expect(cdc.get_by_text("Aucun message.")).to_be_visible()  # no new one left
    await cdc.get_by_label("Statut").select_option(label="Répondus")
    await cdc.get_by_role("button", name="Filtrer").click()
    await expect(cdc.get_by_role("link", name="Titulaire introuvable")).to_be_visible()
    await audit(cdc, "file des messages répondus")

    # The answer reaches the sender's courriel, and their thread.
    mail = await boite.attendre("noemie.contact@example.fr", avant)
    assert "Titulaire introuvable" in mail["Subject"] and "Mme Lefèvre est rattachée" in mail.get_content()
    await page.get_by_role("link", name="Retour à Mes messages").click()
    await expect(page.get_by_role("cell", name="Répondu")).to_be_visible()
    await audit(page, "mes messages")
    await page.get_by_role("link", name="Titulaire introuvable").click()
    await expect(page.get_by_role("main")).to_contain_text("Mme Lefèvre est rattachée depuis ce matin")
    await audit(page, "fil avec sa réponse")
