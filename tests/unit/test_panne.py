"""A database outage, on a real `portail serve`: PostgreSQL stopped (a cluster of the test's own),
or the SQLite file taken away. The portal answers 503 with Retry-After and a French page (its
message alone for htmx), logs the outage once and its end once, and works again by itself."""

from __future__ import annotations

import html
import os
import re
import time
from pathlib import Path

import httpx
import pytest

from tests.processus import Portail, PostgresJetable, commande_portail

POSTGRES = os.environ["PORTAIL_DATABASE_URL"].startswith("postgres")


class FichierSqlite:
    def __init__(self, dossier: Path) -> None:
        self.chemin = dossier / "panne.sqlite"
        self.url = f"sqlite:///{self.chemin}"

    def couper(self) -> None:
        self.chemin.rename(self.chemin.with_suffix(".ailleurs"))  # the volume is gone

    def retablir(self) -> None:
        self.chemin.with_suffix(".ailleurs").rename(self.chemin)

    def supprimer(self) -> None:
        pass


class ServeurPostgres(PostgresJetable):
    def couper(self) -> None:
        self.arreter("fast")

    def retablir(self) -> None:
        self.demarrer()


@pytest.fixture
def base(tmp_path):
    b = ServeurPostgres() if POSTGRES else FichierSqlite(tmp_path)
    env = {"PORTAIL_DATABASE_URL": b.url}
    r = commande_portail("migrate", env=env)
    assert r.returncode == 0, r.stderr
    yield b
    b.supprimer()


def attendre(condition, delai: float = 20) -> None:
    fin = time.monotonic() + delai
    while not condition():
        assert time.monotonic() < fin, "délai dépassé"
        time.sleep(0.2)


def test_une_panne_de_la_base_repond_503_et_se_journalise_une_fois(base):
    p = Portail(env={"PORTAIL_DATABASE_URL": base.url}, nom="panne")
    try:
        with httpx.Client(base_url=p.url, timeout=30) as c:
            assert c.get("/sante").json() == {"portail": "ok", "base": "ok"}
            jeton = re.search(r'name="_csrf_token" value="([^"]+)"', c.get("/connexion").text).group(1)
            formulaire = {"_csrf_token": jeton, "identifiant": "ABCD1234", "mot_de_passe": "Kq7vTz9mWr4pX"}

            base.couper()
            r = c.get("/sante")
            assert r.status_code == 503 and r.json() == {"portail": "ok", "base": "injoignable"}
            for _ in range(20):
                r = c.post("/connexion", data=formulaire)
                assert r.status_code == 503
                assert r.headers["retry-after"] == "30"
                assert "Service momentanément indisponible" in r.text and "Rien n'a été enregistré" in html.unescape(r.text)
            # An htmx request (a signed-in search): the message alone, for the region it targets.
            c.cookies.set("portail_session", "x" * 43)
            r = c.get("/habilitations?nom=MAR", headers={"HX-Request": "true", "HX-Target": "resultats"})
            assert r.status_code == 503 and r.headers["retry-after"] == "30"
            assert "data-erreur" in r.text and "<html" not in r.text
            assert "réessayez dans quelques instants" in r.text
            c.cookies.delete("portail_session")

            base.retablir()
            attendre(lambda: c.get("/sante").status_code == 200)
            r = c.post("/connexion", data=formulaire)
            assert r.status_code == 422 and "Identifiant ou mot de passe incorrect" in r.text
        attendre(lambda: "de nouveau joignable" in p.journal.read_text())
        journal = p.journal.read_text()
        assert journal.count("base de données injoignable") == 1, journal
        assert journal.count("de nouveau joignable") == 1, journal
        assert "Traceback" not in journal
    finally:
        p.arreter()
