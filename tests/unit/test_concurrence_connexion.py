"""Concurrent attacks against a real `portail serve` (the test client runs requests one after the
other): counters are reserved before argon2, so concurrent requests never get more password checks
than the threshold, per identifiant or per address. Each checked password leaves one journal line."""

from __future__ import annotations

import asyncio
import re

import httpx
import pytest

from tests.processus import Portail
from tests.unit.conftest import creer_organisme
from web.connexion import verrou
from web.tables import Journal

FAUX = "Mauvais123abc"


@pytest.fixture(scope="module")
def serveur(base_migree):
    p = Portail(nom="concurrence")
    yield p.url
    p.arreter()


async def rafale(url: str, identifiants: list[str]) -> list[httpx.Response]:
    """One sign-in form per identifiant, all sent at once from one browser's cookies."""
    async with httpx.AsyncClient(base_url=url, limits=httpx.Limits(max_connections=200), timeout=120) as c:
        page = await c.get("/connexion")
        token = re.search(r'name="_csrf_token" value="([^"]+)"', page.text).group(1)
        envois = [c.post("/connexion", data={"_csrf_token": token, "identifiant": i, "mot_de_passe": FAUX}) for i in identifiants]
        return await asyncio.gather(*envois)


async def test_soixante_essais_simultanes_sur_un_identifiant(serveur, base_vide, settings):
    admin = await creer_organisme(settings)
    reponses = await rafale(serveur, [admin.identifiant] * 60)
    assert {r.status_code for r in reponses} == {422}
    verifies = await Journal.count().where((Journal.type == "connexion_echec") & (Journal.identifiant_saisi == admin.identifiant))
    assert verifies == verrou.SEUIL
    assert await Journal.count().where(Journal.type == "connexion_verrou") == 1


async def test_cent_cinquante_echecs_simultanes_depuis_une_adresse(serveur, base_vide):
    reponses = await rafale(serveur, [f"INCONNU{i:03d}" for i in range(150)])
    assert {r.status_code for r in reponses} == {422}
    assert await Journal.count().where(Journal.type == "connexion_echec") == verrou.MAX_PAR_ADRESSE
    assert sum("Trop de tentatives depuis votre poste" in r.text for r in reponses) == 150 - verrou.MAX_PAR_ADRESSE
