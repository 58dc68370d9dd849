"""Journey of « Importer des gestionnaires », in Chromium: a file with good and bad lines,
its report, « Créer les comptes », the identifiants; then a long file created in the background
while htmx polls its progress. Each state also at 320 px, with long names, units and refusal
reasons, without page-level horizontal scroll (WCAG 1.4.10)."""

from __future__ import annotations

from pathlib import Path

from playwright.async_api import Page, expect

from tests.e2e.conftest import audit, aussi_a_320_px, premiere_connexion
from tests.e2e.test_premiere_connexion import inscrire
from tests.unit.test_importation import EN_TETE, fichier

BONNES = [
    "Mme;Lucie;Delahaie;lucie.import@example.fr;01 23 45 67 89;;Chargée de formation;Service RH;creation;non",
    "M.;Paul;Martin;paul.import@example.fr;;06 12 34 56 78;;;consultation;oui",
    # Long names and unit, as real ones are: the tables wrap them or scroll inside their frame.
    "Mme;Anne-Marie-Clémentine;De La Fontaine-Dupont-Moreau;anne-marie-clementine.de-la-fontaine-dupont-moreau@example.fr;"
    "01 23 45 67 89;;Cheffe du bureau de la gestion prévisionnelle des emplois et des compétences;"
    "Direction régionale de l'économie, de l'emploi, du travail et des solidarités;consultation;non",
]
MAUVAISES = [
    "Mme;;Sansprenom;sans.prenom@example.fr;0123456789;;;;;",
    "M.;Jean;Double;lucie.import@example.fr;0123456789;;;;;",
    # Every field wrong at once: the longest refusal reason.
    "Mme;Marie-Bernadette-Françoise;Delacroix-Saint-Exupéry-Montmorency;marie-bernadette.delacroix-saint-exupery;12;34;;;"
    "superviseuse;peut-être",
]


async def deposer(page: Page, nom: str, contenu: bytes) -> None:
    await page.get_by_label("Fichier CSV").set_input_files(files=[{"name": nom, "mimeType": "text/csv", "buffer": contenu}])
    await page.get_by_role("button", name="Vérifier le fichier").click()


async def test_importer_un_fichier_puis_confirmer(page: Page, boite):
    deja = len(boite.messages)
    principal = inscrire(boite, "iris.import@example.fr", "Iris", "Import")
    await premiere_connexion(page, principal, await boite.mot_de_passe("iris.import@example.fr", deja))
    await page.get_by_role("navigation", name="Mon menu").get_by_role("link", name="Gérer les habilitations").click()
    await page.get_by_role("link", name="Importer des gestionnaires").click()
    await expect(page.get_by_role("heading", name="Importer des gestionnaires")).to_be_visible()
    await audit(page, "importer des gestionnaires")
    await aussi_a_320_px(page, "importer des gestionnaires")

    # A file that is not UTF-8: refused as a whole, with the reason.
    await deposer(page, "latin1.csv", (EN_TETE + "\r\nMme;Hélène;Noël;h@example.fr;0123456789;;;;;\r\n").encode("latin-1"))
    await expect(page.get_by_role("alert")).to_contain_text("Le fichier n'est pas encodé en UTF-8.")
    await expect(page.get_by_label("Fichier CSV")).to_have_attribute("aria-invalid", "true")
    await audit(page, "fichier refusé")
    await aussi_a_320_px(page, "fichier refusé")

    # Good and bad lines: the report, nothing created yet.
    await deposer(page, "equipe.csv", fichier(*BONNES, *MAUVAISES))
    await expect(page.get_by_role("heading", name="Vérification du fichier")).to_be_visible()
    await expect(page.get_by_role("status")).to_contain_text("3 lignes acceptées, 3 refusées, 0 déjà présente.")
    await expect(page.get_by_role("table", name="Lignes acceptées").get_by_role("row")).to_have_count(4)
    table = page.get_by_role("table", name="Lignes refusées ou déjà présentes (elles ne seront pas créées)")
    await expect(table.get_by_role("row", name="5 Mme SANSPRENOM")).to_contain_text("Saisissez le champ « Prénom ».")
    await expect(table.get_by_role("row", name="6 M. Jean DOUBLE")).to_contain_text("Ce courriel figure déjà ligne 2 du fichier.")
    longue = table.get_by_role("row", name="7 Mme Marie-Bernadette-Françoise DELACROIX-SAINT-EXUPÉRY-MONTMORENCY")
    await expect(longue).to_contain_text("n'est pas une adresse de courriel valide")
    await expect(longue).to_contain_text("n'est pas un numéro de téléphone français valide")
    await audit(page, "rapport de vérification")
    await aussi_a_320_px(page, "rapport de vérification")

    await page.get_by_role("button", name="Créer les 3 comptes").click()
    await expect(page.get_by_text("Import terminé : 3 comptes créés, 3 lignes non créées.")).to_be_visible()
    identifiants = page.get_by_role("table", name="Identifiants des gestionnaires créés")
    await expect(identifiants.get_by_role("row")).to_have_count(4)
    await expect(identifiants).to_contain_text("DE LA FONTAINE-DUPONT-MOREAU")
    await audit(page, "import terminé")
    await aussi_a_320_px(page, "import terminé")
    async with page.expect_download() as attente:
        await page.get_by_role("link", name="Télécharger les identifiants (CSV)").click()
    telechargement = await attente.value
    contenu = Path(await telechargement.path()).read_bytes().decode("utf-8-sig")  # noqa: ASYNC240 - a small local file
    assert contenu.startswith("ligne;civilite;prenom;nom;courriel;identifiant\r\n2;Mme;Lucie;DELAHAIE;lucie.import@example.fr;")
    # One temporary-password mail per account created.
    await boite.mot_de_passe("lucie.import@example.fr", deja)
    await boite.mot_de_passe("paul.import@example.fr", deja)

    # A long file: created in the background; htmx polls the progress until the result.
    await page.goto("/habilitations/importer")
    lignes = [f"Mme;Agente;Numero{i};agente{i}.import@example.fr;0123456789;;;;;" for i in range(25)]
    await deposer(page, "long.csv", fichier(*BONNES, *lignes))
    await expect(page.get_by_role("status")).to_contain_text("25 lignes acceptées, 0 refusée, 3 déjà présentes.")
    await page.get_by_role("button", name="Créer les 25 comptes").click()
    region = page.locator("#progression")
    await expect(region).to_be_visible()
    await audit(page, "import en cours ou terminé")
    await aussi_a_320_px(page, "import en cours ou terminé")
    await expect(region.get_by_text("Import terminé : 25 comptes créés, 3 déjà présents.")).to_be_visible(timeout=30_000)
    await expect(region.get_by_role("link", name="Actualiser")).to_have_count(0)
    await audit(page, "import terminé, région mise à jour par htmx")
    await aussi_a_320_px(page, "import terminé, région mise à jour par htmx")
