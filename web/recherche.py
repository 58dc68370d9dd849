"""Search keys: names compared whatever their case and accents, with an indexed prefix."""

from __future__ import annotations

import unicodedata


def cle(texte: str) -> str:
    """ "Délahaïe-Lœuf" -> "DELAHAIE-LOEUF": upper-case, accents removed, spaces folded."""
    decompose = unicodedata.normalize("NFKD", texte.replace("œ", "oe").replace("Œ", "OE").replace("æ", "ae").replace("Æ", "AE"))
    sans_accents = "".join(c for c in decompose if not unicodedata.combining(c))
    return " ".join(sans_accents.upper().split())


def intervalle_prefixe(texte: str) -> tuple[str, str | None] | None:
    """[début, fin[ holding exactly the keys that start with cle(texte), in code-point order
    (SQLite's BINARY, and the "C" collation the search keys have on PostgreSQL): a range the
    index answers on both engines, where LIKE 'X%' is not indexed by SQLite's default.
    fin is None when no string follows the prefix's (it ends with U+10FFFF only)."""
    debut = cle(texte)
    if not debut:
        return None
    # The last character that can be incremented; U+10FFFF, the last code point, cannot.
    base = debut.rstrip(chr(0x10FFFF))
    if not base:
        return debut, None
    suivant = ord(base[-1]) + 1
    if 0xD800 <= suivant <= 0xDFFF:  # surrogates are no characters
        suivant = 0xE000
    return debut, base[:-1] + chr(suivant)


def motif_prefixe(texte: str) -> str:
    """A LIKE pattern for a prefix. LIKE's wildcards are dropped from the input (no name holds
    them), since SQLite and PostgreSQL do not share a default escape character."""
    return "".join(c for c in cle(texte) if c not in "%_\\") + "%"
