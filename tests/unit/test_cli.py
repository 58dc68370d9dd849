"""`portail organisme inscrire`, as the operator types it: the identifiant last, the password by
mail only, and every refusal with a French message, a non-zero status and nothing written."""

from __future__ import annotations

import asyncio
import os
import re
import sys
from pathlib import Path

import pytest

from tests.conftest import siret_valide
from web.tables import Courriel, Journal, Organisme, Titulaire, Utilisateur
from web.titulaires.nir import lire_nir

ROOT = Path(__file__).resolve().parents[2]


async def portail(*args: str) -> tuple[int, str, str]:
    proc = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "web.cli", *args, cwd=ROOT, env=os.environ.copy(),
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
    )  # fmt: skip
    out, err = await proc.communicate()
    return proc.returncode, out.decode(), err.decode()


def options(**kw: str) -> list[str]:
    valeurs = {
        "siret": siret_valide(),
        "raison-sociale": "EMPLOYEUR PUBLIC",
        "type": "employeur_public",
        "civilite": "Mme",
        "prenom": "Anne",
        "nom": "Martin",
        "courriel": "anne.martin@example.fr",
        "telephone": "0123456789",
        **kw,
    }
    return [x for k, v in valeurs.items() if v is not None for x in (f"--{k}", v)]


async def rien_ecrit() -> None:
    assert await Organisme.count() == 0
    assert await Utilisateur.count() == 0
    assert await Courriel.count() == 0
    assert await Journal.count() == 0


async def test_inscription(base_vide, settings):
    code, out, err = await portail("organisme", "inscrire", *options(siret="12345678200010"))
    assert code == 0, err
    identifiant = out.strip().splitlines()[-1]
    assert len(identifiant) == 8 and identifiant.startswith("AMAR")
    u = await Utilisateur.objects().where(Utilisateur.identifiant == identifiant).first()
    assert u.role == "administrateur_principal" and u.mot_de_passe_temporaire
    # The password left by mail (an .eml file without PORTAIL_SMTP_URL), never on the terminal.
    fichiers = list(settings.courriels_dir.glob("*anne.martin@example.fr.eml"))
    assert fichiers
    contenu = fichiers[-1].read_text()
    assert "mot de passe temporaire" in contenu
    courriel = await Courriel.objects().first()
    assert courriel.statut == "envoye" and courriel.corps == ""  # not kept once sent
    assert "Votre mot de passe temporaire" not in out + err
    assert await Journal.count().where(Journal.type == "organisme_inscrit") == 1


@pytest.mark.parametrize(
    ("modif", "message"),
    [
        ({"siret": "12345678200011"}, "clé de contrôle"),
        ({"siret": "1234"}, "14 chiffres"),
        ({"courriel": "pas-une-adresse"}, "adresse de courriel valide"),
        ({"telephone": "12"}, "numéro de téléphone français"),
        ({"type": "banque"}, "Type d'organisme"),
        ({"prenom": ""}, "Prénom"),
        ({"raison-sociale": "x" * 10_000}, "200 caractères au maximum"),
    ],
)
async def test_refus(base_vide, modif, message):
    code, out, err = await portail("organisme", "inscrire", *options(**modif))
    assert code != 0
    assert message in err
    await rien_ecrit()


async def test_option_manquante(base_vide):
    code, _, err = await portail("organisme", "inscrire", *options(courriel=None))
    assert code != 0 and "--courriel" in err
    await rien_ecrit()


async def test_siret_deja_inscrit(base_vide):
    siret = siret_valide()
    assert (await portail("organisme", "inscrire", *options(siret=siret)))[0] == 0
    code, _, err = await portail("organisme", "inscrire", *options(siret=siret, courriel="autre@example.fr"))
    assert code != 0 and f"le SIRET {siret} est déjà inscrit" in err
    assert await Organisme.count() == 1 and await Utilisateur.count() == 1


async def test_demo_idempotente_et_lisible(base_vide):
    code, out, err = await portail("demo")
    assert code == 0, err
    code2, out2, _ = await portail("demo")
    assert code2 == 0
    assert await Organisme.count().where(Organisme.siret == "21750001600019") == 1
    # Short French lines, in order: the base, the accounts to sign in with, where their passwords
    # are, then the NIR + nom pairs to search (from the demo module, keys valid).
    lignes = out2.strip().splitlines()
    assert lignes[0] == f"Base de données déjà à jour ({len(list((ROOT / 'migrations').glob('portail_*.py')))} migrations)."
    assert lignes[1] == "Comptes de démonstration (administrateurs principaux) :"
    for u in await Utilisateur.objects().where(Utilisateur.role == "administrateur_principal"):
        assert any(ligne.split()[0] == u.identifiant for ligne in lignes[2:4]), u.identifiant
    assert "niveau Clôture" in lignes[3] and lignes[4].startswith("Mot de passe temporaire : dans le courriel")
    assert lignes[5].startswith("Titulaires à rechercher")
    paires = [re.match(r"  ([0-9 ]{21})  ([A-Z]+)", ligne).groups() for ligne in lignes[6:]]
    assert len(paires) == 4 and ("2 85 01 75 123 456 56", "DURAND") in paires
    for nir, nom in paires:
        du_nir = (Titulaire.nir == nir.replace(" ", "")) & (Titulaire.nom_naissance == nom)
        assert lire_nir(nir)[1] is None and await Titulaire.count().where(du_nir) == 1
    assert out.strip().splitlines()[1:] == lignes[1:]  # the same accounts each time
    assert "already" not in out + err and "✔" not in out  # none of Piccolo's own lines


async def test_migrate_en_francais_et_dans_l_ordre(tmp_path):
    env = {**os.environ, "PORTAIL_DATABASE_URL": f"sqlite:///{tmp_path / 'neuve.sqlite'}"}

    async def migrate() -> list[str]:
        proc = await asyncio.create_subprocess_exec(sys.executable, "-m", "web.cli", "migrate", cwd=ROOT, env=env,
                                                    stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE)  # fmt: skip
        out, err = await proc.communicate()
        assert proc.returncode == 0 and not err.strip(), err
        return out.decode().strip().splitlines()

    fichiers = sorted((ROOT / "migrations").glob("portail_*.py"))
    lignes = await migrate()
    assert len(lignes) == len(fichiers) + 1
    ids = [re.match(r"Migration (\S+) appliquée : .+", ligne).group(1) for ligne in lignes[:-1]]
    assert ids == sorted(ids)  # in the order they ran
    assert lignes[-1] == f"Base de données à jour : {len(fichiers)} migrations appliquées sur {len(fichiers)}."
    assert await migrate() == [f"Base de données déjà à jour ({len(fichiers)} migrations)."]
