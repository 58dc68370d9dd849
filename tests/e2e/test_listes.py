"""« Gérer les habilitations » at scale, in Chromium: filter and sort (kept in the URL, with and
without JavaScript), then « Exporter la liste »; each state also at 320 px without page-level
horizontal scroll (WCAG 1.4.10), with long names and units."""

from __future__ import annotations

import re
from pathlib import Path

from playwright.async_api import Page, expect

from tests.e2e.conftest import ETROIT, audit, aussi_a_320_px, champ, premiere_connexion, sans_defilement_horizontal
from tests.e2e.test_habilitations import _settings
from tests.e2e.test_premiere_connexion import inscrire
from web.comptes.service import ouvrir_compte
from web.db import ecriture
from web.tables import Unite, Utilisateur

# A long unit name, as real ones are.
UNITE_LONGUE = "Direction régionale de l'économie, de l'emploi, du travail et des solidarités"


async def test_filtrer_puis_exporter(page: Page, new_context, boite):
    deja = len(boite.messages)
    principal = inscrire(boite, "odile.liste@example.fr", "Odile", "Liste")
    await premiere_connexion(page, principal, await boite.mot_de_passe("odile.liste@example.fr", deja))
    organisme = (await Utilisateur.objects().where(Utilisateur.identifiant == principal).first()).organisme
    settings = await _settings()
    unite = (await Unite.insert(Unite(organisme=organisme, nom=UNITE_LONGUE)).returning(Unite.id))[0]["id"]
    comptes = {}
    for prenom, nom, statut, fonction in (
        ("Paul", "ABEL", "actif", "Chef de service"),
        ("Rose-Marie-Clémentine", "BRUN DE LA FONTAINE-DUPONT-MOREAU", "suspendu", "=1+1"),
        ("Yves", "CLEMENT", "suspendu", "Assistant"),
        ("Nina", "DORE", "actif", ""),
    ):
        async with ecriture():
            u = Utilisateur(organisme=organisme, role="gestionnaire", civilite="Mme", prenom=prenom, nom=nom, statut=statut,
                            courriel=f"{prenom.lower()}.liste@example.fr", telephone_fixe="01 23 45 67 89", fonction=fonction,
                            unite=unite)  # fmt: skip
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
    await expect(resultats.locator("tbody tr td:nth-child(3)")).to_have_text(["CLEMENT", "BRUN DE LA FONTAINE-DUPONT-MOREAU"])
    await expect(page).to_have_url(re.compile(r"ordre=desc"))
    await audit(page, "filtrée, ordre décroissant")

    # The URL is the list: reloaded (a bookmark), it shows the same criteria and results.
    await page.reload()
    await expect(champ(page, "Statut")).to_have_value("suspendu")
    await expect(champ(page, "Ordre")).to_have_value("desc")
    await expect(page.get_by_role("status").filter(has_text="trouvé")).to_have_text("2 gestionnaires trouvés")
    # At 320 px: the filter form, the sort, the filtered list and « Exporter la liste » reflow;
    # only the table scrolls, inside its own frame.
    await expect(champ(page, "Trier par")).to_be_visible()
    await expect(resultats.get_by_role("link", name="Exporter la liste")).to_be_visible()
    await aussi_a_320_px(page, "filtrée et triée")

    # « Exporter la liste »: what the filters show, as CSV for a French spreadsheet.
    async with page.expect_download() as telechargement:
        await resultats.get_by_role("link", name="Exporter la liste").click()
    fichier = await (await telechargement.value).path()
    brut = Path(fichier).read_bytes()  # noqa: ASYNC240 - a small local file
    assert brut.startswith(b"\xef\xbb\xbf")
    lignes = brut.decode("utf-8-sig").split("\r\n")
    assert lignes[0].startswith("Civilité;Prénom;Nom;Identifiant;Courriel;")
    assert [ligne.split(";")[2] for ligne in lignes[1:-1]] == ["CLEMENT", "BRUN DE LA FONTAINE-DUPONT-MOREAU"]
    assert ";'=1+1;" in lignes[2]  # a formula is neutralised
    await page.get_by_role("link", name="Journal de l'organisme").click()
    await expect(page.get_by_role("cell", name="Liste des gestionnaires exportée")).to_be_visible()
    await expect(page.get_by_role("cell", name="2 gestionnaires ; Statut : Suspendu")).to_be_visible()
    await audit(page, "journal : export")

    # More suspended accounts than a page holds: the pagination, at 320 px too, and its next page
    # loaded in place by htmx.
    async with ecriture():
        for i in range(20):
            u = Utilisateur(organisme=organisme, role="gestionnaire", civilite="M.", prenom="Jean-Baptiste-Maximilien",
                            nom=f"FONTAINE-DUPONT-MOREAU-{i:02d}", statut="suspendu", courriel=f"jb{i}.liste@example.fr",
                            telephone_fixe="01 23 45 67 89", unite=unite)  # fmt: skip
            await ouvrir_compte(settings, u)
    await page.set_viewport_size(ETROIT)
    await page.goto("/habilitations?statut=suspendu&tri=unite")
    await expect(page.get_by_role("status").filter(has_text="trouvé")).to_have_text("22 gestionnaires trouvés")
    pagination = page.get_by_role("navigation", name="Pagination des résultats")
    await expect(pagination).to_contain_text("Page 1 sur 2")
    await sans_defilement_horizontal(page, "320 px, filtrée, page 1")
    await audit(page, "320 px, filtrée, page 1")
    await pagination.get_by_role("link", name="Page suivante").click()
    await expect(pagination).to_contain_text("Page 2 sur 2")
    await expect(page).to_have_url(re.compile(r"statut=suspendu.*page=2|page=2.*statut=suspendu"))
    await sans_defilement_horizontal(page, "320 px, filtrée, page 2")
    await audit(page, "320 px, filtrée, page 2")

    # Without JavaScript, the same form is a plain GET: the criteria land in the URL.
    contexte = await new_context(java_script_enabled=False, viewport=ETROIT)
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
    await sans_defilement_horizontal(sans_js, "sans JavaScript, 320 px, filtrée et triée")
    html = await sans_js.content()
    await contexte.close()
    # axe runs in a page with JavaScript, on the markup the page without it received.
    verif = await page.context.new_page()
    await verif.set_viewport_size(ETROIT)
    await verif.goto("/connexion")
    await verif.set_content(html)
    await audit(verif, "sans JavaScript, filtrée et triée")
