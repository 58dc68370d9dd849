"""« Gérer les habilitations » at scale, in Chromium: filter and sort (kept in the URL, with and
without JavaScript), then « Exporter la liste »."""

from __future__ import annotations

import re
from pathlib import Path

from playwright.async_api import Page, expect

from tests.e2e.conftest import audit, champ, premiere_connexion
from tests.e2e.test_habilitations import _settings
from tests.e2e.test_premiere_connexion import inscrire
from web.comptes.service import ouvrir_compte
from web.db import ecriture
from web.tables import Utilisateur


async def test_filtrer_puis_exporter(page: Page, new_context, boite):
    deja = len(boite.messages)
    principal = inscrire(boite, "odile.liste@example.fr", "Odile", "Liste")
    await premiere_connexion(page, principal, await boite.mot_de_passe("odile.liste@example.fr", deja))
    organisme = (await Utilisateur.objects().where(Utilisateur.identifiant == principal).first()).organisme
    settings = await _settings()
    comptes = {}
    for prenom, nom, statut, fonction in (
        ("Paul", "ABEL", "actif", "Chef de service"),
        ("Rose", "BRUN", "suspendu", "=1+1"),
        ("Yves", "CLEMENT", "suspendu", "Assistant"),
        ("Nina", "DORE", "actif", ""),
    ):
        async with ecriture():
            u = Utilisateur(organisme=organisme, role="gestionnaire", civilite="Mme", prenom=prenom, nom=nom, statut=statut,
                            courriel=f"{prenom.lower()}.liste@example.fr", telephone_fixe="01 23 45 67 89", fonction=fonction)  # fmt: skip
            await ouvrir_compte(settings, u)
        comptes[nom] = u.identifiant

    await page.get_by_role("navigation", name="Mon menu").get_by_role("link", name="Gérer les habilitations").click()
    resultats = page.locator("#resultats")
    await expect(page.get_by_role("status").filter(has_text="trouvé")).to_have_text("5 gestionnaires trouvés")
    await audit(page, "liste complète")

    # Filter by status as one chooses it: the results and the URL follow.
    await champ(page, "Statut").select_option(label="Suspendu")
    await expect(page.get_by_role("status").filter(has_text="trouvé")).to_have_text("2 gestionnaires trouvés")
    await expect(resultats.get_by_role("link", name="ABEL")).to_have_count(0)
    await expect(page).to_have_url(re.compile(r"statut=suspendu"))
    await audit(page, "filtrée : suspendus")
    await champ(page, "Ordre").select_option(label="Décroissant")
    await expect(resultats.locator("tbody tr td:nth-child(3)")).to_have_text(["CLEMENT", "BRUN"])
    await expect(page).to_have_url(re.compile(r"ordre=desc"))
    await audit(page, "filtrée, ordre décroissant")

    # The URL is the list: reloaded (a bookmark), it shows the same criteria and results.
    await page.reload()
    await expect(champ(page, "Statut")).to_have_value("suspendu")
    await expect(champ(page, "Ordre")).to_have_value("desc")
    await expect(page.get_by_role("status").filter(has_text="trouvé")).to_have_text("2 gestionnaires trouvés")

    # « Exporter la liste »: what the filters show, as CSV for a French spreadsheet.
    async with page.expect_download() as telechargement:
        await resultats.get_by_role("link", name="Exporter la liste").click()
    fichier = await (await telechargement.value).path()
    brut = Path(fichier).read_bytes()  # noqa: ASYNC240 - a small local file
    assert brut.startswith(b"\xef\xbb\xbf")
    lignes = brut.decode("utf-8-sig").split("\r\n")
    assert lignes[0].startswith("Civilité;Prénom;Nom;Identifiant;Courriel;")
    assert [ligne.split(";")[2] for ligne in lignes[1:-1]] == ["CLEMENT", "BRUN"]
    assert ";'=1+1;" in lignes[2]  # a formula is neutralised
    await page.get_by_role("link", name="Journal de l'organisme").click()
    await expect(page.get_by_role("cell", name="Liste des gestionnaires exportée")).to_be_visible()
    await expect(page.get_by_role("cell", name="2 gestionnaires ; Statut : Suspendu")).to_be_visible()
    await audit(page, "journal : export")

    # Without JavaScript, the same form is a plain GET: the criteria land in the URL.
    contexte = await new_context(java_script_enabled=False)
    sans_js = await contexte.new_page()
    for cookie in await page.context.cookies():
        await contexte.add_cookies([cookie])
    await sans_js.goto("/habilitations")
    await champ(sans_js, "Trier par").select_option(label="Identifiant")
    await champ(sans_js, "Statut").select_option(label="Actif")
    await sans_js.get_by_role("button", name="Rechercher").click()
    await expect(sans_js).to_have_url(re.compile(r"statut=actif.*tri=identifiant"))
    attendus = sorted([comptes["ABEL"], comptes["DORE"], principal])
    cellules = sans_js.locator("#resultats tbody tr td:nth-child(4)")
    await expect(cellules).to_have_text(attendus)
    html = await sans_js.content()
    await contexte.close()
    # axe runs in a page with JavaScript, on the markup the page without it received.
    verif = await page.context.new_page()
    await verif.goto("/connexion")
    await verif.set_content(html)
    await audit(verif, "sans JavaScript, filtrée et triée")
