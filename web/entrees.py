"""The one way the portal reads numbers and ids from a request: ASCII digits only (not "²", "٣",
"+1", "1_0" or " 1", which int() accepts), within the column's range (Serial and Integer are int4
on PostgreSQL). Out of range is "no such thing": a 404 for a path, None for a form or query field,
whose caller says so in French."""

from __future__ import annotations

from litestar.exceptions import NotFoundException

ENTIER_MAX = 2**31 - 1  # int4, the ids and integers of every table
PAGE_MAX = 10_000


def entier(texte: object, minimum: int = 0, maximum: int = ENTIER_MAX) -> int | None:
    """The number written in `texte`, or None if it is not one within [minimum, maximum]."""
    if not isinstance(texte, str) or not 0 < len(texte) <= len(str(maximum)) or not (texte.isascii() and texte.isdigit()):
        return None
    n = int(texte)
    return n if minimum <= n <= maximum else None


def id_ou_404(texte: str) -> int:
    """A path's id: an existing row's id is 1..2^31-1; anything else is a page that does not exist."""
    n = entier(texte, minimum=1)
    if n is None:
        raise NotFoundException
    return n


def trouve(valeur):
    """`valeur`, or a 404 when there is none (a row this person may not see does not exist)."""
    if valeur is None:
        raise NotFoundException
    return valeur


def page(texte: object) -> int:
    """A page number from a query string: 1 when absent or not a number, at most PAGE_MAX."""
    n = entier(texte, minimum=1, maximum=10**9)
    return 1 if n is None else min(n, PAGE_MAX)


# C0 controls and DEL: no field or query of the portal holds them, and PostgreSQL refuses NUL.
CONTROLES = frozenset(chr(c) for c in (*range(32), 127))


def a_des_controles(texte: str) -> bool:
    return not CONTROLES.isdisjoint(texte)


SUITE_MAX = 1000


def suite_locale(texte: object) -> str:
    """Where to go after sign-in (`?suite=`): a path of this site only, else "". One "/" then not
    another nor a backslash (browsers read "//host" and "/\\host" as another site), printable
    ASCII, bounded: nothing that could send the person elsewhere (open redirect)."""
    if not isinstance(texte, str) or not 1 <= len(texte) <= SUITE_MAX or not texte.isascii() or a_des_controles(texte):
        return ""
    if not texte.startswith("/") or texte.startswith("//") or "\\" in texte or " " in texte:
        return ""
    return texte
