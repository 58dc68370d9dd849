"""`portail sauvegarder` then `portail restaurer`, on a database of the test's own: after the loss
of everything, the restored portal signs in the account the backup holds."""

from __future__ import annotations

import asyncio
import os
from pathlib import Path
from urllib.parse import unquote, urlparse

import httpx

from tests.conftest import base_dediee, extraire_mot_de_passe, siret_valide
from tests.processus import Portail, commande_portail
from tests.unit.conftest import poster
from web.db import config_postgres


async def perdre(url: str) -> None:
    """Everything gone: the file deleted, or the schema dropped."""
    if url.startswith("sqlite"):
        chemin = unquote(urlparse(url).path)
        for suffixe in ("", "-wal", "-shm"):
            Path(chemin + suffixe).unlink(missing_ok=True)  # noqa: ASYNC240 - nothing else runs
        return
    import asyncpg

    cx = await asyncpg.connect(**config_postgres(url))
    await cx.execute("DROP SCHEMA public CASCADE; CREATE SCHEMA public;")
    await cx.close()


async def test_sauvegarder_perdre_restaurer_puis_se_connecter(tmp_path):
    url = base_dediee(tmp_path, "portail_sauvegarde")
    env = {"PORTAIL_DATABASE_URL": url, "PORTAIL_COURRIELS_DIR": str(tmp_path / "courriels")}

    def portail(*args: str):
        return asyncio.to_thread(commande_portail, *args, env=env)

    assert (await portail("migrate")).returncode == 0
    r = await portail(
        "organisme", "inscrire", "--siret", siret_valide(), "--raison-sociale", "MAIRIE", "--type", "employeur_public",
        "--civilite", "Mme", "--prenom", "Anne", "--nom", "Martin", "--courriel", "anne@example.fr", "--telephone", "0123456789",
    )  # fmt: skip
    assert r.returncode == 0, r.stderr
    identifiant = r.stdout.strip().splitlines()[-1]
    temporaire = extraire_mot_de_passe(next((tmp_path / "courriels").glob("*anne@example.fr.eml")).read_text())

    fichier = tmp_path / "portail.sauvegarde"
    r = await portail("sauvegarder", str(fichier))
    assert r.returncode == 0, r.stderr
    assert "Base sauvegardée dans" in r.stdout and fichier.stat().st_size > 0
    assert not list(tmp_path.glob("*.partiel"))

    await perdre(url)
    r = await portail("restaurer", str(fichier))  # no --oui, nobody to answer: nothing done
    assert r.returncode != 0 and "Continuer ?" in r.stdout
    r = await portail("restaurer", "--oui", str(fichier))
    assert r.returncode == 0, r.stderr
    assert "Base restaurée depuis" in r.stdout and "migration" not in r.stdout

    p = Portail(env=env, nom="restauree")
    try:
        async with httpx.AsyncClient(base_url=p.url, timeout=30) as c:
            r = await poster(c, "/connexion", "/connexion", {"identifiant": identifiant, "mot_de_passe": temporaire})
            assert r.status_code == 200 and "Il s'agit de votre première connexion" in r.text  # the forced change
    finally:
        p.arreter()


async def test_restaurer_refuse_ce_qui_n_est_pas_une_sauvegarde(tmp_path):
    url = base_dediee(tmp_path, "portail_sauvegarde")
    env = {"PORTAIL_DATABASE_URL": url}
    assert (await asyncio.to_thread(commande_portail, "migrate", env=env)).returncode == 0
    faux = tmp_path / "faux.sauvegarde"
    faux.write_bytes(os.urandom(4096))
    r = await asyncio.to_thread(commande_portail, "restaurer", "--oui", str(faux), env=env)
    assert r.returncode != 0 and r.stderr.startswith("Erreur : ") and f"{faux} n'est pas une" in r.stderr
    r = await asyncio.to_thread(commande_portail, "sauvegarder", str(tmp_path / "intacte"), env=env)
    assert r.returncode == 0  # the base is still there, untouched
