"""A first run that reads well: in development, Aide lists the demo accounts and the NIR + nom
pairs to search (the same as `portail demo` prints); in production it shows none of them."""

from __future__ import annotations

import dataclasses

from litestar.testing import AsyncTestClient

from tests.unit.conftest import t
from tests.unit.test_cli import portail
from web.app import create_app
from web.tables import PRINCIPAL, Utilisateur


async def test_l_aide_liste_les_donnees_de_demonstration_en_developpement_seulement(base_vide, settings):
    code, out, err = await portail("demo")
    assert code == 0, err
    identifiants = [u.identifiant for u in await Utilisateur.objects().where(Utilisateur.role == PRINCIPAL)]
    async with AsyncTestClient(app=create_app(settings, services=False)) as c:
        aide = t(await c.get("/aide"))
    assert "Données de démonstration" in aide
    for identifiant in identifiants:
        assert identifiant in aide and identifiant in out
    for nir in ("2 85 01 75 123 456 56", "1 79 06 69 123 457 59", "2 91 03 13 123 458 11", "1 88 07 44 123 459 16"):
        assert nir in aide and nir in out
    assert "DURAND" in aide and "BONNET" in aide
    production = dataclasses.replace(settings, env="production")
    async with AsyncTestClient(app=create_app(production, services=False), base_url="https://testserver.local") as c:
        aide = t(await c.get("/aide"))
    assert "Aide" in aide and "Données de démonstration" not in aide
    assert not any(i in aide for i in identifiants) and "2 85 01 75 123 456 56" not in aide


async def test_sans_donnees_de_demonstration_l_aide_n_en_parle_pas(base_vide, settings):
    async with AsyncTestClient(app=create_app(settings, services=False)) as c:
        assert "Données de démonstration" not in t(await c.get("/aide"))
