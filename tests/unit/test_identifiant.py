import re

import pytest

from web.comptes.identifiant import base_identifiant, generer_identifiant, normaliser_identifiant


@pytest.mark.parametrize(
    ("prenom", "nom", "base"),
    [
        ("Lucie", "DELAHAIE", "LDEL"),
        ("lucie", "Delahaie", "LDEL"),
        ("Élodie", "Ô", "EOXX"),
        ("Jean-Luc", "N'Diaye", "JNDI"),
        ("", "Martin", "XMAR"),
        ("Anne", "Le Bœuf", "ALEB"),
        ("Zoé", "D'Œuf", "ZDOE"),
        ("2Paul", "Li-3", "PLIX"),
    ],
)
def test_base(prenom, nom, base):
    assert base_identifiant(prenom, nom) == base


def test_generated_identifiants():
    tirages = [generer_identifiant("Lucie", "Delahaie") for _ in range(500)]
    for identifiant in tirages:
        assert re.fullmatch(r"[A-Z0-9]{8}", identifiant)
        assert identifiant.startswith("LDEL")
    assert len(set(tirages)) > 490  # 36^4 possibilities: random, not a counter


def test_generated_identifiant_for_odd_names():
    assert re.fullmatch(r"EOXX[A-Z0-9]{4}", generer_identifiant("Élodie", "Ô"))


@pytest.mark.parametrize(
    ("saisie", "attendu"),
    [
        ("  ldel7x4z ", "LDEL7X4Z"),
        ("LDEL7X4Z", "LDEL7X4Z"),
        ("", ""),
        ("   ", ""),
        ("a" * 32, "A" * 32),
        ("a" * 40, ""),
    ],
)
def test_normaliser(saisie, attendu):
    assert normaliser_identifiant(saisie) == attendu
