"""Journeys of the Caisse des Dépôts space, in Chromium."""

from __future__ import annotations

import os
import re
import subprocess
import sys

from playwright.async_api import Page, expect

from tests.conftest import siret_valide
from tests.e2e.conftest import ROOT, audit, champ, confirmer, premiere_connexion
from web.comptes.service import ouvrir_compte
from web.db import ecriture
from web.settings import Settings
from web.tables import Utilisateur


def creer_agent(boite, courriel: str) -> str:
    r = subprocess.run(
        [sys.executable, "-m", "web.cli", "cdc", "creer-agent", "--prenom", "Agathe", "--nom", "Caisse", "--courriel", courriel],
        cwd=ROOT, env={**os.environ, "PORTAIL_SMTP_URL": f"smtp://127.0.0.1:{boite.port}"}, capture_output=True, text=True, check=True,
    )  # fmt: skip
    return r.stdout.strip().splitlines()[-1]


async def test_agent_inscrit_renouvelle_et_transfere(page: Page, new_context, boite):
    deja = len(boite.messages)
    agent = creer_agent(boite, "agathe@cdc.example")
    await premiere_connexion(page, agent, await boite.mot_de_passe("agathe@cdc.example", deja))
    await expect(page.get_by_role("heading", name="Organismes")).to_be_visible()
    await expect(page.get_by_role("banner")).to_contain_text("CAISSE DES DÉPÔTS")
    await audit(page, "organismes")

    await page.get_by_role("navigation", name="Mon menu").get_by_role("link", name="Inscrire un organisme").click()
    await expect(page.get_by_role("heading", name="Inscrire un organisme")).to_be_visible()
    await audit(page, "formulaire d'inscription")
    await champ(page, "SIRET").fill("12345678200011")
    await page.keyboard.press("Tab")
    await expect(page.get_by_text("Ce SIRET n'existe pas : sa clé de contrôle est fausse.")).to_be_visible()
    await audit(page, "erreur en ligne sur le SIRET")
    siret = siret_valide()
    await champ(page, "Raison sociale").fill("Mairie de Recette")
    await champ(page, "SIRET").fill(siret)
    await champ(page, "Type d'organisme").select_option(label="Employeur public")
    await champ(page, "Civilité").select_option(label="Monsieur")
    await champ(page, "Prénom").fill("Bruno")
    await champ(page, "Nom").fill("Recette")
    await champ(page, "Courriel").fill("bruno.recette@example.fr")
    await champ(page, "Téléphone").fill("01 23 45 67 89")
    avant = len(boite.messages)
    await page.get_by_role("button", name="Inscrire l'organisme").click()
    await expect(page.get_by_role("heading", name="Organisme inscrit")).to_be_visible()
    texte = await page.locator("main").inner_text()
    principal = re.search(r"est le suivant :\s*([A-Z0-9]{8})", texte).group(1)
    await audit(page, "organisme inscrit")

    # The new principal administrator signs in with the mailed password.
    pp = await (await new_context()).new_page()
    await premiere_connexion(pp, principal, await boite.mot_de_passe("bruno.recette@example.fr", avant))
    await expect(pp.get_by_role("banner")).to_contain_text("ADMINISTRATEUR PRINCIPAL")

    # The agent renews that password: the administrator's session ends.
    await page.get_by_role("link", name="Voir l'organisme").click()
    await expect(page.get_by_role("heading", name="MAIRIE DE RECETTE")).to_be_visible()
    await audit(page, "fiche de l'organisme")
    avant = len(boite.messages)
    await confirmer(page, "Renouveler le mot de passe de l'administrateur principal", "Renouveler le mot de passe")
    await expect(page.get_by_text("Un nouveau mot de passe temporaire a été envoyé")).to_be_visible()
    renouvele = await boite.mot_de_passe("bruno.recette@example.fr", avant)
    await pp.goto("/")
    await expect(pp).to_have_url(re.compile(r"/connexion"))

    # The principal role moves to a gestionnaire of the organisation.
    organisme = (await Utilisateur.objects().where(Utilisateur.identifiant == principal).first()).organisme
    async with ecriture():
        g = Utilisateur(organisme=organisme, role="gestionnaire", civilite="Mme", prenom="Carla", nom="SUITE",
                        courriel="carla.suite@example.fr", telephone_fixe="01 23 45 67 89")  # fmt: skip
        await ouvrir_compte(Settings.from_env(), g)
    await page.reload()
    await champ(page, "Nouvel administrateur principal").select_option(label=f"Carla SUITE ({g.identifiant})")
    await page.get_by_role("button", name="Transférer le rôle d'administrateur principal").click()
    await expect(page.get_by_role("heading", name="Transférer le rôle d'administrateur principal à Carla SUITE")).to_be_visible()
    await audit(page, "confirmation du transfert")
    await page.get_by_role("button", name="Transférer le rôle").click()
    await expect(page.get_by_text("Le rôle d'administrateur principal a été transféré.")).to_be_visible()
    await expect(page.get_by_text(f"Carla SUITE ({g.identifiant})").first).to_be_visible()
    await audit(page, "rôle transféré")

    pc = await (await new_context()).new_page()
    await premiere_connexion(pc, g.identifiant, await boite.mot_de_passe("carla.suite@example.fr", avant))
    await expect(pc.get_by_role("banner")).to_contain_text("ADMINISTRATEUR PRINCIPAL")
    await pc.goto("/habilitations/ajouter")
    await expect(pc.get_by_label("Administrateur délégué")).to_be_visible()  # the new principal grants délégués
    # The former principal administrator is now a plain gestionnaire.
    await premiere_connexion(pp, principal, renouvele, nouveau="Autre9Mot8De7x")
    await expect(pp.get_by_role("banner")).to_contain_text("GESTIONNAIRE")
    await expect(pp.get_by_role("link", name="Gérer les habilitations")).to_have_count(0)


async def test_agent_recherche_suspend_et_sert_une_demande(page: Page, new_context, boite):
    from web.organismes.forms import FormInscription
    from web.organismes.service import inscrire

    deja = len(boite.messages)
    agent = creer_agent(boite, "albert@cdc.example")
    await premiere_connexion(page, agent, await boite.mot_de_passe("albert@cdc.example", deja))
    avant = len(boite.messages)
    siret = siret_valide()
    demande = FormInscription.lire({
        "siret": siret, "raison_sociale": "Office Éloigné", "type": "operateur", "civilite": "Mme",
        "prenom": "Odile", "nom": "Loin", "courriel": "odile.loin@example.fr", "telephone": "06 12 34 56 78",
    }).inscription()  # fmt: skip
    principal = (await inscrire(Settings.from_env(), demande)).identifiant
    pp = await (await new_context()).new_page()
    await premiere_connexion(pp, principal, await boite.mot_de_passe("odile.loin@example.fr", avant))

    # Active search: the results change as the agent types, and are announced.
    await page.get_by_label("Raison sociale ou SIRET").fill(siret[:9])
    resultats = page.get_by_role("table", name=re.compile("Organismes inscrits"))
    await expect(resultats.get_by_role("link", name="OFFICE ÉLOIGNÉ")).to_be_visible()
    await expect(page).to_have_url(re.compile(rf"q={siret[:9]}"))
    await audit(page, "recherche en direct")
    await page.get_by_label("Raison sociale ou SIRET").fill("aucun organisme de ce nom")
    await expect(page.get_by_text("Aucun organisme ne correspond à votre recherche.")).to_be_visible()
    await expect(page.get_by_role("status")).to_have_text("0 organisme trouvé")
    await audit(page, "recherche sans résultat")

    # Suspension: the principal's session ends and sign-in is refused until reactivation.
    await page.goto(f"/cdc?q={siret}")
    await page.get_by_role("link", name="OFFICE ÉLOIGNÉ").click()
    await confirmer(page, "Suspendre l'organisme")
    await expect(page.get_by_text("L'organisme est suspendu")).to_be_visible()
    await audit(page, "organisme suspendu")
    await pp.goto("/")
    await expect(pp).to_have_url(re.compile(r"/connexion"))
    await champ(pp, "Identifiant").fill(principal)
    await champ(pp, "Mot de passe").fill("Kq7vTz9mWr4pX")
    await pp.get_by_role("button", name="Je m'identifie").click()
    await expect(pp.get_by_text("Ce compte est suspendu.")).to_be_visible()
    await page.get_by_role("button", name="Réactiver l'organisme").click()
    await expect(page.get_by_text("L'organisme est réactivé.")).to_be_visible()
    await expect(page.get_by_role("cell", name="Organisme suspendu")).to_be_visible()  # journaled
    await audit(page, "organisme réactivé")

    # "Mot de passe oublié" from the principal, served in the Caisse des Dépôts space.
    await pp.goto("/mot-de-passe/oublie")
    await champ(pp, "Identifiant").fill(principal)
    await pp.get_by_role("button", name="Envoyer la demande").click()
    await expect(pp.get_by_text("votre demande a été transmise")).to_be_visible()
    await page.get_by_role("navigation", name="Mon menu").get_by_role("link", name="Demandes de renouvellement").click()
    await expect(page.get_by_role("heading", name="Demandes de renouvellement de mot de passe")).to_be_visible()
    await audit(page, "demandes en attente")
    avant = len(boite.messages)
    await page.get_by_role("button", name="Renouveler le mot de passe de Odile LOIN").click()
    await expect(page.get_by_text("Le mot de passe a été renouvelé")).to_be_visible()
    await expect(page.get_by_text("Aucune demande en attente.")).to_be_visible()
    await audit(page, "demande servie")
    await premiere_connexion(pp, principal, await boite.mot_de_passe("odile.loin@example.fr", avant), nouveau="Autre9Mot8De7x")
    await expect(pp.get_by_role("banner")).to_contain_text("ADMINISTRATEUR PRINCIPAL")
