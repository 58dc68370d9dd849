"""Journey: the Caisse des Dépôts registers an organisation from the command line, and its
principal administrator completes the first sign-in in Chromium (guide: "Première connexion")."""

from __future__ import annotations

import os
import subprocess
import sys

import pyotp
from playwright.async_api import Page, expect

from tests.conftest import siret_valide
from tests.e2e.conftest import ROOT, audit, champ, changer_puis_s_identifier, second_facteur
from web.facteurs import totp

NOUVEAU = "Kq7vTz9mWr4pX"


def inscrire(boite, courriel: str, prenom: str = "Anne", nom: str = "Martin") -> str:
    """`portail organisme inscrire`, as the operator types it; returns the identifiant printed last."""
    r = subprocess.run(
        [
            sys.executable,
            "-m",
            "web.cli",
            "organisme",
            "inscrire",
            "--siret",
            siret_valide(),
            "--raison-sociale",
            "EMPLOYEUR PUBLIC",
            "--type",
            "employeur_public",
            "--civilite",
            "Mme",
            "--prenom",
            prenom,
            "--nom",
            nom,
            "--courriel",
            courriel,
            "--telephone",
            "0123456789",
        ],
        cwd=ROOT,
        env={**os.environ, "PORTAIL_SMTP_URL": f"smtp://127.0.0.1:{boite.port}"},
        capture_output=True,
        text=True,
        check=True,
    )
    return r.stdout.strip().splitlines()[-1]


async def test_premiere_connexion_de_l_administrateur_principal(page: Page, boite):
    courriel = "anne.martin@example.fr"
    deja = len(boite.messages)
    identifiant = inscrire(boite, courriel)
    temporaire = await boite.mot_de_passe(courriel, deja)

    await page.goto("/connexion")
    await expect(page.get_by_role("heading", name="Entrer votre identifiant et votre mot de passe")).to_be_visible()
    await audit(page, "page de connexion")

    await champ(page, "Identifiant").fill(identifiant.lower())
    await champ(page, "Mot de passe").fill(temporaire)
    await page.get_by_label("Afficher le mot de passe").check()
    await expect(champ(page, "Mot de passe")).to_have_attribute("type", "text")
    await page.get_by_role("button", name="Je m'identifie").click()
    await expect(
        page.get_by_text("Il s'agit de votre première connexion : vous devez changer immédiatement votre mot de passe")
    ).to_be_visible()
    await audit(page, "message de première connexion")

    await page.get_by_role("link", name="ici").click()
    await expect(page.get_by_role("heading", name="Modifier votre mot de passe")).to_be_visible()
    await expect(champ(page, "Identifiant")).to_have_value(identifiant)
    await audit(page, "formulaire de changement")

    await champ(page, "Ancien mot de passe").fill(temporaire)
    nouveau = champ(page, "Nouveau mot de passe")
    politique = page.locator("#politique-mdp")
    await nouveau.press_sequentially("azerty")
    await expect(politique).to_contain_text("Force du mot de passe : Très faible")
    await expect(politique.locator(".regle--ko", has_text="Au moins 3 chiffres")).to_be_visible()
    # Announced once per change: the live region holds only the sentences that changed.
    annonce = page.locator("#politique-annonce")
    await expect(annonce).to_have_attribute("aria-live", "polite")
    await expect(annonce).to_contain_text("Non respecté : Au moins 3 chiffres")
    await audit(page, "règles non respectées (htmx)")

    await nouveau.fill("")
    await nouveau.press_sequentially(NOUVEAU)
    await champ(page, "Confirmation nouveau mot de passe").fill(NOUVEAU + "x")
    await expect(politique).to_contain_text("Force du mot de passe : Fort")
    await expect(politique.locator(".regle--ok", has_text="Au moins 3 chiffres")).to_be_visible()
    await expect(politique.locator(".regle--ko", has_text="La confirmation est identique")).to_be_visible()
    await audit(page, "mot de passe fort, confirmation différente (htmx)")

    await page.get_by_role("button", name="Enregistrer").click()
    await expect(page.get_by_role("alert").get_by_text("La confirmation ne correspond pas au nouveau mot de passe.")).to_be_visible()
    await audit(page, "erreur de confirmation")

    await champ(page, "Ancien mot de passe").fill(temporaire)
    await champ(page, "Nouveau mot de passe").fill(NOUVEAU)
    await champ(page, "Confirmation nouveau mot de passe").fill(NOUVEAU)
    await page.get_by_role("button", name="Enregistrer").click()
    await expect(page.get_by_text("Votre mot de passe a bien été mis à jour. Vous pouvez désormais vous identifier avec.")).to_be_visible()
    await audit(page, "confirmation de mise à jour")

    # The temporary password no longer opens anything.
    await champ(page, "Identifiant").fill(identifiant)
    await champ(page, "Mot de passe").fill(temporaire)
    await page.get_by_role("button", name="Je m'identifie").click()
    await expect(page.get_by_text("Identifiant ou mot de passe incorrect.")).to_be_visible()
    await audit(page, "échec de connexion")

    await champ(page, "Identifiant").fill(identifiant)
    await champ(page, "Mot de passe").fill(NOUVEAU)
    await page.get_by_role("button", name="Je m'identifie").click()

    # An administrator must have a second factor: enrolment comes right after the password.
    await expect(page.get_by_role("heading", name="Configurer un second facteur")).to_be_visible()
    await expect(page.get_by_role("img", name="Code QR à scanner")).to_be_visible()
    await audit(page, "second facteur à configurer")
    secret = (await page.locator("#secret").inner_text()).replace(" ", "")
    await champ(page, "Code à usage unique").fill("000000")
    await page.get_by_role("button", name="Activer").click()
    await expect(page.get_by_role("alert").filter(has_text="La vérification a échoué")).to_be_visible()
    await audit(page, "code de configuration refusé")
    pas = totp.pas_courant()
    await champ(page, "Code à usage unique").fill(pyotp.TOTP(secret).at(pas * totp.PERIODE))
    await page.get_by_role("button", name="Activer").click()
    await expect(page.get_by_role("heading", name="Vos codes de secours")).to_be_visible()
    secours = await page.get_by_role("list", name="Codes de secours").get_by_role("listitem").all_inner_texts()
    assert len(secours) == 10
    await audit(page, "codes de secours")
    await page.get_by_role("link", name="Continuer").click()
    await expect(page.get_by_role("heading", name="Validation des Conditions Générales d'Utilisation")).to_be_visible()
    case = page.get_by_label("Je déclare avoir lu, compris et accepté les nouvelles Conditions Générales d'Utilisation (PDF - 2 Ko)")
    await expect(case).to_be_visible()
    lien = page.get_by_role("link", name="Conditions Générales d'Utilisation")
    await expect(lien).to_be_visible()
    await audit(page, "CGU")

    await page.get_by_role("button", name="Confirmer").click()
    await expect(page.get_by_text("Cochez la case pour accepter les Conditions Générales d'Utilisation.").first).to_be_visible()
    await audit(page, "CGU non cochées")

    await page.get_by_label("Je déclare avoir lu, compris et accepté les nouvelles Conditions Générales d'Utilisation").check()
    await page.get_by_role("button", name="Confirmer").click()
    # Guide: "Suite à la connexion, vous accéderez à la page d'accueil" "Rechercher un titulaire".
    await expect(page.get_by_role("heading", name="Rechercher un titulaire", level=1)).to_be_visible()
    bandeau = page.get_by_role("banner")
    await expect(bandeau).to_contain_text("ADMINISTRATEUR PRINCIPAL")
    await expect(bandeau).to_contain_text("EMPLOYEUR PUBLIC")
    await expect(bandeau).to_contain_text("Anne MARTIN")
    await expect(page.get_by_role("navigation", name="Mon menu")).to_be_visible()
    await audit(page, "accueil")

    await page.get_by_role("button", name="Se déconnecter").click()
    await expect(page.get_by_text("Vous êtes déconnecté.")).to_be_visible()
    await page.goto("/")
    await expect(page).to_have_url("/connexion")

    # The next sign-in asks for a code: a wrong one is refused without naming the factor, the
    # one the application shows now opens the portal.
    await champ(page, "Identifiant").fill(identifiant)
    await champ(page, "Mot de passe").fill(NOUVEAU)
    await page.get_by_role("button", name="Je m'identifie").click()
    await expect(page.get_by_role("heading", name="Confirmer votre identité")).to_be_visible()
    await audit(page, "second facteur")
    await page.goto("/habilitations")  # the password alone opens nothing else
    await expect(page).to_have_url("/connexion/second-facteur")
    await champ(page, "Code à usage unique").fill("123456")
    await page.get_by_role("button", name="Valider le code à usage unique").click()
    await expect(page.get_by_role("alert").filter(has_text="La vérification a échoué")).to_be_visible()
    await audit(page, "code refusé")
    pas = max(totp.pas_courant(), pas + 1)
    await champ(page, "Code à usage unique").fill(pyotp.TOTP(secret).at(pas * totp.PERIODE))
    await page.get_by_role("button", name="Valider le code à usage unique").click()
    await expect(page.get_by_role("heading", name="Rechercher un titulaire", level=1)).to_be_visible()

    # A recovery code, when the application is lost: once only.
    await page.get_by_role("button", name="Se déconnecter").click()
    for fois in (1, 2):
        await champ(page, "Identifiant").fill(identifiant)
        await champ(page, "Mot de passe").fill(NOUVEAU)
        await page.get_by_role("button", name="Je m'identifie").click()
        await champ(page, "Code de secours").fill(secours[0])
        await page.get_by_role("button", name="Valider le code de secours").click()
        if fois == 1:
            await expect(page.get_by_role("heading", name="Rechercher un titulaire", level=1)).to_be_visible()
            await page.get_by_role("link", name="Sécurité du compte").click()
            await expect(page.get_by_text("Codes de secours restants : 9 sur 10.")).to_be_visible()
            await audit(page, "sécurité du compte")
            await page.get_by_role("button", name="Se déconnecter").click()
        else:
            await expect(page.get_by_role("alert").filter(has_text="La vérification a échoué")).to_be_visible()


async def test_cgu_annuler_deconnecte(page: Page, boite):
    courriel = "paul.durand@example.fr"
    deja = len(boite.messages)
    identifiant = inscrire(boite, courriel, "Paul", "Durand")
    temporaire = await boite.mot_de_passe(courriel, deja)
    await changer_puis_s_identifier(page, identifiant, temporaire, NOUVEAU)
    await second_facteur(page, identifiant)
    await page.get_by_role("button", name="Annuler").click()
    await expect(page.get_by_text("Vous êtes déconnecté.")).to_be_visible()
    await page.goto("/cgu")
    await expect(page).to_have_url("/connexion")


async def test_sans_javascript_les_regles_sont_verifiees_a_l_envoi(new_context, boite):
    contexte = await new_context(java_script_enabled=False)
    page = await contexte.new_page()
    courriel = "jeanne.petit@example.fr"
    deja = len(boite.messages)
    identifiant = inscrire(boite, courriel, "Jeanne", "Petit")
    temporaire = await boite.mot_de_passe(courriel, deja)
    await page.goto("/connexion")
    await expect(page.get_by_label("Afficher le mot de passe")).to_be_hidden()
    await champ(page, "Identifiant").fill(identifiant)
    await champ(page, "Mot de passe").fill(temporaire)
    await page.get_by_role("button", name="Je m'identifie").click()
    await page.get_by_role("link", name="ici").click()
    await champ(page, "Ancien mot de passe").fill(temporaire)
    await champ(page, "Nouveau mot de passe").fill("petit")
    await champ(page, "Confirmation nouveau mot de passe").fill("petit")
    await page.get_by_role("button", name="Enregistrer").click()
    await expect(page.get_by_role("alert")).to_contain_text("5 lettres")
    await expect(page.locator("#politique-mdp")).to_contain_text("Très faible")
    # axe-core needs JavaScript: audit the very HTML this page received in a scripted page.
    html = await page.content()
    verif = await (await new_context()).new_page()
    await verif.goto("/connexion")
    await verif.set_content(html)
    await audit(verif, "erreurs sans JavaScript")
