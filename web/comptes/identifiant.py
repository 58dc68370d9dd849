"""Identifiants: 1 letter of the prénom + 3 of the nom + 4 random characters, e.g. LDEL7X4Z."""

from __future__ import annotations

import secrets
import string
import unicodedata

LONGUEUR_SAISIE_MAX = 32
_ALEATOIRE = string.ascii_uppercase + string.digits
# Letters NFKD does not decompose.
_LIGATURES = str.maketrans({"Œ": "OE", "Æ": "AE", "Ø": "O", "Ł": "L", "Đ": "D"})


def _lettres(texte: str) -> str:
    """A-Z only: "N'Diaye" -> "NDIAYE", "Élodie" -> "ELODIE"."""
    majuscules = texte.upper().translate(_LIGATURES)
    decompose = unicodedata.normalize("NFKD", majuscules)
    return "".join(c for c in decompose if c in string.ascii_uppercase)


def base_identifiant(prenom: str, nom: str) -> str:
    return _lettres(prenom)[:1].ljust(1, "X") + _lettres(nom)[:3].ljust(3, "X")


def generer_identifiant(prenom: str, nom: str) -> str:
    """8 characters; uniqueness is the caller's job (check and draw again)."""
    return base_identifiant(prenom, nom) + "".join(secrets.choice(_ALEATOIRE) for _ in range(4))


def normaliser_identifiant(saisie: str) -> str:
    """Login is case-insensitive; "" for an input no identifiant can match."""
    saisie = saisie.strip()
    if not 1 <= len(saisie) <= LONGUEUR_SAISIE_MAX:
        return ""
    return saisie.upper()
