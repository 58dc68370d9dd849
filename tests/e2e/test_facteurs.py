"""Second factor journeys in Chromium: a passkey enrolled at the required step and used to sign in
(the DevTools Protocol's virtual authenticator), and the principal resetting a gestionnaire's
factors. The one-time and recovery codes' journey is in test_premiere_connexion."""

from __future__ import annotations

import re

import pytest
from playwright.async_api import Page, expect

from tests.e2e.conftest import APRES_MOT_DE_PASSE, audit, champ, changer_puis_s_identifier, premiere_connexion
from tests.e2e.test_habilitations import identifiant_affiche, remplir
from tests.e2e.test_premiere_connexion import NOUVEAU, inscrire
from tests.processus import Portail, port_libre
from web.tables import Utilisateur


@pytest.fixture(scope="module")
def localhost(boite, base_migree) -> str:
    """WebAuthn refuses IP addresses as relying party ids: this portal is http://localhost:PORT
    (a secure context for the browser), its RP id `localhost`."""
    port = port_libre()
    url = f"http://localhost:{port}"
    p = Portail(env={"PORTAIL_SMTP_URL": f"smtp://127.0.0.1:{boite.port}", "PORTAIL_BASE_URL": url}, port=port, nom="localhost")
    yield url
    p.arreter()


async def authentificateur(page: Page, transport: str = "internal"):
    """Chromium's virtual authenticator (a platform one, or a USB key), with user verification.
    Returns the CDP session and the authenticator's id."""
    cdp = await page.context.new_cdp_session(page)
    await cdp.send("WebAuthn.enable")
    options = {"protocol": "ctap2", "transport": transport, "hasResidentKey": True, "hasUserVerification": True, "isUserVerified": True}
    return cdp, (await cdp.send("WebAuthn.addVirtualAuthenticator", {"options": options}))["authenticatorId"]


async def test_cle_d_acces_configuree_puis_utilisee(browser, boite, localhost):
    contexte = await browser.new_context(base_url=localhost, locale="fr-FR")
    page = await contexte.new_page()
    cdp, interne = await authentificateur(page)
    courriel = "paula.cle@example.fr"
    deja = len(boite.messages)
    identifiant = inscrire(boite, courriel, "Paula", "Cle")
    # Signing in from a link to a page of the portal: that page comes after the enrolment and the CGU.
    await changer_puis_s_identifier(page, identifiant, await boite.mot_de_passe(courriel, deja), NOUVEAU, depuis="/habilitations")

    # The required enrolment: a passkey first.
    await expect(page.get_by_role("heading", name="Configurer un second facteur")).to_be_visible()
    await expect(page.get_by_role("button", name="Ajouter une clé d'accès")).to_be_visible()
    await champ(page, "Nom de la clé d'accès").fill("Ordinateur du bureau")
    await page.get_by_role("button", name="Ajouter une clé d'accès").click()
    await expect(page.get_by_role("heading", name="Générer vos codes de secours")).to_be_visible()
    await audit(page, "codes de secours à générer")
    await page.get_by_role("button", name="Générer les codes").click()
    await expect(page.get_by_role("list", name="Codes de secours").get_by_role("listitem")).to_have_count(10)
    await page.get_by_role("link", name="Continuer").click()
    await page.get_by_label("Je déclare avoir lu, compris et accepté les nouvelles Conditions Générales d'Utilisation").check()
    await page.get_by_role("button", name="Confirmer").click()
    await expect(page.get_by_role("heading", name="Gérer les habilitations", level=1)).to_be_visible()
    ajout = await boite.attendre(courriel, deja + 1)
    assert "clé d'accès « Ordinateur du bureau »" in ajout.get_content()

    # Signing in again: the passkey, no code.
    await page.get_by_role("button", name="Se déconnecter").click()
    await champ(page, "Identifiant").fill(identifiant)
    await champ(page, "Mot de passe").fill(NOUVEAU)
    await page.get_by_role("button", name="Je m'identifie").click()
    await expect(page.get_by_role("heading", name="Confirmer votre identité")).to_be_visible()
    await audit(page, "second facteur avec clé d'accès")
    await page.get_by_role("button", name="Utiliser ma clé d'accès").click()
    await expect(page.get_by_role("heading", name="Rechercher un titulaire", level=1)).to_be_visible()

    # « Sécurité du compte »: the passkey listed, renamed; a second one added, then removed.
    await page.get_by_role("link", name="Sécurité du compte").click()
    cles = page.get_by_role("table", name="Vos clés d'accès")
    await expect(cles.get_by_role("cell", name="Ordinateur du bureau", exact=True)).to_be_visible()
    await expect(cles.get_by_role("row").nth(1)).not_to_contain_text("Jamais")  # last used: just now
    await audit(page, "sécurité du compte")
    await page.get_by_role("link", name="Renommer la clé « Ordinateur du bureau »").click()
    await audit(page, "renommer une clé d'accès")
    await champ(page, "Nom de la clé d'accès").fill("Poste principal")
    await page.get_by_role("button", name="Enregistrer").click()
    await expect(page.get_by_role("status")).to_have_text("La clé d'accès a bien été renommée.")
    await champ(page, "Nom de la clé d'accès").fill("Clé de secours USB")
    await cdp.send("WebAuthn.removeVirtualAuthenticator", {"authenticatorId": interne})
    await authentificateur(page, "usb")  # a second device
    await page.get_by_role("button", name="Ajouter une clé d'accès").click()
    await expect(page.get_by_role("status")).to_have_text("La clé d'accès a bien été ajoutée.")
    await page.get_by_role("link", name="Supprimer la clé « Clé de secours USB »").click()
    await expect(page.get_by_role("heading", name="Supprimer la clé d'accès « Clé de secours USB »")).to_be_visible()
    await audit(page, "confirmation de suppression")
    await page.get_by_role("button", name="Supprimer").click()
    await expect(page.get_by_role("status")).to_have_text("Le second facteur a bien été supprimé.")
    await expect(cles.get_by_role("row")).to_have_count(2)

    # « Configurer une application d'authentification » from the same page.
    await page.get_by_role("link", name="Configurer une application d'authentification").click()
    await expect(page.get_by_role("img", name="Code QR à scanner")).to_be_visible()
    await audit(page, "configurer une application depuis la sécurité du compte")
    await contexte.close()


async def test_le_principal_reinitialise_les_facteurs_d_un_gestionnaire(page: Page, new_context, boite):
    deja = len(boite.messages)
    principal = inscrire(boite, "rita.reinit@example.fr", "Rita", "Reinit")
    await premiere_connexion(page, principal, await boite.mot_de_passe("rita.reinit@example.fr", deja))

    # Paramètres: the second factor required of every gestionnaire.
    await page.get_by_role("link", name="Paramètres").click()
    await page.get_by_label("Exiger un second facteur de tous les gestionnaires").check()
    await page.get_by_role("button", name="Enregistrer l'exigence").click()
    await expect(page.get_by_role("status")).to_contain_text("Le second facteur est exigé de tous les gestionnaires")
    await audit(page, "paramètres : second facteur exigé")

    await page.get_by_role("link", name="Gérer les habilitations").click()
    await page.get_by_role("link", name="Ajouter un gestionnaire").click()
    dialogue = page.get_by_role("dialog", name="Ajouter un gestionnaire")
    await remplir(dialogue, "Gina", "Perdu", "gina.perdu@example.fr")
    avant = len(boite.messages)
    await dialogue.get_by_role("button", name="Enregistrer").click()
    await expect(page.get_by_role("heading", name="Création d'un gestionnaire")).to_be_visible()
    gina = identifiant_affiche(await page.locator("main").inner_text())

    g = await (await new_context()).new_page()
    await premiere_connexion(g, gina, await boite.mot_de_passe("gina.perdu@example.fr", avant))

    # Gina lost her phone: the principal resets her factors, after a confirmation naming her.
    g_id = (await Utilisateur.objects().where(Utilisateur.identifiant == gina).first()).id
    await page.goto(f"/habilitations/{g_id}")
    await page.get_by_role("link", name="Réinitialiser les seconds facteurs").click()
    await expect(page.get_by_role("heading", name=f"Réinitialiser les seconds facteurs de Mme Gina PERDU ({gina})")).to_be_visible()
    await audit(page, "confirmation de réinitialisation")
    avant = len(boite.messages)
    await page.get_by_role("button", name="Réinitialiser les seconds facteurs").click()
    await expect(page.get_by_role("status")).to_contain_text("Ses seconds facteurs ont été réinitialisés")
    await audit(page, "facteurs réinitialisés")
    message = await boite.attendre("gina.perdu@example.fr", avant)
    assert "réinitialisés" in message.get_content()

    # Her session ended; at her next sign-in she enrols again.
    await g.reload()
    await expect(g).to_have_url(re.compile("/connexion"))
    await g.goto("/connexion")
    await champ(g, "Identifiant").fill(gina)
    await champ(g, "Mot de passe").fill(NOUVEAU)
    await g.get_by_role("button", name="Je m'identifie").click()
    await g.wait_for_url(APRES_MOT_DE_PASSE)
    await expect(g.get_by_role("heading", name="Configurer un second facteur")).to_be_visible()
