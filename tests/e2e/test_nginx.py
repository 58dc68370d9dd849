"""The production example of deploy/nginx/ in front of the portal: TLS, plain HTTP redirected."""

from __future__ import annotations

import ssl

import httpx
import pytest

from tests.processus import Nginx, Portail


@pytest.fixture(scope="module")
def derriere_nginx(base_migree):
    portail = Portail(nom="derriere-nginx")
    nginx = Nginx([f"127.0.0.1:{portail.port}"])
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
