"""Brute-force delay (SPEC §2): after 5 consecutive failures the key waits 1 minute,
doubling on each further failure up to 30 minutes. A success resets it."""

from __future__ import annotations

from datetime import datetime, timedelta

from web.tables import Journal, Verrou

SEUIL = 5
PLAFOND = timedelta(minutes=30)
# Failures from one client address, whatever the identifiants (an office may share one).
FENETRE_ADRESSE = timedelta(minutes=15)
MAX_PAR_ADRESSE = 50


def delai(echecs: int) -> timedelta | None:
    """How long the key waits after its `echecs`-th consecutive failure."""
    if echecs < SEUIL:
        return None
    return min(timedelta(minutes=2 ** (echecs - SEUIL)), PLAFOND)


def minutes_restantes(jusqua: datetime, maintenant: datetime) -> int:
    secondes = (jusqua - maintenant).total_seconds()
    return max(1, -(-int(secondes) // 60))


async def bloque_jusqua(cle: str, maintenant: datetime) -> datetime | None:
    row = await Verrou.select(Verrou.verrou_jusqua).where(Verrou.cle == cle).first()
    jusqua = row and row["verrou_jusqua"]
    return jusqua if jusqua and jusqua > maintenant else None


async def noter_echec(cle: str, maintenant: datetime) -> datetime | None:
    """Counts one failure; returns the end of the lock when this failure sets one."""
    for _ in range(2):
        rows = (
            await Verrou.update({Verrou.echecs: Verrou.echecs + 1, Verrou.dernier_echec: maintenant})
            .where(Verrou.cle == cle)
            .returning(Verrou.echecs)
        )
        if rows:
            attente = delai(rows[0]["echecs"])
            if attente is None:
                return None
            jusqua = maintenant + attente
            await Verrou.update({Verrou.verrou_jusqua: jusqua}).where(Verrou.cle == cle)
            return jusqua
        await Verrou.insert(Verrou(cle=cle, echecs=0)).on_conflict(action="DO NOTHING")
    return None


async def effacer(cle: str) -> None:
    await Verrou.delete().where(Verrou.cle == cle)


async def adresse_saturee(adresse: str, maintenant: datetime) -> bool:
    n = await Journal.count().where(
        (Journal.adresse == adresse) & (Journal.type == "connexion_echec") & (Journal.cree_le > maintenant - FENETRE_ADRESSE)
    )
    return n >= MAX_PAR_ADRESSE


# A counter quiet this long is forgotten (its failures were not consecutive any more).
OUBLI = timedelta(hours=24)


async def purger(now: datetime) -> int:
    """Housekeeping (web.menage): lock rows neither locked now nor touched for OUBLI."""
    ancien = (Verrou.dernier_echec < now - OUBLI) | Verrou.dernier_echec.is_null()
    libre = Verrou.verrou_jusqua.is_null() | (Verrou.verrou_jusqua < now)
    return len(await Verrou.delete().where(ancien & libre).returning(Verrou.id))
