"""The production example of deploy/nginx/ in front of the portal: TLS, plain HTTP redirected,
static files served by nginx with their cache policy and compression (never the pages), the
request id passed on, the metrics kept in, slow clients dropped."""

from __future__ import annotations

import re
import socket
import ssl
import time

import httpx

from tests.processus import Nginx


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
