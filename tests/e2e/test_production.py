"""Journey, as production runs: nginx with its certificate in front of two `portail serve`
(production mode), on the suite's engine (the PostgreSQL pass makes it the production case).
A principal administrator signs in for the first time through it in Chromium; the session opened
on one instance is used on both."""

from __future__ import annotations

import json

from playwright.async_api import expect

from tests.e2e.conftest import audit, premiere_connexion
from tests.e2e.test_premiere_connexion import inscrire


def routes_servies(portail) -> list[str]:
    return [x["route"] for x in map(json.loads, filter(lambda ligne: ligne.startswith("{"), portail.journal.read_text().splitlines()))
            if x.get("event") == "requête" and x.get("statut") == 200]  # fmt: skip


async def test_connexion_a_travers_nginx_et_deux_instances(browser, frontal, boite):
    courriel = "production@example.fr"
    deja = len(boite.messages)
    identifiant = inscrire(boite, courriel, prenom="Paule", nom="Production")
    temporaire = await boite.mot_de_passe(courriel, deja)

    contexte = await browser.new_context(base_url=frontal.url, locale="fr-FR", ignore_https_errors=True)
    try:
        page = await contexte.new_page()
        await page.goto("/connexion")
        await audit(page, "connexion, à travers nginx")
        await premiere_connexion(page, identifiant, temporaire)
        session = next(c for c in await contexte.cookies() if c["name"] == "portail_session")
        assert session["secure"] and session["httpOnly"]  # production: the cookie travels over TLS only

        for _ in range(6):  # nginx shares the requests between the two instances
            await page.goto("/habilitations")
            await expect(page.get_by_role("heading", name="Gérer les habilitations", level=1)).to_be_visible()
        await audit(page, "Gérer les habilitations, à travers nginx")
    finally:
        await contexte.close()
    for portail in frontal.portails:
        assert "/habilitations" in routes_servies(portail), f"{portail.url} n'a servi aucune page connectée"
