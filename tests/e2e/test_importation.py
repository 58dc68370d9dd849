"""Journey of « Importer des gestionnaires », in Chromium: a file with good and bad lines,
its report, « Créer les comptes », the identifiants; then a long file created in the background
while htmx polls its progress."""

from __future__ import annotations

from pathlib import Path

from playwright.async_api import Page, expect

from tests.e2e.conftest import audit, premiere_connexion
from tests.e2e.test_premiere_connexion import inscrire
from tests.unit.test_importation import EN_TETE, fichier

BONNES = [
    "Mme;Lucie;Delahaie;lucie.import@example.fr;01 23 45 67 89;;Chargée de formation;Service RH;creation;non",
    "M.;Paul;Martin;paul.import@example.fr;;06 12 34 56 78;;;consultation;oui",
]
MAUVAISES = [
    "Mme;;Sansprenom;sans.prenom@example.fr;0123456789;;;;;",
    "M.;Jean;Double;lucie.import@example.fr;0123456789;;;;;",
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

    # A file that is not UTF-8: refused as a whole, with the reason.
    await deposer(page, "latin1.csv", (EN_TETE + "\r\nMme;Hélène;Noël;h@example.fr;0123456789;;;;;\r\n").encode("latin-1"))
    await expect(page.get_by_role("alert")).to_contain_text("Le fichier n'est pas encodé en UTF-8.")
    await expect(page.get_by_label("Fichier CSV")).to_have_attribute("aria-invalid", "true")
    await audit(page, "fichier refusé")

    # Good and bad lines: the report, nothing created yet.
    await deposer(page, "equipe.csv", fichier(*BONNES, *MAUVAISES))
    await expect(page.get_by_role("heading", name="Vérification du fichier")).to_be_visible()
    await expect(page.get_by_role("status")).to_contain_text("2 lignes acceptées, 2 refusées, 0 déjà présente.")
    await expect(page.get_by_role("table", name="Lignes acceptées").get_by_role("row")).to_have_count(3)
    table = page.get_by_role("table", name="Lignes refusées ou déjà présentes (elles ne seront pas créées)")
    await expect(table.get_by_role("row", name="4 Mme SANSPRENOM")).to_contain_text("Saisissez le champ « Prénom ».")
    await expect(table.get_by_role("row", name="5 M. Jean DOUBLE")).to_contain_text("Ce courriel figure déjà ligne 2 du fichier.")
    await audit(page, "rapport de vérification")

    await page.get_by_role("button", name="Créer les 2 comptes").click()
    await expect(page.get_by_text("Import terminé : 2 comptes créés, 2 lignes non créées.")).to_be_visible()
    identifiants = page.get_by_role("table", name="Identifiants des gestionnaires créés")
    await expect(identifiants.get_by_role("row")).to_have_count(3)
    await audit(page, "import terminé")
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
    await expect(page.get_by_role("status")).to_contain_text("25 lignes acceptées, 0 refusée, 2 déjà présentes.")
    await page.get_by_role("button", name="Créer les 25 comptes").click()
    region = page.locator("#progression")
    await expect(region).to_be_visible()
    await audit(page, "import en cours ou terminé")
    await expect(region.get_by_text("Import terminé : 25 comptes créés, 2 déjà présents.")).to_be_visible(timeout=30_000)
    await expect(region.get_by_role("link", name="Actualiser")).to_have_count(0)
    await audit(page, "import terminé, région mise à jour par htmx")
