"""Versioned Conditions Générales d'Utilisation. Publishing a new version = adding a file
and raising VERSION: everyone accepts it again at their next sign-in."""

from __future__ import annotations

from functools import cache
from pathlib import Path

STATIC = Path(__file__).resolve().parent.parent / "static"

VERSION = 1
FICHIER = f"documents/cgu-v{VERSION}.pdf"


@cache
def taille_affichee() -> str:
    """What the link shows, as the guide does: "PDF - 149 Ko"."""
    octets = (STATIC / FICHIER).stat().st_size
    return f"PDF - {max(1, round(octets / 1024))} Ko"
