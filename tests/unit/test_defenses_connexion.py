"""Sign-in under attack (issue 11): the lock cannot overflow, counters are reserved before the
password is checked, a stranger's failures never lock out a browser that signed in before, the
owner hears of a lock, every failure and lock is journaled; sessions end after 12 hours and a
sign-in racing a suspension opens nothing."""

from __future__ import annotations

import asyncio
import dataclasses
from datetime import timedelta

from litestar.testing import AsyncTestClient

from tests.unit.conftest import connecte, creer_gestionnaire, jeton, poster, second_facteur, t
from web.acteur import Acteur
from web.app import create_app
from web.connexion import verrou
from web.tables import Courriel, Journal, Session, Utilisateur
from web.temps import maintenant

FAUX = "Mauvais123abc"


async def se_connecter(client, identifiant, mot_de_passe):
    return await poster(client, "/connexion", "/connexion", {"identifiant": identifiant, "mot_de_passe": mot_de_passe})


async def client_neuf(settings):
    c = AsyncTestClient(app=create_app(settings, services=False))
    await c.__aenter__()
    return c


# --- 1. The doubling cannot overflow ----------------------------------------------------------


def test_le_delai_ne_deborde_jamais():
    # 2 ** 41 minutes is beyond timedelta: it used to raise before the 30-minute ceiling applied.
    for echecs in (46, 1000, 10**9):
        assert verrou.delai(echecs) == timedelta(minutes=30)


async def test_quarante_six_echecs_et_plus_restent_des_echecs(client, admin):
    """Failures past the 46th are still refused, journaled, and the right password still waits."""
    await se_connecter(client, admin.identifiant, FAUX)
    for n in (45, 46, 100):
        # As if the series had gone on that long, the last lock being over.
        await verrou.Compteur.update({verrou.Compteur.echecs: n, verrou.Compteur.verrou_jusqua: maintenant() - timedelta(seconds=1)}).where(
            verrou.Compteur.cle.like(f"c|{admin.identifiant}|%")
        )
        r = await se_connecter(client, admin.identifiant, FAUX)
        assert r.status_code == 422 and "vous pourrez réessayer dans 30 minutes" in t(r)
    r = await se_connecter(client, admin.identifiant, admin.mot_de_passe)
    assert r.status_code == 422 and "Trop de tentatives pour cet identifiant" in t(r)
    assert await Journal.count().where(Journal.type == "connexion_verrou") == 3


# --- 3. Device cookies: a stranger's failures never lock out the real user -----------------------


async def test_un_inconnu_ne_bloque_pas_le_navigateur_qui_s_est_deja_connecte(client, admin, settings):
    await connecte(client, admin)  # this browser now carries a device cookie for the identifiant
    await poster(client, "/", "/deconnexion", {})
    inconnu = await client_neuf(settings)
    try:
        for _ in range(8):
            r = await se_connecter(inconnu, admin.identifiant, FAUX)
        assert "Trop de tentatives pour cet identifiant" in t(r)
        # The stranger's lock holds even with the right password; the real user's browser signs in.
        assert "Trop de tentatives" in t(await se_connecter(inconnu, admin.identifiant, admin.mot_de_passe))
        r = await se_connecter(client, admin.identifiant, admin.mot_de_passe)
        assert r.status_code == 303 and r.headers["location"] == "/connexion/second-facteur"
        r = await second_facteur(client, admin, r)
        assert r.status_code == 303 and r.headers["location"] == "/"
    finally:
        await inconnu.__aexit__(None, None, None)


async def test_la_limite_par_adresse_epargne_les_postes_reconnus(client, admin, settings, monkeypatch):
    """Behind a proxy every client may share one address: strangers' failures from it never block
    a browser that signed in before, while other unknown clients of that address wait."""
    monkeypatch.setattr(verrou, "MAX_PAR_ADRESSE", 6)
    await connecte(client, admin)
    await poster(client, "/", "/deconnexion", {})
    inconnu = await client_neuf(settings)
    try:
        for i in range(7):
            r = await se_connecter(inconnu, f"AUTRE{i:03d}", FAUX)
        assert "Trop de tentatives depuis votre poste" in t(r)
        # Another unknown client of the same address waits too, whatever the identifiant.
        assert "Trop de tentatives depuis votre poste" in t(await se_connecter(inconnu, admin.identifiant, admin.mot_de_passe))
        r = await se_connecter(client, admin.identifiant, admin.mot_de_passe)
        assert r.status_code == 303
    finally:
        await inconnu.__aexit__(None, None, None)


async def test_un_poste_reconnu_a_son_propre_compteur(client, admin, settings):
    await connecte(client, admin)
    await poster(client, "/", "/deconnexion", {})
    for _ in range(verrou.SEUIL):
        r = await se_connecter(client, admin.identifiant, FAUX)
    assert "vous pourrez réessayer dans 1 minute" in t(r)
    assert "Trop de tentatives" in t(await se_connecter(client, admin.identifiant, admin.mot_de_passe))
    # Its own failures locked it, and nobody else: no mail, since the owner's own browser failed.
    assert not await Courriel.exists().where(Courriel.sujet.like("%tentatives de connexion%"))
    autre = await client_neuf(settings)
    try:
        assert (await se_connecter(autre, admin.identifiant, admin.mot_de_passe)).status_code == 303
    finally:
        await autre.__aexit__(None, None, None)


async def test_un_cookie_d_appareil_falsifie_ne_compte_pas(client, admin, settings):
    await connecte(client, admin)
    vrai = client.cookies.get("portail_appareil")
    assert vrai and admin.identifiant in vrai
    ident, nonce, signature = vrai.split(".")[0].split(":")
    inconnu = await client_neuf(settings)
    try:
        inconnu.cookies.set("portail_appareil", f"{ident}:{nonce}:{signature[:-2]}AA")
        for _ in range(verrou.SEUIL):
            r = await se_connecter(inconnu, admin.identifiant, FAUX)
        assert "Trop de tentatives" in t(r)
        # Those failures were counted as a stranger's: the real browser still signs in.
        await poster(client, "/", "/deconnexion", {})
        assert (await se_connecter(client, admin.identifiant, admin.mot_de_passe)).status_code == 303
    finally:
        await inconnu.__aexit__(None, None, None)


async def test_le_titulaire_du_compte_est_prevenu_une_fois(client, admin, settings):
    for _ in range(verrou.SEUIL):
        await se_connecter(client, admin.identifiant, FAUX)
    alertes = Courriel.sujet.like("%tentatives de connexion%")
    assert await Courriel.count().where(alertes & (Courriel.destinataire == admin.courriel)) == 1
    # The next lock of the series tells nothing new.
    await verrou.Compteur.update({verrou.Compteur.verrou_jusqua: maintenant() - timedelta(seconds=1)}, force=True)
    r = await se_connecter(client, admin.identifiant, FAUX)
    assert "vous pourrez réessayer dans 2 minutes" in t(r)
    assert await Courriel.count().where(alertes) == 1
    # An unknown identifiant locks the same way, and nobody is mailed.
    for _ in range(verrou.SEUIL):
        r = await se_connecter(client, "QZQZ9999", FAUX)
    assert "vous pourrez réessayer dans 1 minute" in t(r)
    assert await Courriel.count().where(alertes) == 1


async def test_chaque_echec_et_chaque_blocage_sont_journalises(client, admin):
    for _ in range(verrou.SEUIL + 2):
        await se_connecter(client, admin.identifiant, FAUX)
    lignes = (
        await Journal.select(Journal.type, Journal.detail, Journal.cible)
        .where(Journal.identifiant_saisi == admin.identifiant)
        .order_by(Journal.id)
    )
    assert [j["type"] for j in lignes] == ["connexion_echec"] * 5 + ["connexion_verrou"] + ["connexion_refusee"] * 2
    assert all(j["cible"] == admin.id for j in lignes[:6])
    assert lignes[5]["detail"] == "1 min, poste inconnu"


async def test_un_renouvellement_efface_les_compteurs(client, admin, settings):
    from web.comptes.service import renouveler_mot_de_passe
    from web.tables import Utilisateur as U

    for _ in range(verrou.SEUIL):
        await se_connecter(client, admin.identifiant, FAUX)
    u = await U.objects().where(U.id == admin.id).first()
    await renouveler_mot_de_passe(settings, u, Acteur())
    assert not await verrou.Compteur.exists().where(verrou.Compteur.cle.like(f"c|{admin.identifiant}|%"))


async def test_purger_les_series_terminees(base_vide):
    now = maintenant()
    await verrou.reserver("c|ANCIEN|inconnu", now - timedelta(days=2))
    await verrou.reserver("c|RECENT|inconnu", now)
    assert await verrou.purger(now) == 1  # quiet for more than verrou.OUBLI (24 h)
    assert [c["cle"] for c in await verrou.Compteur.select(verrou.Compteur.cle)] == ["c|RECENT|inconnu"]


# --- Sessions: 12 hours at most; a sign-in racing a suspension opens nothing ---------------------


async def test_une_session_finit_apres_douze_heures_meme_active(client, admin):
    await connecte(client, admin)
    await Session.update({Session.cree_le: maintenant() - timedelta(hours=12, minutes=1)}).where(Session.utilisateur == admin.id)
    r = await client.get("/", follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"] == "/connexion?expiree=1"
    assert await Session.count() == 0


async def test_la_duree_maximale_se_regle(admin, settings):
    courte = dataclasses.replace(settings, session_duree_max=timedelta(hours=1))
    async with AsyncTestClient(app=create_app(courte, services=False)) as c:
        await connecte(c, admin)
        await Session.update({Session.cree_le: maintenant() - timedelta(minutes=61)}).where(Session.utilisateur == admin.id)
        assert (await c.get("/", follow_redirects=False)).status_code == 303


async def test_une_connexion_suspendue_pendant_la_verification_n_ouvre_rien(client, admin, settings, monkeypatch):
    from web.comptes import authentification as routes
    from web.habilitations.service import changer_statut

    g = await creer_gestionnaire(settings, admin.organisme_id)
    await connecte(client, g)
    await poster(client, "/", "/deconnexion", {})
    principal = await Utilisateur.objects().where(Utilisateur.id == admin.id).first()
    cible = await Utilisateur.objects().where(Utilisateur.id == g.id).first()
    vrai = routes.verifier

    async def verifier_puis_suspendre(hash_, mot_de_passe):
        ok = await vrai(hash_, mot_de_passe)
        await changer_statut(Acteur.de(principal, ""), cible, "suspendu")  # between the check and the session
        return ok

    monkeypatch.setattr(routes, "verifier", verifier_puis_suspendre)
    r = await se_connecter(client, g.identifiant, g.mot_de_passe)
    assert r.status_code == 422 and "portail_session" not in r.headers.get("set-cookie", "")
    assert await Session.count().where(Session.utilisateur == g.id) == 0
    monkeypatch.setattr(routes, "verifier", vrai)
    await changer_statut(Acteur.de(principal, ""), cible, "actif")
    assert (await client.get("/", follow_redirects=False)).headers["location"].startswith("/connexion")


async def test_une_suspension_en_cours_de_transaction_est_vue_par_la_connexion(client, admin, settings, monkeypatch):
    """The suspension's transaction is still open when the session is about to be written: the
    sign-in waits for it, then sees the account suspended (a share lock on PostgreSQL, the write
    lock on SQLite)."""
    from web import sessions
    from web.comptes import authentification as routes
    from web.db import ecriture
    from web.tables import SUSPENDU

    g = await creer_gestionnaire(settings, admin.organisme_id)
    await connecte(client, g)
    await poster(client, "/", "/deconnexion", {})
    commencee, vrai = asyncio.Event(), routes.verifier

    async def suspendre():
        async with ecriture():
            await Utilisateur.update({Utilisateur.statut: SUSPENDU}).where(Utilisateur.id == g.id)
            await sessions.fermer_toutes(g.id)
            commencee.set()
            await asyncio.sleep(0.5)

    async def verifier_pendant_la_suspension(hash_, mot_de_passe):
        ok = await vrai(hash_, mot_de_passe)
        asyncio.get_running_loop().create_task(suspendre())
        await commencee.wait()
        return ok

    monkeypatch.setattr(routes, "verifier", verifier_pendant_la_suspension)
    r = await se_connecter(client, g.identifiant, g.mot_de_passe)
    assert r.status_code == 422
    await asyncio.sleep(0.6)
    assert await Session.count().where(Session.utilisateur == g.id) == 0


# --- 4. Live password feedback: limited per address -----------------------------------------------


async def test_l_evaluation_en_direct_est_limitee_par_adresse(client, monkeypatch):
    from web.connexion import routes

    monkeypatch.setattr(routes, "RALENTI_S", 0)
    token = jeton((await client.get("/mot-de-passe/premiere-connexion")).text)
    for _ in range(60):
        r = await client.post("/mot-de-passe/evaluer", data={"_csrf_token": token, "nouveau": "Kq7vTz9mWr4pX"})
        assert r.status_code == 200
    r = await client.post("/mot-de-passe/evaluer", data={"_csrf_token": token, "nouveau": "Kq7vTz9mWr4pX"})
    assert r.status_code == 429 and "Trop de demandes" in t(r)
    # Only that route: the rest of the portal answers as usual.
    assert (await client.get("/aide")).status_code == 200
    assert (await se_connecter(client, "QQQQ1111", FAUX)).status_code == 422


# --- 13. French passwords and the organisation's name, in the forms -----------------------------


async def test_le_changement_de_mot_de_passe_refuse_le_francais_courant_et_l_organisme(client, admin):
    for nouveau, message in (("Motdepasse123", "trop courant"), ("Employeur2024ab", "ni le nom de votre organisme")):
        r = await poster(
            client,
            "/connexion",
            "/mot-de-passe/premiere-connexion",
            {"identifiant": admin.identifiant, "ancien": admin.mot_de_passe, "nouveau": nouveau, "confirmation": nouveau},
        )
        assert r.status_code == 422 and message in t(r), nouveau
    assert (await Utilisateur.objects().where(Utilisateur.id == admin.id).first()).mot_de_passe_temporaire
