"""Concurrent attacks against a real `portail serve` (the test client runs requests one after the
other): counters are reserved before argon2, so concurrent requests never get more password checks
than the threshold, per identifiant or per address. Each checked password leaves one journal line."""

from __future__ import annotations

import asyncio
import re

import httpx
import pyotp
import pytest

from tests.processus import Portail
from tests.unit.conftest import creer_organisme
from web import cgu
from web.comptes.hachage import hacher
from web.connexion import verrou
from web.facteurs import totp
from web.tables import FacteurTotp, Journal, Session, Utilisateur
from web.temps import maintenant

FAUX = "Mauvais123abc"
BON = "Kq7vTz9mWr4pX"


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


# --- The second step (issue 16): its own counter, reserved before any check ------------------------


async def demi_session(url: str, settings) -> tuple[httpx.AsyncClient, str, str]:
    """A principal with a one-time-code application, past the password step in one browser:
    (that browser, its form token, the application's secret)."""
    admin = await creer_organisme(settings)
    secret = totp.nouveau_secret()
    await Utilisateur.update(
        {Utilisateur.mot_de_passe: await hacher(BON), Utilisateur.mot_de_passe_temporaire: False, Utilisateur.cgu_version: cgu.VERSION}
    ).where(Utilisateur.id == admin.id)
    await FacteurTotp.insert(
        FacteurTotp(utilisateur=admin.id, secret=totp.sceller(settings.secret_key, secret), confirme=True, cree_le=maintenant())
    )
    c = httpx.AsyncClient(base_url=url, limits=httpx.Limits(max_connections=100), timeout=120)
    page = await c.get("/connexion")
    token = re.search(r'name="_csrf_token" value="([^"]+)"', page.text).group(1)
    r = await c.post("/connexion", data={"_csrf_token": token, "identifiant": admin.identifiant, "mot_de_passe": BON})
    assert r.headers["location"] == "/connexion/second-facteur"
    return c, token, secret


async def test_trente_codes_simultanes_au_second_pas(serveur, base_vide, settings):
    c, token, _ = await demi_session(serveur, settings)
    envois = [c.post("/connexion/second-facteur", data={"_csrf_token": token, "action": "totp", "code": "000000"}) for _ in range(30)]
    reponses = await asyncio.gather(*envois)
    await c.aclose()
    assert {r.status_code for r in reponses} == {422}
    assert await Journal.count().where(Journal.type == "second_facteur_echec") == verrou.SEUIL
    assert await Journal.count().where(Journal.type == "second_facteur_verrou") == 1
    assert await Journal.count().where(Journal.type == "second_facteur_refuse") == 30 - verrou.SEUIL


async def test_un_meme_code_envoye_vingt_fois_a_la_fois_ne_sert_qu_une_fois(serveur, base_vide, settings):
    c, token, secret = await demi_session(serveur, settings)
    code = pyotp.TOTP(secret).now()
    envois = [c.post("/connexion/second-facteur", data={"_csrf_token": token, "action": "totp", "code": code}) for _ in range(20)]
    reponses = await asyncio.gather(*envois)
    await c.aclose()
    # One request passes and gets the full session; the others are refused (422), or, arriving
    # once the half session has been upgraded under a new token, sent back to sign in.
    entrees = [r for r in reponses if r.status_code == 303 and not r.headers["location"].startswith("/connexion")]
    assert len(entrees) == 1
    assert all(r.status_code == 422 or r.headers.get("location") == "/connexion" for r in reponses if r not in entrees)
    assert await Journal.count().where(Journal.type == "second_facteur") == 1
    assert await Session.count().where(Session.etape == "") == 1
