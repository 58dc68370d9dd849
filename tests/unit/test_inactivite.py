"""The inactivity notices of a large backlog: small write transactions (a sign-in waits one batch,
never the whole organisation), and the administrators' grouped mail sent once, even across a crash."""

from __future__ import annotations

from contextlib import asynccontextmanager
from datetime import timedelta

import pytest

from tests.unit.conftest import creer_gestionnaire, creer_organisme
from tests.unit.test_revue import cree_le, derniere_connexion
from web import file_d_envoi
from web.courriels import ouvrir
from web.revue import inactivite
from web.settings import Settings
from web.tables import AvisInactivite, Courriel
from web.temps import maintenant, mois_avant

PAR_TRANSACTION = 3
COMPTES = 7  # three batches: 3, 3 and 1


@pytest.fixture
async def arriere(client, settings, monkeypatch):
    """An organisation with a principal, a délégué who signed in yesterday, and COMPTES plain
    gestionnaires created 11 months and a day ago who never signed in: all due for a notice."""
    monkeypatch.setattr(inactivite, "PAR_TRANSACTION", PAR_TRANSACTION)
    now = maintenant()
    p = await creer_organisme(settings)
    d = await creer_gestionnaire(settings, p.organisme_id, role="administrateur_delegue", prenom="Denis", nom="Delegue")
    await derniere_connexion(d, now - timedelta(days=1))
    comptes = []
    for i in range(COMPTES):
        g = await creer_gestionnaire(settings, p.organisme_id, prenom="Lucie", nom=f"Inactive{chr(65 + i)}")
        await cree_le(g, mois_avant(now, 11) - timedelta(days=1))
        comptes.append(g)
    await Courriel.delete().where(Courriel.id > 0)  # the accounts' creation mails
    return {"principal": p, "delegue": d, "comptes": comptes, "now": now}


async def mails(destinataire: str) -> list[tuple[str, str]]:
    lignes = await Courriel.select(Courriel.sujet, Courriel.corps).where(Courriel.destinataire == destinataire)
    return [(c["sujet"], ouvrir(Settings.from_env(), c["corps"])) for c in lignes]


async def non_annonces() -> int:
    """Notices not yet included in their administrators' mail."""
    return await AvisInactivite.count().where(AvisInactivite.administrateurs_avises == False)  # noqa: E712


def compter_par_transaction(monkeypatch) -> list[int]:
    """The holders' notices queued in each write transaction of the run, in order."""
    par_transaction: list[int] = []
    ecriture, mettre_en_file = inactivite.ecriture, file_d_envoi.mettre_en_file

    @asynccontextmanager
    async def compter():
        par_transaction.append(0)
        async with ecriture():
            yield

    async def compter_avis(destinataire, sujet, corps, **kw):
        if kw.get("concerne") is not None:
            par_transaction[-1] += 1
        await mettre_en_file(destinataire, sujet, corps, **kw)

    monkeypatch.setattr(inactivite, "ecriture", compter)
    monkeypatch.setattr(file_d_envoi, "mettre_en_file", compter_avis)
    return par_transaction


async def test_un_arriere_est_avise_par_petites_transactions(arriere, monkeypatch):
    monkeypatch.setattr(inactivite, "LISTE_MAX", 5)
    par_transaction = compter_par_transaction(monkeypatch)
    assert await inactivite.aviser(arriere["now"], 12) == COMPTES
    # No write transaction holds more than a batch: a sign-in waits one batch at most.
    assert max(par_transaction) <= PAR_TRANSACTION and sum(par_transaction) == COMPTES
    assert len([n for n in par_transaction if n]) == 3
    # Every holder told once.
    for g in arriere["comptes"]:
        [(sujet, _)] = await mails(g.courriel)
        assert "votre compte sera suspendu" in sujet
    # Each administrator: one mail for the run, naming LISTE_MAX accounts and counting the rest.
    for admin in (arriere["principal"], arriere["delegue"]):
        [(sujet, corps)] = await mails(admin.courriel)
        assert sujet == f"Portail gestionnaire : {COMPTES} comptes de votre organisme seront suspendus faute d'utilisation"
        assert corps.count("- Mme LUCIE INACTIVE") == 5 and "- et 2 autres comptes" in corps
    assert await Courriel.count() == COMPTES + 2
    # Every notice included in its administrators' mail; a second run sends nothing.
    assert await non_annonces() == 0
    assert await inactivite.aviser(arriere["now"] + timedelta(hours=1), 12) == 0
    assert await Courriel.count() == COMPTES + 2


async def test_une_panne_entre_deux_lots_ne_perd_ni_ne_double_aucun_courriel(arriere, monkeypatch):
    comptes = arriere["comptes"]
    mettre_en_file = file_d_envoi.mettre_en_file
    avis = 0

    async def panne_au_second_lot(destinataire, sujet, corps, **kw):
        nonlocal avis
        if kw.get("concerne") is not None:
            avis += 1
            if avis == PAR_TRANSACTION + 1:
                raise RuntimeError("panne simulée")
        await mettre_en_file(destinataire, sujet, corps, **kw)

    monkeypatch.setattr(file_d_envoi, "mettre_en_file", panne_au_second_lot)
    with pytest.raises(RuntimeError):
        await inactivite.aviser(arriere["now"], 12)
    # The first batch is kept whole (notice, holder's mail); the second left nothing half-written.
    assert await AvisInactivite.count() == PAR_TRANSACTION
    assert await Courriel.count() == PAR_TRANSACTION
    assert not await mails(arriere["principal"].courriel)

    # The next run notices the rest, and tells each administrator once of all seven.
    monkeypatch.setattr(file_d_envoi, "mettre_en_file", mettre_en_file)
    assert await inactivite.aviser(arriere["now"] + timedelta(minutes=5), 12) == COMPTES - PAR_TRANSACTION
    for g in comptes:
        assert len(await mails(g.courriel)) == 1
    for admin in (arriere["principal"], arriere["delegue"]):
        [(sujet, corps)] = await mails(admin.courriel)
        assert sujet.startswith(f"Portail gestionnaire : {COMPTES} comptes")
        assert all(f"({g.identifiant})" in corps for g in comptes)
    assert await Courriel.count() == COMPTES + 2
    assert await inactivite.aviser(arriere["now"] + timedelta(minutes=10), 12) == 0
    assert await Courriel.count() == COMPTES + 2


async def test_un_avis_refait_revient_dans_le_courriel_des_administrateurs(arriere):
    """A holder who signs in after the notice, then stops again: a new notice, told again to the
    administrators (the upsert's update resets the flag)."""
    g = arriere["comptes"][0]
    now = arriere["now"]
    assert await inactivite.aviser(now, 12) == COMPTES
    await derniere_connexion(g, now + timedelta(days=1))
    plus_tard = mois_avant(now, -11) + timedelta(days=2)
    await derniere_connexion(arriere["delegue"], plus_tard)
    await Courriel.delete().where(Courriel.id > 0)
    # The others were suspended meanwhile (a month after their notice): only Lucie A is due.
    await inactivite.suspendre(mois_avant(now, -1) + timedelta(days=1), 12)
    assert await inactivite.aviser(plus_tard, 12) == 1
    [(sujet, corps)] = await mails(arriere["principal"].courriel)
    assert sujet == "Portail gestionnaire : 1 compte de votre organisme sera suspendu faute d'utilisation"
    assert f"({g.identifiant})" in corps
    assert await non_annonces() == 0


async def test_des_avis_devenus_sans_objet_sont_marques_sans_courriel_aux_administrateurs(arriere, monkeypatch):
    """A run that dies after the holders' notices, before the administrators' mail, leaves that
    mail to the next run; if every holder has signed in meanwhile, it tells the administrators
    nothing and the notices are settled all the same."""
    annoncer = inactivite.annoncer

    async def panne(*args, **kwargs):
        raise RuntimeError("panne simulée")

    monkeypatch.setattr(inactivite, "annoncer", panne)
    with pytest.raises(RuntimeError):
        await inactivite.aviser(arriere["now"], 12)
    assert await non_annonces() == COMPTES
    for g in arriere["comptes"]:
        await derniere_connexion(g, arriere["now"] + timedelta(minutes=1))
    monkeypatch.setattr(inactivite, "annoncer", annoncer)
    assert await inactivite.aviser(arriere["now"] + timedelta(minutes=5), 12) == 0
    assert await non_annonces() == 0
    for admin in (arriere["principal"], arriere["delegue"]):
        assert await mails(admin.courriel) == []
