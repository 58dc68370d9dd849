"""htmx requests that fail say so: a database outage (503), an expired form (403) and a server
out of reach each give a French message where the person is looking, announced as an alert,
without losing what was typed. Real faults, on a portal of the test's own (its own SQLite file,
so that taking the database away touches no other test)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from playwright.async_api import Page, expect

from tests.conftest import extraire_mot_de_passe, siret_valide
from tests.e2e.conftest import audit, champ, premiere_connexion
from tests.processus import Portail, commande_portail


@pytest.fixture
def portail_seul(tmp_path):
    base = tmp_path / "seule.sqlite"
    env = {"PORTAIL_DATABASE_URL": f"sqlite:///{base}", "PORTAIL_COURRIELS_DIR": str(tmp_path / "courriels")}
    assert commande_portail("migrate", env=env).returncode == 0
    r = commande_portail(
        "organisme", "inscrire", "--siret", siret_valide(), "--raison-sociale", "MAIRIE", "--type", "employeur_public",
        "--civilite", "Mme", "--prenom", "Anne", "--nom", "Martin", "--courriel", "anne@example.fr", "--telephone", "0123456789",
        env=env,
    )  # fmt: skip
    assert r.returncode == 0, r.stderr
    p = Portail(env=env, nom="echecs-htmx")
    p.base = base
    p.identifiant = r.stdout.strip().splitlines()[-1]
    p.temporaire = extraire_mot_de_passe(next(Path(env["PORTAIL_COURRIELS_DIR"]).glob("*.eml")).read_text())
    yield p
    p.arreter()


async def test_les_echecs_des_requetes_htmx_se_voient_et_s_entendent(browser, portail_seul):
    contexte = await browser.new_context(base_url=portail_seul.url, locale="fr-FR")
    try:
        await parcours(await contexte.new_page(), portail_seul)
    finally:
        await contexte.close()


async def parcours(page: Page, portail_seul) -> None:
    await premiere_connexion(page, portail_seul.identifiant, portail_seul.temporaire)
    await page.goto("/habilitations")
    resultats = page.locator("#resultats")
    nom = page.get_by_label("Nom", exact=True)

    # The database goes away: the live search says so in its results, as an alert.
    base = portail_seul.base
    base.rename(base.with_suffix(".ailleurs"))
    async with page.expect_response(re.compile(r"/habilitations\?")) as r:
        await nom.fill("MAR")
    assert (await r.value).status == 503
    alerte = resultats.get_by_role("alert")
    await expect(alerte).to_have_text(re.compile(r"^Service momentanément indisponible Le portail ne parvient pas à joindre sa base"))
    await audit(page, "recherche, base injoignable")

    # It comes back: the next search shows results, and the message is gone.
    base.with_suffix(".ailleurs").rename(base)
    await nom.fill("MART")
    await expect(resultats.get_by_role("link", name="MARTIN")).to_be_visible()
    await expect(resultats.get_by_role("alert")).to_have_count(0)

    # An expired form in the "Ajouter" dialog: the message in the dialog, what was typed kept.
    await page.get_by_role("link", name="Ajouter un gestionnaire").click()
    dialogue = page.get_by_role("dialog", name="Ajouter un gestionnaire")
    await champ(dialogue, "Prénom").fill("Lucie")
    await page.context.clear_cookies(name="portail_csrf")
    await dialogue.get_by_role("button", name="Enregistrer").click()
    await expect(dialogue.get_by_role("alert").filter(has_text="Formulaire expiré")).to_have_text(
        re.compile(r"Formulaire expiré Ce formulaire n'est plus valable")
    )
    await expect(champ(dialogue, "Prénom")).to_have_value("Lucie")
    await audit(page, "dialogue, formulaire expiré")
    await page.keyboard.press("Escape")

    # The server out of reach: the search says the portal does not answer.
    portail_seul.arreter()
    await nom.fill("MARTI")
    await expect(resultats.get_by_role("alert")).to_have_text("Le portail ne répond pas. Vérifiez votre connexion, puis réessayez.")
    await audit(page, "recherche, portail injoignable")
