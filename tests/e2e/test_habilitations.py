"""Journeys of "Gérer les habilitations" (guide: "Habiliter un gestionnaire"), in Chromium."""

from __future__ import annotations

import re

from playwright.async_api import Page, expect

from tests.e2e.conftest import audit, champ, premiere_connexion
from tests.e2e.test_premiere_connexion import inscrire
from web.comptes.service import ouvrir_compte
from web.db import ecriture
from web.tables import Utilisateur


def identifiant_affiche(texte: str) -> str:
    return re.search(r"\b([A-Z0-9]{8})\b", texte.split("est le suivant :")[1]).group(1)


async def remplir(zone, prenom: str, nom: str, courriel: str) -> None:
    """Fills the gestionnaire form inside `zone` (the dialog or the page)."""
    await zone.get_by_label("Madame").check()
    await champ(zone, "Prénom").fill(prenom)
    await champ(zone, "Nom").fill(nom)
    await champ(zone, "Courriel").fill(courriel)
    await champ(zone, "Confirmation courriel").fill(courriel)
    await champ(zone, "Téléphone fixe").fill("01 23 45 67 89")


async def test_principal_delegue_et_gestionnaire(page: Page, new_context, boite):
    # The principal administrator of a newly registered organisation.
    deja = len(boite.messages)
    principal = inscrire(boite, "claire.principal@example.fr", "Claire", "Principal")
    await premiere_connexion(page, principal, await boite.mot_de_passe("claire.principal@example.fr", deja))

    await page.get_by_role("navigation", name="Mon menu").get_by_role("link", name="Gérer les habilitations").click()
    await expect(page.get_by_role("heading", name="Gérer les habilitations")).to_be_visible()
    await expect(page.get_by_text("Cet organisme ne dispose que d'un seul gestionnaire qui est l'administrateur principal")).to_be_visible()
    await expect(
        page.get_by_text(re.compile(r"Vous êtes administrateur principal de l'organisme EMPLOYEUR PUBLIC - \d{14}"))
    ).to_be_visible()
    await audit(page, "habilitations, organisme d'une seule personne")

    # Keyboard only: the dialog opens, takes the focus, and Escape gives it back.
    ajouter = page.get_by_role("link", name="Ajouter un gestionnaire")
    await ajouter.focus()
    await page.keyboard.press("Enter")
    dialogue = page.get_by_role("dialog", name="Ajouter un gestionnaire")
    await expect(dialogue).to_be_visible()
    await expect(dialogue.get_by_label("Madame")).to_be_focused()
    await audit(page, "dialogue d'ajout ouvert")
    await page.keyboard.press("Escape")
    await expect(dialogue).to_be_hidden()
    await expect(ajouter).to_be_focused()

    await page.keyboard.press("Enter")
    await expect(dialogue).to_be_visible()
    # Each field is checked as it is left.
    await champ(dialogue, "Courriel").fill("denis.delegue@example.fr")
    await champ(dialogue, "Confirmation courriel").fill("autre@example.fr")
    await page.keyboard.press("Tab")
    await expect(dialogue.get_by_text("La confirmation ne correspond pas au courriel.")).to_be_visible()
    await audit(page, "dialogue, erreur en ligne")
    await remplir(dialogue, "Denis", "Délégué", "denis.delegue@example.fr")
    await dialogue.get_by_label("Validation", exact=True).check()
    await dialogue.get_by_label("Administrateur délégué").check()
    await dialogue.get_by_role("button", name="Enregistrer").click()
    await expect(page.get_by_role("heading", name="Création d'un gestionnaire")).to_be_visible()
    await expect(page.get_by_text("Le compte de Mme DENIS DÉLÉGUÉ, a bien été créé.")).to_be_visible()
    await expect(page.get_by_text("Un courriel vient de lui être envoyé avec son mot de passe.")).to_be_visible()
    delegue = identifiant_affiche(await page.locator("main").inner_text())
    await audit(page, "création d'un gestionnaire")
    temporaire_delegue = await boite.mot_de_passe("denis.delegue@example.fr", deja)

    # Another délégué, whose password the first délégué may not renew.
    organisme = (await Utilisateur.objects().where(Utilisateur.identifiant == principal).first()).organisme
    async with ecriture():
        autre = Utilisateur(organisme=organisme, role="administrateur_delegue", civilite="M.", prenom="Paul", nom="VOISIN",
                            courriel="paul.voisin@example.fr", telephone_fixe="01 23 45 67 89")  # fmt: skip
        await ouvrir_compte(await _settings(), autre)

    # The délégué's first sign-in, in a browser of their own.
    contexte = await new_context()
    p2 = await contexte.new_page()
    await premiere_connexion(p2, delegue, temporaire_delegue)
    await expect(p2.get_by_role("banner")).to_contain_text("ADMINISTRATEUR DÉLÉGUÉ")
    await p2.get_by_role("link", name="Gérer les habilitations").click()
    await expect(p2.get_by_text(re.compile(r"Vous êtes administrateur délégué de l'organisme"))).to_be_visible()
    await p2.get_by_role("link", name="Ajouter un gestionnaire").click()
    d2 = p2.get_by_role("dialog", name="Ajouter un gestionnaire")
    await expect(d2).to_be_visible()
    await expect(d2.get_by_label("Administrateur délégué")).to_have_count(0)
    await remplir(d2, "Lucie", "Delahaie", "lucie.delahaie@example.fr")
    await champ(d2, "Nouvelle unité").fill("Service RH")
    await d2.get_by_role("button", name="Ajouter une unité").click()
    await expect(d2.get_by_text("L'unité a été ajoutée et sélectionnée.")).to_be_visible()
    await expect(champ(d2, "Unité")).to_have_value(re.compile(r"\d+"))
    await expect(champ(d2, "Prénom")).to_have_value("Lucie")
    await audit(p2, "dialogue, unité ajoutée")
    await d2.get_by_role("button", name="Enregistrer").click()
    await expect(p2.get_by_text("Le compte de Mme LUCIE DELAHAIE, a bien été créé.")).to_be_visible()
    lucie = identifiant_affiche(await p2.locator("main").inner_text())
    assert lucie.startswith("LDEL")

    # Inline search, by each criterion, as the délégué types.
    await p2.get_by_role("link", name="Retour").click()
    resultats = p2.locator("#resultats")
    await champ(p2, "Nom").fill("dela")
    await expect(resultats.get_by_role("cell", name=lucie)).to_be_visible()
    await expect(p2.get_by_role("status").filter(has_text="trouvé")).to_have_text("1 gestionnaire trouvé")
    await audit(p2, "résultats de recherche")
    await champ(p2, "Nom").fill("")
    await champ(p2, "Prénom").fill("luc")
    await expect(resultats.get_by_role("cell", name=lucie)).to_be_visible()
    await champ(p2, "Prénom").fill("")
    await champ(p2, "Identifiant").fill(lucie[:6])
    await expect(resultats.get_by_role("cell", name=lucie)).to_be_visible()
    await champ(p2, "Identifiant").fill("")
    await champ(p2, "Unité").select_option(label="Service RH")
    await expect(resultats.get_by_role("cell", name=lucie)).to_be_visible()
    await expect(resultats.get_by_role("cell", name=delegue)).to_have_count(0)
    await champ(p2, "Nom").fill("zzz")
    await expect(resultats.get_by_text("Aucun gestionnaire ne correspond à votre recherche.")).to_be_visible()
    await audit(p2, "recherche sans résultat")
    assert "nom=zzz" in p2.url  # the search can be bookmarked

    # The other délégué: shown, but neither editable nor renewable; a forced POST is refused.
    await p2.goto(f"/habilitations/{autre.id}")
    await expect(p2.get_by_role("heading", name="M. Paul VOISIN")).to_be_visible()
    await expect(p2.get_by_role("button", name="Renouveler le mot de passe")).to_have_count(0)
    await audit(p2, "fiche d'un autre délégué")
    jeton = await p2.locator("input[name=_csrf_token]").first.get_attribute("value")
    refus = await p2.request.post(f"/habilitations/{autre.id}/renouveler", form={"_csrf_token": jeton}, max_redirects=0)
    assert refus.status == 403

    # The new gestionnaire signs in with the mailed password.
    p3 = await (await new_context()).new_page()
    await premiere_connexion(p3, lucie, await boite.mot_de_passe("lucie.delahaie@example.fr", deja))
    await expect(p3.get_by_role("banner")).to_contain_text("GESTIONNAIRE")
    await expect(p3.get_by_role("link", name="Gérer les habilitations")).to_have_count(0)


async def test_sans_javascript_ajouter_est_une_page(new_context, boite):
    contexte = await new_context(java_script_enabled=False)
    page = await contexte.new_page()
    deja = len(boite.messages)
    principal = inscrire(boite, "nina.sansjs@example.fr", "Nina", "Sansjs")
    temporaire = await boite.mot_de_passe("nina.sansjs@example.fr", deja)
    await page.goto(f"/mot-de-passe/premiere-connexion?identifiant={principal}")
    await champ(page, "Ancien mot de passe").fill(temporaire)
    await champ(page, "Nouveau mot de passe").fill("Kq7vTz9mWr4pX")
    await champ(page, "Confirmation nouveau mot de passe").fill("Kq7vTz9mWr4pX")
    await page.get_by_role("button", name="Enregistrer").click()
    await champ(page, "Identifiant").fill(principal)
    await champ(page, "Mot de passe").fill("Kq7vTz9mWr4pX")
    await page.get_by_role("button", name="Je m'identifie").click()
    await page.get_by_label("Je déclare avoir lu").check()
    await page.get_by_role("button", name="Confirmer").click()
    await page.goto("/habilitations")
    await page.get_by_role("link", name="Ajouter un gestionnaire").click()
    await expect(page).to_have_url(re.compile(r"/habilitations/ajouter$"))
    await page.get_by_role("button", name="Enregistrer").click()
    await expect(page.get_by_role("alert")).to_contain_text("Saisissez le champ « Prénom ».")
    html = await page.content()
    verif = await (await new_context()).new_page()
    await verif.goto("/connexion")
    await verif.set_content(html)
    await audit(verif, "page d'ajout avec erreurs, sans JavaScript")


async def _settings():
    from web.settings import Settings

    return Settings.from_env()
