"""Journeys of "Gérer les habilitations" (guide: "Habiliter un gestionnaire"), in Chromium."""

from __future__ import annotations

import re

from playwright.async_api import Page, expect

from tests.e2e.conftest import APRES_MOT_DE_PASSE, audit, aussi_a_320_px, champ, confirmer, premiere_connexion, second_facteur
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
    # A délégué grants at most their own level: Validation is offered, Clôture is not.
    await expect(d2.get_by_label("Validation", exact=True)).to_be_visible()
    await expect(d2.get_by_label("Clôture", exact=True)).to_have_count(0)
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
    await expect(p2.get_by_role("link", name="Renouveler le mot de passe")).to_have_count(0)
    await audit(p2, "fiche d'un autre délégué")
    jeton = await p2.locator("input[name=_csrf_token]").first.get_attribute("value")
    refus = await p2.request.post(f"/habilitations/{autre.id}/renouveler", form={"_csrf_token": jeton}, max_redirects=0)
    assert refus.status == 403

    # Paramètres: the délégué reads the units; only the principal manages them there.
    await p2.get_by_role("navigation", name="Mon menu").get_by_role("link", name="Paramètres").click()
    await expect(p2.get_by_text("Seul l'administrateur principal gère les unités ici.")).to_be_visible()
    await expect(p2.get_by_role("listitem").filter(has_text="Service RH")).to_be_visible()
    await expect(p2.get_by_role("button", name="Ajouter une unité")).to_have_count(0)
    await audit(p2, "paramètres d'un délégué")

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
    await page.wait_for_url(APRES_MOT_DE_PASSE)
    await second_facteur(page, principal)  # without JavaScript too: a one-time-code application
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


async def test_dialogue_au_clavier_seulement(page: Page, boite):
    deja = len(boite.messages)
    principal = inscrire(boite, "karim.clavier@example.fr", "Karim", "Clavier")
    await premiere_connexion(page, principal, await boite.mot_de_passe("karim.clavier@example.fr", deja))
    await page.goto("/habilitations")
    ajouter = page.get_by_role("link", name="Ajouter un gestionnaire")
    await page.get_by_role("button", name="Rechercher").focus()
    await page.keyboard.press("Tab")
    await expect(ajouter).to_be_focused()

    async def saisir(dialogue) -> None:
        await expect(dialogue.get_by_label("Madame")).to_be_focused()
        await page.keyboard.press("Space")
        for texte in ("Inès", "Touche", "ines.touche@example.fr", "ines.touche@example.fr", "0123456789"):
            await page.keyboard.press("Tab")
            await page.keyboard.type(texte)

    # Opened, filled, then closed with "Annuler": nothing is created and focus is back on the link.
    await page.keyboard.press("Enter")
    dialogue = page.get_by_role("dialog", name="Ajouter un gestionnaire")
    await expect(dialogue).to_be_visible()
    await saisir(dialogue)
    await expect(champ(dialogue, "Téléphone fixe")).to_be_focused()
    await expect(champ(dialogue, "Confirmation courriel")).to_have_value("ines.touche@example.fr")
    annuler = dialogue.get_by_role("link", name="Annuler")
    for _ in range(30):
        if await annuler.evaluate("e => e === document.activeElement"):
            break
        await page.keyboard.press("Tab")
    await expect(annuler).to_be_focused()
    await audit(page, "dialogue rempli au clavier")
    await page.keyboard.press("Enter")
    await expect(dialogue).to_be_hidden()
    await expect(ajouter).to_be_focused()
    await expect(page).to_have_url(re.compile(r"/habilitations$"))

    # Opened again and sent with Enter from a text field: the main button, not "Ajouter une unité".
    await page.keyboard.press("Enter")
    await expect(dialogue).to_be_visible()
    await saisir(dialogue)
    await page.keyboard.press("Enter")
    await expect(page.get_by_role("heading", name="Création d'un gestionnaire")).to_be_visible()
    await expect(page.get_by_text("Le compte de Mme INÈS TOUCHE, a bien été créé.")).to_be_visible()
    await audit(page, "création au clavier")


async def test_fiche_suspendre_reactiver_renouveler_et_journal(page: Page, new_context, boite):
    deja = len(boite.messages)
    # Long names, as real ones are: the gestionnaire page and its history wrap them at 320 px.
    principal = inscrire(boite, "olga.fiche@example.fr", "Olga-Marie-Clémentine", "Fiche-De La Tour d'Auvergne-Lauraguais")
    await premiere_connexion(page, principal, await boite.mot_de_passe("olga.fiche@example.fr", deja))
    await page.goto("/habilitations/ajouter")  # the page of its own, as without JavaScript
    await remplir(page.locator("main"), "Hugo-Emmanuel-Maximilien", "Suspens-De La Fontaine-Dupont-Moreau", "hugo.suspens@example.fr")
    await champ(page, "Confirmation courriel").fill("hugo@example.fr")
    await page.get_by_role("button", name="Enregistrer").click()
    await expect(page.get_by_role("alert")).to_contain_text("La confirmation ne correspond pas au courriel.")
    await expect(page).to_have_url(re.compile(r"/habilitations/ajouter$"))
    await audit(page, "page d'ajout, erreurs")
    await champ(page, "Confirmation courriel").fill("hugo.suspens@example.fr")
    await page.get_by_role("button", name="Enregistrer").click()
    await expect(page.get_by_role("heading", name="Création d'un gestionnaire")).to_be_visible()
    hugo = identifiant_affiche(await page.locator("main").inner_text())
    p2 = await (await new_context()).new_page()
    await premiere_connexion(p2, hugo, await boite.mot_de_passe("hugo.suspens@example.fr", deja))

    # From the results to the gestionnaire's page; the level is changed.
    await page.get_by_role("link", name="Retour").click()
    await champ(page, "Identifiant").fill(hugo)
    await page.locator("#resultats").get_by_role("link", name="SUSPENS").click()
    await expect(page.get_by_role("heading", name="Mme Hugo-Emmanuel-Maximilien SUSPENS-DE LA FONTAINE-DUPONT-MOREAU")).to_be_visible()
    await audit(page, "fiche d'un gestionnaire")
    await aussi_a_320_px(page, "fiche d'un gestionnaire")
    await page.get_by_label("Clôture", exact=True).check()
    await champ(page, "Téléphone fixe").fill("12")
    await page.get_by_role("button", name="Enregistrer").click()
    await expect(page.get_by_role("alert")).to_contain_text("n'est pas un numéro de téléphone français valide")
    await audit(page, "fiche, erreurs")
    await champ(page, "Téléphone fixe").fill("01 23 45 67 89")
    await page.get_by_role("button", name="Enregistrer").click()
    await expect(page.get_by_role("status")).to_have_text("Les modifications ont bien été enregistrées.")
    await expect(page.get_by_label("Clôture", exact=True)).to_be_checked()

    # Suspended: the open session ends and signing in is refused; then reactivated.
    await confirmer(page, "Suspendre le compte")
    await expect(page.get_by_role("status")).to_have_text("Le compte est suspendu : il ne peut plus se connecter.")
    await audit(page, "compte suspendu")
    await p2.reload()
    await expect(p2.get_by_role("button", name="Je m'identifie")).to_be_visible()
    await page.get_by_role("button", name="Réactiver le compte").click()
    await expect(page.get_by_role("status")).to_have_text("Le compte est réactivé.")

    # "Renouveler le mot de passe": a new temporary password arrives by mail and works.
    avant = len(boite.messages)
    await confirmer(page, "Renouveler le mot de passe")
    await expect(page.get_by_role("status")).to_have_text("Un nouveau mot de passe temporaire vient de lui être envoyé par courriel.")
    await premiere_connexion(p2, hugo, await boite.mot_de_passe("hugo.suspens@example.fr", avant), nouveau="Zt8pLm3qWx7vR")

    # The account's history at a glance: created by whom, last sign-in and password change, the
    # status changes newest first, the link to its journal; at 1280 and at 320 px.
    await page.reload()
    createur = page.get_by_role("definition").filter(has_text="Fiche-De La Tour d'Auvergne-Lauraguais".upper())
    await expect(createur).to_have_text(f"Olga-Marie-Clémentine FICHE-DE LA TOUR D'AUVERGNE-LAURAGUAIS ({principal})")
    for terme in ("Dernière connexion", "Dernier changement de mot de passe"):
        await expect(page.get_by_role("term").filter(has_text=terme)).to_be_visible()
    await expect(page.get_by_text("Jamais connecté")).to_have_count(0)
    await expect(page.get_by_role("heading", name="Changements de statut")).to_be_visible()
    changements = page.get_by_role("listitem").filter(has_text=re.compile(r"^\d\d/\d\d/\d{4} à \d\d:\d\d : Gestionnaire "))
    await expect(changements).to_have_count(2)
    await expect(changements.nth(0)).to_contain_text(f"Gestionnaire réactivé par {principal}")
    await expect(changements.nth(1)).to_contain_text(f"Gestionnaire suspendu par {principal}")
    await expect(page.get_by_role("link", name="Journal de ce compte")).to_be_visible()
    await audit(page, "fiche, historique")
    await aussi_a_320_px(page, "fiche, historique")

    # The organisation's journal, newest first, filtered by person and kind of event.
    await page.goto("/habilitations")
    await page.get_by_role("link", name="Journal de l'organisme").click()
    await expect(page.get_by_role("heading", name="Journal de l'organisme")).to_be_visible()
    await audit(page, "journal")
    await champ(page, "Identifiant de la personne").fill(hugo)
    await champ(page, "Type d'événement").select_option(label="Gestionnaire suspendu")
    await page.get_by_role("button", name="Filtrer").click()
    lignes = page.get_by_role("table").get_by_role("row")
    await expect(lignes).to_have_count(2)  # header + the suspension
    await expect(lignes.nth(1)).to_contain_text("Gestionnaire suspendu")
    await champ(page, "Type d'événement").select_option(label="Tous")
    await page.get_by_role("button", name="Filtrer").click()
    await expect(lignes.nth(1)).to_contain_text(re.compile("Conditions générales|Connexion|Mot de passe"))
    await champ(page, "Identifiant de la personne").fill("ZZZZZZZZ")
    await page.get_by_role("button", name="Filtrer").click()
    await expect(page.get_by_text("Aucun événement ne correspond.")).to_be_visible()
    await audit(page, "journal sans résultat")
