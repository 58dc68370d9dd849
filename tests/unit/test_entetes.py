"""Every response carries the security headers, errors and redirects included (issue 11, finding 6);
/schema exists in development only (7); Server-Timing only when a setting asks for it (8)."""

from __future__ import annotations

import dataclasses

import pytest
from litestar.testing import AsyncTestClient

from web.app import create_app

COMMUNS = {
    "content-security-policy": "frame-ancestors 'none'",
    "x-frame-options": "DENY",
    "x-content-type-options": "nosniff",
    "referrer-policy": "same-origin",
}


def verifier(r, *, cache: bool = False, hsts: bool = False) -> None:
    for nom, attendu in COMMUNS.items():
        assert attendu in r.headers.get(nom, ""), (r.request.url, r.status_code, nom)
    assert (r.headers.get("cache-control") == "no-store") != cache, (r.request.url, r.status_code)
    assert ("strict-transport-security" in r.headers) == hsts, (r.request.url, r.status_code)


async def reponses(client) -> list:
    """One response of each kind: page, sign-in redirect, 404, 405, CSRF refusal, 400, static."""
    return [
        await client.get("/connexion"),
        await client.get("/habilitations", follow_redirects=False),  # 303 to the sign-in page
        await client.get("/nexiste-pas"),
        await client.put("/connexion"),  # 405
        await client.post("/connexion", data={"identifiant": "X"}),  # 403, no CSRF token
        await client.get("/aide?x=%00"),  # 400
    ]


async def test_chaque_reponse_porte_les_entetes_de_securite(client):
    rs = await reponses(client)
    assert [r.status_code for r in rs] == [200, 303, 404, 405, 403, 400]
    for r in rs:
        verifier(r)
    verifier(await client.get("/static/css/portail.css"), cache=True)


async def test_meme_une_erreur_interne(client, monkeypatch):
    from web.connexion import routes

    def panne(*args, **kwargs):
        raise RuntimeError("panne simulée")

    monkeypatch.setattr(routes, "rendre", panne)
    r = await client.get("/aide")
    assert r.status_code == 500 and "Erreur technique" in r.text
    verifier(r)


async def test_hsts_en_production_seulement(base_vide, settings):
    production = dataclasses.replace(settings, env="production")
    async with AsyncTestClient(app=create_app(production, services=False)) as c:
        for r in await reponses(c):
            verifier(r, hsts=True)
        verifier(await c.get("/static/css/portail.css"), cache=True, hsts=True)


@pytest.mark.parametrize("chemin", ["/schema", "/schema/openapi.json", "/schema/swagger", "/schema/redoc", "/schema/rapidoc"])
async def test_schema_en_developpement_seulement(base_vide, settings, chemin):
    async with AsyncTestClient(app=create_app(settings, services=False)) as c:
        assert (await c.get(chemin)).status_code == 200
    production = dataclasses.replace(settings, env="production")
    async with AsyncTestClient(app=create_app(production, services=False)) as c:
        r = await c.get(chemin)
        assert r.status_code == 404 and "Page introuvable" in r.text


async def test_server_timing_seulement_sur_demande(client, settings):
    assert "server-timing" not in (await client.get("/connexion")).headers
    mesure = dataclasses.replace(settings, server_timing=True)
    async with AsyncTestClient(app=create_app(mesure, services=False)) as c:
        assert (await c.get("/connexion")).headers["server-timing"].startswith("app;dur=")


# --- Static files (issue 14): compressed, cached for a year under a versioned URL, no cookie ------


def adresses_statiques(html: str) -> list[str]:
    import re

    return re.findall(r'(?:href|src)="(/static/[^"]+)"', html)


async def test_les_fichiers_statiques_sont_compresses_gardes_un_an_et_sans_cookie(client):
    page = await client.get("/connexion", headers={"accept-encoding": "gzip"})
    adresses = adresses_statiques(page.text)
    assert {a.split("?")[0] for a in adresses} >= {"/static/css/jetons.css", "/static/css/portail.css", "/static/js/portail.js"}
    client.cookies.clear()
    for adresse in adresses:
        assert "?v=" in adresse, adresse  # versioned: a new file gets a new address
        r = await client.get(adresse, headers={"accept-encoding": "gzip"})
        assert r.status_code == 200, adresse
        assert r.headers.get("content-encoding") == "gzip", adresse
        assert "max-age=31536000" in r.headers["cache-control"] and "immutable" in r.headers["cache-control"], adresse
        assert "set-cookie" not in r.headers, adresse
    # Without its version, the file is checked again at each use.
    assert (await client.get("/static/css/portail.css")).headers["cache-control"] == "no-cache"


async def test_les_pages_ne_sont_jamais_compressees(client):
    """BREACH: a page holds the CSRF token next to what a person typed."""
    for url in ("/connexion", "/aide", "/plan-du-site"):
        r = await client.get(url, headers={"accept-encoding": "gzip, br"})
        assert "content-encoding" not in r.headers, url
