"""The production example of deploy/nginx/ in front of the portal: TLS, plain HTTP redirected,
static files served by nginx with their cache policy and compression (never the pages), the
request id passed on, the metrics kept in, slow clients dropped, and the client's address taken
from X-Forwarded-For only when nginx (the trusted proxy) sends it."""

from __future__ import annotations

import re
import socket
import ssl
import time

import httpx

from tests.processus import Nginx
from web import cgu
from web.comptes.hachage import hacher
from web.connexion import verrou
from web.tables import Journal, Utilisateur

MOT_DE_PASSE = "Kq7vTz9mWr4pX"


def client(frontal) -> httpx.Client:
    return httpx.Client(verify=ssl.create_default_context(cafile=frontal.certificat), timeout=30)


def test_le_portail_repond_en_https_et_http_redirige(frontal):
    with client(frontal) as c:
        r = c.get(f"{frontal.url}/connexion")
        assert r.status_code == 200
        assert "Je m'identifie" in r.text
        r = c.get(f"http://127.0.0.1:{frontal.nginx.port_http}/connexion", headers={"Host": "portail.example.fr"})
        assert r.status_code == 301
        assert r.headers["location"] == "https://portail.example.fr/connexion"


def test_nginx_sert_les_fichiers_statiques_et_ne_compresse_pas_les_pages(frontal):
    with client(frontal) as c:
        page = c.get(f"{frontal.url}/connexion", headers={"Accept-Encoding": "gzip"})
        assert "content-encoding" not in page.headers  # pages hold the CSRF token: no compression over TLS (BREACH)
        css = re.search(r'href="(/static/css/portail\.css\?v=[0-9a-f]+)"', page.text).group(1)
        r = c.get(frontal.url + css, headers={"Accept-Encoding": "gzip"})
        assert r.status_code == 200 and "x-request-id" not in r.headers  # nginx's answer, not the portal's
        assert r.headers["cache-control"] == "public, max-age=31536000, immutable"
        assert r.headers["content-encoding"] == "gzip" and ".entete" in r.text
        r = c.get(f"{frontal.url}/static/css/portail.css")
        assert r.headers["cache-control"] == "no-cache"  # an unversioned URL is checked again each time


def test_l_identifiant_de_requete_traverse_nginx_et_les_metriques_restent_dedans(frontal):
    with client(frontal) as c:
        r = c.get(f"{frontal.url}/aide", headers={"X-Request-ID": "essai-nginx-1"})
        assert r.headers["x-request-id"] == "essai-nginx-1"
        r = c.get(f"{frontal.url}/aide")
        assert re.fullmatch(r"[0-9a-f]{32}", r.headers["x-request-id"])  # nginx's own, passed to the portal
        assert c.get(f"{frontal.url}/metrics").status_code == 404
    assert any('"request_id": "essai-nginx-1"' in p.journal.read_text() for p in frontal.portails)
    assert httpx.get(f"{frontal.portails[0].url}/metrics").status_code == 200  # the monitoring reads each instance


def test_un_client_lent_est_coupe_par_nginx(frontal):
    nginx = Nginx([f"127.0.0.1:{frontal.portails[0].port}"], remplacements={r"client_header_timeout 10s;": "client_header_timeout 1s;"})
    try:
        contexte = ssl.create_default_context(cafile=nginx.certificat)
        with socket.create_connection(("127.0.0.1", nginx.port), timeout=10) as brut:
            with contexte.wrap_socket(brut, server_hostname="127.0.0.1") as s:
                s.sendall(b"GET /connexion HTTP/1.1\r\nHost: portail.example.fr\r\n")  # and never the end of the headers
                debut = time.monotonic()
                while s.recv(4096):
                    pass
                assert time.monotonic() - debut < 5
    finally:
        nginx.arreter()


def client_depuis(base_url: str, depuis: str, certificat=None) -> httpx.AsyncClient:
    """A client connecting from another loopback address, as a machine of its own would."""
    verify = ssl.create_default_context(cafile=certificat) if certificat else True
    return httpx.AsyncClient(base_url=base_url, transport=httpx.AsyncHTTPTransport(local_address=depuis, verify=verify), timeout=60)


async def se_connecter(c: httpx.AsyncClient, identifiant: str, mot_de_passe: str, **entetes) -> httpx.Response:
    page = await c.get("/connexion")
    token = re.search(r'name="_csrf_token" value="([^"]+)"', page.text).group(1)
    donnees = {"_csrf_token": token, "identifiant": identifiant, "mot_de_passe": mot_de_passe}
    if c.base_url.scheme == "http":
        # Production cookies are Secure: a client keeps them off plain HTTP, an attacker sends them anyway.
        entetes["Cookie"] = f"portail_csrf={page.cookies['portail_csrf']}"
    return await c.post("/connexion", data=donnees, headers=entetes)


async def test_un_faux_x_forwarded_for_ne_trompe_pas_les_limites(frontal, settings):
    from tests.unit.conftest import creer_organisme

    compte = await creer_organisme(settings, prenom="Paul", nom="Proxy")
    u = Utilisateur
    pret = {u.mot_de_passe: await hacher(MOT_DE_PASSE), u.mot_de_passe_temporaire: False, u.cgu_version: cgu.VERSION}
    await u.update(pret).where(u.id == compte.id)
    # As deploy/nginx/portail.conf says: only nginx, on loopback, is trusted.
    nginx, portail = frontal, frontal.portails[0]

    # The real user, through nginx from 127.0.0.3, has signed in before: a device cookie.
    async with client_depuis(nginx.url, "127.0.0.3", nginx.certificat) as utilisateur:
        assert (await se_connecter(utilisateur, compte.identifiant, MOT_DE_PASSE)).status_code == 303
        appareil = utilisateur.cookies.get("portail_appareil")
    assert await Journal.exists().where((Journal.type == "connexion") & (Journal.cible == compte.id) & (Journal.adresse == "127.0.0.3"))

    # An attacker goes straight to the portal from 127.0.0.2, forging a new X-Forwarded-For each
    # time: the portal does not trust it, every failure counts against 127.0.0.2.
    async with client_depuis(portail.url, "127.0.0.2") as attaquant:
        for i in range(verrou.MAX_PAR_ADRESSE + 1):
            cible = compte.identifiant if i < verrou.SEUIL else f"INCONNU{i:02d}"
            r = await se_connecter(attaquant, cible, "Mauvais123abc", **{"X-Forwarded-For": f"192.0.2.{i + 1}"})
            assert r.status_code == 422
        assert "Trop de tentatives depuis votre poste" in r.text
    adresses = {j["adresse"] for j in await Journal.select(Journal.adresse).where(Journal.type == "connexion_echec")}
    assert "127.0.0.2" in adresses and not any(a.startswith("192.0.2.") for a in adresses)

    # Through nginx, a client's own X-Forwarded-For is replaced by its real address: naming the
    # attacker's address neither blocks it nor hides it.
    async with client_depuis(nginx.url, "127.0.0.4", nginx.certificat) as voisin:
        r = await se_connecter(voisin, "VOISIN01", "Mauvais123abc", **{"X-Forwarded-For": "127.0.0.2"})
        assert r.status_code == 422 and "Identifiant ou mot de passe incorrect." in r.text
    assert await Journal.exists().where((Journal.identifiant_saisi == "VOISIN01") & (Journal.adresse == "127.0.0.4"))

    # The stranger locked the identifiant for unknown devices; the real user's browser still signs in.
    async with client_depuis(nginx.url, "127.0.0.3", nginx.certificat) as utilisateur:
        assert "Trop de tentatives" in (await se_connecter(utilisateur, compte.identifiant, MOT_DE_PASSE)).text
        utilisateur.cookies.set("portail_appareil", appareil)
        r = await se_connecter(utilisateur, compte.identifiant, MOT_DE_PASSE)
        # The password step passes (an administrator without a second factor enrols next).
        assert r.status_code == 303 and r.headers["location"] == "/connexion/enrolement"
