"""Housekeeping: expired sessions, old lock rows and finished mails go; the domain's data, demo
data included, stays; one run per period whatever the number of instances."""

from __future__ import annotations

import asyncio
from datetime import timedelta

from tests.conftest import TABLES
from tests.unit.test_cli import portail
from web import menage
from web.sessions import INACTIVITE
from web.tables import Compteur, Courriel, Session, Tache, Utilisateur
from web.temps import maintenant

PURGEABLES = {"session", "compteur", "courriel", "tache"}


async def comptes() -> dict[str, int]:
    return {t._meta.tablename: await t.count() for t in TABLES if t._meta.tablename not in PURGEABLES}


async def test_le_menage_retire_ce_qui_a_expire_et_jamais_les_donnees(base_vide):
    code, _, err = await portail("demo")
    assert code == 0, err
    avant = await comptes()
    assert avant["utilisateur"] and avant["titulaire"] and avant["dossier"] and avant["journal"]
    now = maintenant()
    u = (await Utilisateur.select(Utilisateur.id).first())["id"]
    for jeton, vu in (("expiree", now - INACTIVITE - timedelta(minutes=1)), ("vivante", now - timedelta(minutes=5))):
        await Session.insert(Session(jeton_hash=jeton, utilisateur=u, cree_le=vu, vu_le=vu))
    await Compteur.insert(
        Compteur(cle="ANCIEN", echecs=3, maj_le=now - timedelta(days=2)),
        Compteur(cle="BLOQUE", echecs=9, maj_le=now - timedelta(days=2), verrou_jusqua=now + timedelta(minutes=5)),
        Compteur(cle="RECENT", echecs=2, maj_le=now - timedelta(hours=1)),
    )
    await Courriel.delete().where(Courriel.id > 0)
    mail = {"sujet": "Sujet", "prochain_essai": now}
    await Courriel.insert(
        Courriel(destinataire="vieux@example.fr", corps="", statut="envoye", envoye_le=now - timedelta(days=31), **mail),
        Courriel(destinataire="recent@example.fr", corps="", statut="envoye", envoye_le=now - timedelta(days=1), **mail),
        Courriel(destinataire="reste@example.fr", corps="Mot de passe temporaire : X", statut="envoye", envoye_le=now, **mail),
        Courriel(destinataire="attente@example.fr", corps="Mot de passe temporaire : Y", **mail),
    )

    resultats = await menage.executer()

    assert {r["jeton_hash"] for r in await Session.select(Session.jeton_hash)} == {"vivante"}
    assert {r["cle"] for r in await Compteur.select(Compteur.cle)} == {"BLOQUE", "RECENT"}
    restants = {r["destinataire"]: r["corps"] for r in await Courriel.select(Courriel.destinataire, Courriel.corps)}
    assert restants == {"recent@example.fr": "", "reste@example.fr": "", "attente@example.fr": "Mot de passe temporaire : Y"}
    assert resultats == {
        "sessions_expirees": 1,
        "verrous_anciens": 1,
        "courriels_remis": 2,
        "messages_contact_anciens": 0,
        "imports_gestionnaires_expires": 0,
        "comptes_inactifs": 0,
    }
    assert await comptes() == avant  # demo data and journal untouched


async def test_un_seul_passage_par_periode_quelles_que_soient_les_instances(base_vide):
    tours = await asyncio.gather(*(menage.prendre_son_tour(timedelta(hours=1)) for _ in range(10)))
    assert tours.count(True) == 1
    assert not await menage.prendre_son_tour(timedelta(hours=1))
    t = await Tache.objects().where(Tache.nom == menage.TACHE).first()
    assert t.executions == 1 and t.prochaine > maintenant() + timedelta(minutes=59)
    # The period over, the next caller runs it.
    await Tache.update({Tache.prochaine: maintenant()}).where(Tache.id == t.id)
    assert await menage.prendre_son_tour(timedelta(hours=1))
