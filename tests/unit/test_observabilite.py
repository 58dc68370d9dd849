"""Metrics and logs of a real `portail serve`: requests by route template, sign-in outcomes, the
outbox, housekeeping runs; /metrics for trusted addresses only; a request id from X-Request-ID
on every log line; and never a password, a token or a search term in either."""

from __future__ import annotations

import json
import re

import httpx
import pytest

from tests.processus import Portail
from tests.unit.conftest import connecte, creer_gestionnaire, creer_organisme, poster
from web import courriels


@pytest.fixture
async def serveur(base_vide):
    p = Portail(env={"PORTAIL_MENAGE_INTERVALLE": "1"}, nom="observabilite")
    yield p
    p.arreter()


def serie(texte: str, nom: str, **etiquettes: str) -> float:
    """The value of one Prometheus series (0 when absent)."""
    for ligne in texte.splitlines():
        if ligne.startswith(nom + "{") or ligne.startswith(nom + " "):
            if all(f'{k}="{v}"' in ligne for k, v in etiquettes.items()):
                return float(ligne.rsplit(" ", 1)[1])
    return 0.0


async def test_metriques_et_journaux_sans_secret(serveur, settings):
    admin = await creer_organisme(settings)
    g = await creer_gestionnaire(settings, admin.organisme_id, prenom="Lucie", nom="Delahaie")
    await courriels.mettre_en_file("attente@example.fr", "Sujet", "Corps")  # the server delivers it to files
    secrets_ = {"mot de passe temporaire": admin.mot_de_passe, "celui de Lucie": g.mot_de_passe, "mauvais": "Xy7MauvaisSecret42"}
    async with httpx.AsyncClient(base_url=serveur.url, timeout=30) as c:
        r = await poster(c, "/connexion", "/connexion", {"identifiant": admin.identifiant, "mot_de_passe": secrets_["mauvais"]})
        assert r.status_code == 422
        r = await poster(c, "/connexion", "/connexion", {"identifiant": admin.identifiant, "mot_de_passe": admin.mot_de_passe})
        assert r.status_code == 200 and "Il s'agit de votre première connexion" in r.text
        await connecte(c, admin)  # forced change (a new password), sign-in, CGU
        secrets_["nouveau"] = admin.mot_de_passe
        secrets_["session"] = c.cookies["portail_session"]
        page = await c.get("/habilitations?nom=DELAHA", headers={"X-Request-ID": "essai-123"})
        assert page.headers["x-request-id"] == "essai-123"
        assert "DELAHAIE" in page.text
        secrets_["jeton CSRF"] = re.search(r'name="_csrf_token" value="([^"]+)"', page.text).group(1)
        await c.get(f"/habilitations/{g.id}")
        r = await c.get("/aide", headers={"X-Request-ID": "pas valable !" * 10})
        assert re.fullmatch(r"[0-9a-f]{32}", r.headers["x-request-id"])  # made up when absent or malformed

        metriques = (await c.get("/metrics")).text
        assert serie(metriques, "portail_requests_total", path="/habilitations/{id_}", status_code="200") == 1
        assert f'path="/habilitations/{g.id}"' not in metriques  # by template: no series per id
        assert serie(metriques, "portail_connexions_total", resultat="echec") == 1
        assert serie(metriques, "portail_connexions_total", resultat="changement_impose") == 1
        assert serie(metriques, "portail_connexions_total", resultat="reussie") == 1
        assert "portail_request_duration_seconds_bucket" in metriques
        assert "portail_courriels_en_attente" in metriques and "portail_courriels_plus_ancien_secondes" in metriques
        assert serie(metriques, "portail_menage_executions_total") >= 1

        # Through the reverse proxy (which always sets X-Forwarded-For): nothing.
        assert (await c.get("/metrics", headers={"X-Forwarded-For": "203.0.113.7"})).status_code == 404

    journal = serveur.journal.read_text()
    lignes = [json.loads(x) for x in journal.splitlines() if x.startswith("{")]
    recherche = [x for x in lignes if x.get("request_id") == "essai-123"]
    assert recherche and recherche[-1]["route"] == "/habilitations" and recherche[-1]["statut"] == 200
    assert recherche[-1]["process"] == serveur.proc.pid and recherche[-1]["level"] == "info"  # which worker wrote it
    for nom, secret in {**secrets_, "recherche": "DELAHA"}.items():
        assert secret not in journal, nom
        assert secret not in metriques, nom


async def test_metriques_refusees_hors_des_adresses_de_confiance(client):
    assert (await client.get("/metrics")).status_code == 404  # the test client is no trusted address
