"""Issue 14, the face, in Chromium: every screen at 1280 px, at 320 px and at 400 % zoom without
page-level horizontal scroll (WCAG 1.4.10), "Mon menu" folding on narrow screens (with and without
JavaScript), the mandatory pages in the footer, confirmations in the dialog and as pages, a deep
link surviving sign-in. axe-core on every page and state."""

from __future__ import annotations

import pytest
from playwright.async_api import Page, expect

from tests.e2e.conftest import APRES_MOT_DE_PASSE, FACTEURS, audit, champ, sans_defilement_horizontal, second_facteur
from tests.e2e.test_titulaires import MOT_DE_PASSE, gestionnaire, organisme, titulaire
from tests.unit.test_dossiers import dossier
from web.acteur import Acteur
from web.db import ecriture
from web.facteurs import totp
from web.journal import journaliser
from web.settings import Settings
from web.tables import FacteurTotp, Utilisateur
from web.temps import maintenant

# 1280 px wide; 320 px wide; 1280 px at 400 % zoom (320 CSS px, four device pixels each).
ECRANS = {
    "1280": {"viewport": {"width": 1280, "height": 900}},
    "320": {"viewport": {"width": 320, "height": 640}},
    "zoom-400": {"viewport": {"width": 320, "height": 256}, "device_scale_factor": 4},
}


async def monde() -> dict:
    """An operator organisation with a principal, a gestionnaire with long names, a titulaire, a
    dossier, and enough journal lines to make the wide tables wide."""
    org = await organisme("operateur")
    principal = await gestionnaire(org, "cloture", prenom="Claire", nom="Principal", role="administrateur_principal")
    autre = await gestionnaire(org, "consultation", prenom="Anne-Marie-Clémentine", nom="De La Fontaine-Dupont-Moreau")
    g = await Utilisateur.objects().where(Utilisateur.identifiant == autre).first()
    tid, nir = await titulaire(org)
    async with ecriture():
        did = await dossier(org, tid)
        for i in range(5):
            detail = f"fonction « Chargée de mission numéro {i} », unité « Direction régionale des ressources humaines »"
            await journaliser("gestionnaire_modifie", Acteur.de(g, "2001:db8:85a3::8a2e:370:7334"), cible=g.id, detail=detail)
    # The principal's authenticator app, as set up at an earlier sign-in.
    p = await Utilisateur.objects().where(Utilisateur.identifiant == principal).first()
    secret = totp.nouveau_secret()
    scelle = totp.sceller(Settings.from_env().secret_key, secret)
    await FacteurTotp.insert(FacteurTotp(utilisateur=p.id, secret=scelle, confirme=True, cree_le=maintenant()))
    FACTEURS[principal] = {"secret": secret, "pas": 0, "secours": []}
    return {"org": org, "principal": principal, "g": g.id, "tid": tid, "did": did, "nir": nir}


async def se_connecter(page: Page, identifiant: str) -> None:
    await champ(page, "Identifiant").fill(identifiant)
    await champ(page, "Mot de passe").fill(MOT_DE_PASSE)
    await page.get_by_role("button", name="Je m'identifie").click()
    await page.wait_for_url(APRES_MOT_DE_PASSE)
    await second_facteur(page, identifiant)


@pytest.mark.parametrize("ecran", ECRANS)
async def test_chaque_ecran_tient_dans_sa_largeur(browser, serveur, ecran):
    m = await monde()
    contexte = await browser.new_context(base_url=serveur, locale="fr-FR", **ECRANS[ecran])
    page = await contexte.new_page()
    etroit = ecran != "1280"

    # Public pages, their footer.
    publiques = ("/connexion", "/aide", "/mot-de-passe/oublie", "/accessibilite", "/mentions-legales", "/donnees-personnelles")
    publiques += ("/plan-du-site",)
    for url in publiques:
        await page.goto(url)
        pied = page.get_by_role("contentinfo")
        for lien in ("Accessibilité : partiellement conforme", "Mentions légales", "Données personnelles", "Plan du site"):
            await expect(pied.get_by_role("link", name=lien)).to_be_visible()
        await sans_defilement_horizontal(page, f"{ecran} {url}")
        await audit(page, f"{ecran} {url}")

    # A deep link survives sign-in.
    await page.goto(f"/habilitations/{m['g']}")
    await expect(page.get_by_role("heading", name="Entrer votre identifiant et votre mot de passe")).to_be_visible()
    await se_connecter(page, m["principal"])
    await expect(page.get_by_role("heading", name="Mme Anne-Marie-Clémentine DE LA FONTAINE-DUPONT-MOREAU")).to_be_visible()
    await expect(page.get_by_role("banner")).to_contain_text("Niveau : Clôture")

    menu = page.get_by_role("navigation", name="Mon menu")
    habilitations = menu.get_by_role("link", name="Gérer les habilitations")
    if etroit:
        # Folded behind its button: the content comes first.
        await expect(habilitations).to_be_hidden()
        await menu.locator("summary", has_text="Mon menu").click()
        await expect(habilitations).to_be_visible()
        await audit(page, f"{ecran} menu déplié")
        await sans_defilement_horizontal(page, f"{ecran} menu déplié")
    await expect(habilitations).to_have_attribute("aria-current", "true")

    pages = [
        "/", f"/titulaires/{m['tid']}", f"/dossiers/{m['did']}", f"/titulaires/{m['tid']}/dossiers/nouveau", "/habilitations",
        "/habilitations/ajouter", f"/habilitations/{m['g']}", f"/habilitations/{m['g']}/suspendre", "/habilitations/journal",
        "/habilitations/demandes", "/parametres", "/profil", "/profil/mot-de-passe", "/delegations", "/cloture-simplifiee",
        "/aide", "/plan-du-site", "/accessibilite", "/contact", "/contact/messages",
    ]  # fmt: skip
    for url in pages:
        await page.goto(url)
        await sans_defilement_horizontal(page, f"{ecran} {url}")
        await expect(page.get_by_role("contentinfo").get_by_role("link", name="Plan du site")).to_be_visible()
        await audit(page, f"{ecran} {url}")

    # A wide table scrolls inside its own frame, which the keyboard can reach.
    await page.goto("/habilitations/journal")
    cadre = page.get_by_role("region", name="Événements, du plus récent au plus ancien")
    await expect(cadre).to_have_attribute("tabindex", "0")
    if etroit:
        assert await cadre.evaluate("c => c.scrollWidth > c.clientWidth")

    # The confirmation opens in the dialog, fits the viewport, names the person, closes.
    await page.goto(f"/habilitations/{m['g']}")
    await page.get_by_role("link", name="Suspendre le compte").click()
    dialogue = page.get_by_role("dialog", name="Suspendre le compte de Anne-Marie-Clémentine DE LA FONTAINE-DUPONT-MOREAU")
    await expect(dialogue).to_be_visible()
    await expect(dialogue).to_contain_text("Anne-Marie-Clémentine DE LA FONTAINE-DUPONT-MOREAU ne pourra plus se connecter au portail.")
    boite = await dialogue.bounding_box()
    taille = page.viewport_size
    assert boite["x"] >= 0 and boite["y"] >= 0 and boite["x"] + boite["width"] <= taille["width"], boite
    assert boite["y"] + boite["height"] <= taille["height"], boite
    await audit(page, f"{ecran} dialogue de confirmation")
    await dialogue.get_by_role("button", name="Fermer").click()
    await expect(dialogue).to_be_hidden()
    await page.get_by_role("link", name="Suspendre le compte").click()
    await dialogue.get_by_role("button", name="Suspendre le compte").click()
    await expect(page.get_by_text("Le compte est suspendu : il ne peut plus se connecter.")).to_be_visible()
    await sans_defilement_horizontal(page, f"{ecran} compte suspendu")
    await contexte.close()


async def test_sans_javascript_le_menu_se_replie_et_la_confirmation_est_une_page(browser, serveur):
    m = await monde()
    contexte = await browser.new_context(base_url=serveur, locale="fr-FR", java_script_enabled=False, **ECRANS["320"])
    page = await contexte.new_page()
    await page.goto("/connexion")
    await se_connecter(page, m["principal"])
    menu = page.get_by_role("navigation", name="Mon menu")
    await expect(menu.get_by_role("link", name="Paramètres")).to_be_hidden()
    await menu.locator("summary", has_text="Mon menu").click()
    await menu.get_by_role("link", name="Gérer les habilitations").click()
    await expect(page.get_by_role("heading", name="Gérer les habilitations", level=1)).to_be_visible()
    await page.goto(f"/habilitations/{m['g']}")
    await page.get_by_role("link", name="Renouveler le mot de passe").click()
    titre = "Renouveler le mot de passe de Anne-Marie-Clémentine DE LA FONTAINE-DUPONT-MOREAU"
    await expect(page.get_by_role("heading", name=titre)).to_be_visible()
    await sans_defilement_horizontal(page, "confirmation sans JavaScript")
    await page.get_by_role("link", name="Annuler").click()
    await expect(page.get_by_role("link", name="Retour à Gérer les habilitations")).to_be_visible()
    await page.get_by_role("link", name="Renouveler le mot de passe").click()
    await page.get_by_role("button", name="Renouveler le mot de passe").click()
    await expect(page.get_by_text("Un nouveau mot de passe temporaire vient de lui être envoyé par courriel.")).to_be_visible()
    await contexte.close()
