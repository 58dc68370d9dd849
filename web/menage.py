"""Housekeeping: a periodic task that removes what the portal no longer needs, safe with several
instances and workers (one of them wins each period), and never touching the domain's data
(organisations, people, titulaires, dossiers, journal, demo data included).

Each module contributes its purge to PURGES: an async function that takes "now" and returns how
many rows it removed or emptied. A new table with something to purge adds one line here.
Retention periods: README, « En production ».
"""

from __future__ import annotations

import asyncio
import logging
import random
from collections.abc import Awaitable, Callable
from datetime import datetime, timedelta

from web import courriels, observabilite, panne, sessions
from web.connexion import verrou
from web.contact import service as contact
from web.importation import service as importation
from web.revue import inactivite
from web.tables import Tache
from web.temps import maintenant

log = logging.getLogger("portail.menage")

Purge = Callable[[datetime], Awaitable[int]]

PURGES: dict[str, Purge] = {
    "sessions_expirees": sessions.purger,
    "verrous_anciens": verrou.purger,
    "courriels_remis": courriels.purger,
    "messages_contact_anciens": contact.purger,
    "imports_gestionnaires_expires": importation.purger,
    "comptes_inactifs": inactivite.traiter,  # suspends unused accounts (a notice a month before): not a purge
}

TACHE = "menage"


async def prendre_son_tour(intervalle: timedelta, nom: str = TACHE) -> bool:
    """True for exactly one caller per period, whatever the number of instances: the one whose
    conditional UPDATE moves the next run forward."""
    now = maintenant()
    await Tache.insert(Tache(nom=nom, prochaine=now)).on_conflict(action="DO NOTHING")
    pris = (
        await Tache.update({Tache.prochaine: now + intervalle, Tache.derniere: now, Tache.executions: Tache.executions + 1})
        .where((Tache.nom == nom) & (Tache.prochaine <= now))
        .returning(Tache.id)
    )
    return bool(pris)


async def executer() -> dict[str, int]:
    """Runs every purge once; one failing does not stop the others."""
    now = maintenant()
    resultats: dict[str, int] = {}
    for nom, purge in PURGES.items():
        try:
            resultats[nom] = await purge(now)
        except Exception as exc:
            if not panne.est_panne(exc):
                log.exception("ménage : %s interrompu", nom)
                continue
            raise
        observabilite.MENAGE_LIGNES.labels(nom).inc(resultats[nom])
    observabilite.MENAGE.inc()
    log.info("ménage fait : %s", ", ".join(f"{k} {v}" for k, v in resultats.items()))
    return resultats


async def boucle(intervalle: timedelta) -> None:
    """For the life of a `portail serve` process: looks often, runs once per period."""
    regard = min(intervalle.total_seconds() / 4, 60.0)
    await asyncio.sleep(random.uniform(0, regard))  # workers started together do not all ask at once

    async def tour() -> None:
        if await prendre_son_tour(intervalle):
            await executer()

    await panne.en_boucle(tour, lambda: asyncio.sleep(regard), "ménage")
