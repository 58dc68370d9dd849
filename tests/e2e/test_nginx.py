"""The production example of deploy/nginx/ in front of the portal: TLS, plain HTTP redirected, and
the client's address taken from X-Forwarded-For only when nginx (the trusted proxy) sends it."""

from __future__ import annotations

import re
import ssl

import httpx
import pytest

from tests.processus import Nginx, Portail
from web import cgu
from web.comptes.hachage import hacher
from web.connexion import verrou
from web.tables import Journal, Utilisateur

MOT_DE_PASSE = "Kq7vTz9mWr4pX"


@pytest.fixture(scope="module")
def derriere_nginx(base_migree):
    # As deploy/nginx/portail.conf says: only nginx, on loopback, is trusted.
    portail = Portail("--proxy-headers", "--forwarded-allow-ips", "127.0.0.1", nom="derriere-nginx")
    nginx = Nginx([f"127.0.0.1:{portail.port}"])
    nginx.portail = portail
    yield nginx
    nginx.arreter()
    portail.arreter()


def test_le_portail_repond_en_https_et_http_redirige(derriere_nginx):
    with httpx.Client(verify=ssl.create_default_context(cafile=derriere_nginx.certificat)) as client:
        r = client.get(f"{derriere_nginx.url}/connexion")
        assert r.status_code == 200
        assert "Je m'identifie" in r.text
        r = client.get(f"http://127.0.0.1:{derriere_nginx.port_http}/connexion", headers={"Host": "portail.example.fr"})
        assert r.status_code == 301
        assert r.headers["location"] == "https://portail.example.fr/connexion"


def client(base_url: str, depuis: str, certificat=None) -> httpx.AsyncClient:
    """A client connecting from another loopback address, as a machine of its own would."""
    verify = ssl.create_default_context(cafile=certificat) if certificat else True
    return httpx.AsyncClient(base_url=base_url, transport=httpx.AsyncHTTPTransport(local_address=depuis, verify=verify), timeout=60)


async def se_connecter(c: httpx.AsyncClient, identifiant: str, mot_de_passe: str, **entetes) -> httpx.Response:
    page = await c.get("/connexion")
    token = re.search(r'name="_csrf_token" value="([^"]+)"', page.text).group(1)
    donnees = {"_csrf_token": token, "identifiant": identifiant, "mot_de_passe": mot_de_passe}
    return await c.post("/connexion", data=donnees, headers=entetes)


async def test_un_faux_x_forwarded_for_ne_trompe_pas_les_limites(derriere_nginx, settings):
    from tests.unit.conftest import creer_organisme

    compte = await creer_organisme(settings, prenom="Paul", nom="Proxy")
    u = Utilisateur
    pret = {u.mot_de_passe: await hacher(MOT_DE_PASSE), u.mot_de_passe_temporaire: False, u.cgu_version: cgu.VERSION}
    await u.update(pret).where(u.id == compte.id)
    nginx, portail = derriere_nginx, derriere_nginx.portail

    # The real user, through nginx from 127.0.0.3, has signed in before: a device cookie.
    async with client(nginx.url, "127.0.0.3", nginx.certificat) as utilisateur:
        assert (await se_connecter(utilisateur, compte.identifiant, MOT_DE_PASSE)).status_code == 303
        appareil = utilisateur.cookies.get("portail_appareil")
    assert await Journal.exists().where((Journal.type == "connexion") & (Journal.cible == compte.id) & (Journal.adresse == "127.0.0.3"))

    # An attacker goes straight to the portal from 127.0.0.2, forging a new X-Forwarded-For each
    # time: the portal does not trust it, every failure counts against 127.0.0.2.
    async with client(portail.url, "127.0.0.2") as attaquant:
        for i in range(verrou.MAX_PAR_ADRESSE + 1):
            cible = compte.identifiant if i < verrou.SEUIL else f"INCONNU{i:02d}"
            r = await se_connecter(attaquant, cible, "Mauvais123abc", **{"X-Forwarded-For": f"192.0.2.{i + 1}"})
            assert r.status_code == 422
        assert "Trop de tentatives depuis votre poste" in r.text
    adresses = {j["adresse"] for j in await Journal.select(Journal.adresse).where(Journal.type == "connexion_echec")}
    assert "127.0.0.2" in adresses and not any(a.startswith("192.0.2.") for a in adresses)

    # Through nginx, a client's own X-Forwarded-For is replaced by its real address: naming the
    # attacker's address neither blocks it nor hides it.
    async with client(nginx.url, "127.0.0.4", nginx.certificat) as voisin:
        r = await se_connecter(voisin, "VOISIN01", "Mauvais123abc", **{"X-Forwarded-For": "127.0.0.2"})
        assert r.status_code == 422 and "Identifiant ou mot de passe incorrect." in r.text
    assert await Journal.exists().where((Journal.identifiant_saisi == "VOISIN01") & (Journal.adresse == "127.0.0.4"))

    # The stranger locked the identifiant for unknown devices; the real user's browser still signs in.
    async with client(nginx.url, "127.0.0.3", nginx.certificat) as utilisateur:
        assert "Trop de tentatives" in (await se_connecter(utilisateur, compte.identifiant, MOT_DE_PASSE)).text
        utilisateur.cookies.set("portail_appareil", appareil)
        r = await se_connecter(utilisateur, compte.identifiant, MOT_DE_PASSE)
        assert r.status_code == 303 and r.headers["location"] == "/"
