"""Search keys: names compared whatever their case and accents, with an indexed prefix."""

from __future__ import annotations

import unicodedata


def cle(texte: str) -> str:
    """"Délahaïe-Lœuf" -> "DELAHAIE-LOEUF": upper-case, accents removed, spaces folded."""
    decompose = unicodedata.normalize("NFKD", texte.replace("œ", "oe").replace("Œ", "OE").replace("æ", "ae").replace("Æ", "AE"))
    sans_accents = "".join(c for c in decompose if not unicodedata.combining(c))
    return " ".join(sans_accents.upper().split())


def motif_prefixe(texte: str) -> str:
    """A LIKE pattern for a prefix. LIKE's wildcards are dropped from the input (no name holds
    them), since SQLite and PostgreSQL do not share a default escape character."""
    return "".join(c for c in cle(texte) if c not in "%_\\") + "%"
