"""Server-side sessions in the database, so that every instance of the portal shares them.

The cookie holds a random token; the table holds only its SHA-256. Idle timeout: 30 minutes;
absolute lifetime: PORTAIL_SESSION_DUREE_MAX (12 hours), whatever the activity.
"""

from __future__ import annotations

import hashlib
import secrets
from datetime import timedelta

from piccolo.querystring import QueryString

from web.db import ecriture, lire_par_cle, pour_partage
from web.tables import ACTIF, Organisme, Session, Utilisateur
from web.temps import maintenant

COOKIE = "portail_session"
INACTIVITE = timedelta(minutes=30)
DUREE_MAX = timedelta(hours=12)
# A session opened by the password alone has this long to pass its second step.
DEMI_SESSION = timedelta(minutes=10)
# vu_le is written at most this often, not on every request.
RAFRAICHIR = timedelta(seconds=60)


def _hash(jeton: str) -> str:
    return hashlib.sha256(jeton.encode()).hexdigest()


async def ouvrir(utilisateur_id: int, adresse: str, *, hash_verifie: str | None = None, etape: str = "") -> str | None:
    """A new session, or None when the account is no longer active (or, with `hash_verifie`, no
    longer has the password that was just checked). The account's row and its organisation's are
    read under a share lock: a suspension or a renewal running meanwhile either commits first and
    is seen here, or waits for this session to exist and then ends it. A sign-in in flight when
    its account is suspended thus opens nothing, and a reactivation revives nothing.

    `etape`: "" for a full session; "second_facteur" or "enrolement" for a session opened by the
    password alone, which opens nothing but that step (web.facteurs) until `completer`."""
    async with ecriture():
        # Hand-written, as every query of a sign-in: building Piccolo's select and exists cost more
        # than running them (bench/RESULTS.md, « Où passe le temps »). Each row is locked and read
        # by the same statement (web.db.pour_partage).
        verrou = pour_partage()
        rows = await Utilisateur.raw(f"SELECT statut, mot_de_passe, organisme FROM utilisateur WHERE id = {{}}{verrou}", utilisateur_id)
        u = rows[0] if rows else None
        if not u or u["statut"] != ACTIF or (hash_verifie is not None and u["mot_de_passe"] != hash_verifie):
            return None
        if u["organisme"] is not None:
            if not await Organisme.raw(f"SELECT 1 FROM organisme WHERE id = {{}} AND statut = {{}}{verrou}", u["organisme"], ACTIF):
                return None
        jeton = secrets.token_urlsafe(32)
        now = maintenant()
        await Session.raw(
            "INSERT INTO session (jeton_hash, utilisateur, cree_le, vu_le, adresse, etape, facteur_le, defi, defi_le) "
            "VALUES ({}, {}, {}, {}, {}, {}, {}, '', NULL)",
            _hash(jeton), utilisateur_id, now, now, adresse[:45], etape, None if etape else now,
        )  # fmt: skip
    return jeton


async def completer(jeton: str, etape: str) -> str | None:
    """The second step passed (or the required enrolment done): the session of `jeton`, still at
    `etape`, becomes a full one under a new token (the half session's token opens nothing more).
    One conditional UPDATE: two requests racing with the same half session upgrade it once."""
    nouveau = secrets.token_urlsafe(32)
    now = maintenant()
    async with ecriture():
        rows = await Session.raw(
            "UPDATE session SET jeton_hash = {}, etape = '', facteur_le = {}, defi = '', vu_le = {} "
            "WHERE jeton_hash = {} AND etape = {} RETURNING utilisateur",
            _hash(nouveau), now, now, _hash(jeton), etape,
        )  # fmt: skip
        if rows:
            await connexion_faite(rows[0]["utilisateur"])
    return nouveau if rows else None


async def connexion_faite(utilisateur_id: int) -> None:
    """A full session opened by signing in: the account's « dernière connexion »."""
    await Utilisateur.raw("UPDATE utilisateur SET derniere_connexion = {} WHERE id = {}", maintenant(), utilisateur_id)


async def facteur_verifie(jeton: str) -> None:
    """A fresh second-factor confirmation in a full session (step-up before removing a factor)."""
    await Session.update({Session.facteur_le: maintenant()}).where(Session.jeton_hash == _hash(jeton))


async def facteur_verifie_le(jeton: str):
    row = await Session.select(Session.facteur_le).where(Session.jeton_hash == _hash(jeton)).first()
    return row["facteur_le"] if row else None


async def poser_defi(jeton: str, defi: str) -> None:
    """The WebAuthn challenge of this session (one at a time: a new one replaces the last)."""
    await Session.update({Session.defi: defi, Session.defi_le: maintenant()}).where(Session.jeton_hash == _hash(jeton))


DEFI_VALIDITE = timedelta(minutes=5)


async def prendre_defi(jeton: str) -> str | None:
    """The pending challenge, taken once (a conditional UPDATE empties it), or None when absent or
    older than DEFI_VALIDITE."""
    row = await Session.select(Session.defi, Session.defi_le).where(Session.jeton_hash == _hash(jeton)).first()
    if not row or not row["defi"] or row["defi_le"] is None or maintenant() - row["defi_le"] > DEFI_VALIDITE:
        return None
    pris = await Session.raw("UPDATE session SET defi = '' WHERE jeton_hash = {} AND defi = {} RETURNING id", _hash(jeton), row["defi"])
    return row["defi"] if pris else None


async def fermer(jeton: str | None) -> None:
    if jeton:
        await Session.delete().where(Session.jeton_hash == _hash(jeton))


async def fermer_toutes(utilisateur_id: int) -> None:
    await Session.delete().where(Session.utilisateur == utilisateur_id)


# Every request asks for its session: one hand-written query (Piccolo's joined select costs more
# to build than three small queries). The columns come from the tables, so none is forgotten.
_SQL_SESSION = (
    "SELECT s.id AS s__id, s.vu_le AS s__vu_le, s.cree_le AS s__cree_le, s.etape AS s__etape, u.*, "
    + ", ".join(f'o."{c._meta.db_column_name}" AS "o__{c._meta.name}"' for c in Organisme._meta.columns)
    + " FROM session s JOIN utilisateur u ON u.id = s.utilisateur"
    + " LEFT JOIN organisme o ON o.id = u.organisme WHERE s.jeton_hash = {}"
)


async def charger(jeton: str, duree_max: timedelta = DUREE_MAX) -> tuple[Utilisateur, Organisme | None, str] | None:
    """The person of a live session, their organisation and the session's step ("" when full), or
    None (expired sessions, and those of an account or organisation no longer active, are removed)."""
    rows = await lire_par_cle(QueryString(_SQL_SESSION, _hash(jeton)))
    if not rows:
        return None
    row = rows[0]
    session_id, vu_le, cree_le, etape = row.pop("s__id"), row.pop("s__vu_le"), row.pop("s__cree_le"), row.pop("s__etape")
    org_ = {k[3:]: row.pop(k) for k in list(row) if k.startswith("o__")}
    now = maintenant()
    u = Utilisateur(_exists_in_db=True, **row)
    org = Organisme(_exists_in_db=True, **org_) if u.organisme else None
    vieille = now - vu_le > INACTIVITE or now - cree_le > (DEMI_SESSION if etape else duree_max)
    if vieille or u.statut != ACTIF or (org is not None and org.statut != ACTIF):
        await Session.delete().where(Session.id == session_id)
        return None
    if now - vu_le > RAFRAICHIR:
        await Session.update({Session.vu_le: now}).where(Session.id == session_id)
    return u, org, etape


async def purger(now) -> int:
    """Housekeeping (web.menage): sessions past their idle timeout."""
    return len(await Session.delete().where(Session.vu_le < now - INACTIVITE).returning(Session.id))
