"""« Revue des habilitations », the Caisse des Dépôts' list of organisations without a recent review,
and the automatic suspension of unused accounts with its notice a month before."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

import pytest
from litestar.testing import AsyncTestClient

from tests.unit.conftest import connecte, creer_gestionnaire, creer_organisme, jeton, poster, t
from tests.unit.test_cdc import creer_agent
from web import menage
from web.acteur import Acteur
from web.app import create_app
from web.courriels import ouvrir
from web.revue import inactivite
from web.revue import service as revue
from web.settings import Settings
from web.tables import AvisInactivite, Courriel, DecisionRevue, Journal, Organisme, Revue, Session, Utilisateur
from web.temps import maintenant, mois_avant


async def derniere_connexion(compte, quand: datetime | None) -> None:
    await Utilisateur.update({Utilisateur.derniere_connexion: quand}).where(Utilisateur.id == compte.id)


async def cree_le(compte, quand: datetime) -> None:
    await Utilisateur.update({Utilisateur.cree_le: quand}).where(Utilisateur.id == compte.id)


@pytest.fixture
async def monde(client, settings):
    """Organisation 1: principal, a délégué and three gestionnaires (unused for 8 months, never
    signed in, signed in last month); organisation 2: its principal; an agent of the CDC."""
    p = await creer_organisme(settings)
    now = maintenant()
    d = await creer_gestionnaire(settings, p.organisme_id, role="administrateur_delegue", prenom="Denis", nom="Delegue", niveau="cloture")
    vieux = await creer_gestionnaire(settings, p.organisme_id, prenom="Victor", nom="Vieux", niveau="validation")
    jamais = await creer_gestionnaire(settings, p.organisme_id, prenom="Jeanne", nom="Jamais")
    recent = await creer_gestionnaire(settings, p.organisme_id, prenom="Rose", nom="Recent", niveau="consultation")
    await derniere_connexion(vieux, now - timedelta(days=240))
    await derniere_connexion(recent, now - timedelta(days=30))
    await derniere_connexion(d, now - timedelta(days=2))
    x = await creer_organisme(settings, prenom="Xavier", nom="Ailleurs")
    return {
        "principal": p,
        "delegue": d,
        "vieux": vieux,
        "jamais": jamais,
        "recent": recent,
        "autre": x,
        "agent": await creer_agent(settings),
    }


async def test_mois_calendaires():
    assert mois_avant(datetime(2026, 3, 31, tzinfo=UTC), 1) == datetime(2026, 2, 28, tzinfo=UTC)
    assert mois_avant(datetime(2026, 1, 15, tzinfo=UTC), 12) == datetime(2025, 1, 15, tzinfo=UTC)
    assert mois_avant(datetime(2026, 11, 30, tzinfo=UTC), -3) == datetime(2027, 2, 28, tzinfo=UTC)


@pytest.mark.parametrize(
    ("nom", "valeur"), [("PORTAIL_INACTIVITE_MOIS", "1"), ("PORTAIL_INACTIVITE_MOIS", "douze"), ("PORTAIL_REVUE_PERIODE_JOURS", "0")]
)
def test_reglages_bornes(nom, valeur):
    with pytest.raises(SystemExit, match=nom):
        Settings.from_env({"PORTAIL_SECRET_KEY": "x", nom: valeur})
    s = Settings.from_env({"PORTAIL_SECRET_KEY": "x", "PORTAIL_INACTIVITE_MOIS": "6", "PORTAIL_REVUE_PERIODE_JOURS": "180"})
    assert s.inactivite_mois == 6 and s.revue_periode == timedelta(days=180)


async def test_table_des_droits(monde, settings):
    p = monde["principal"]
    async with AsyncTestClient(app=create_app(settings, services=False)) as c:
        await connecte(c, p)
        await poster(c, "/habilitations/revue", "/habilitations/revue", {})
    ids = {"g": monde["recent"].id, "p": p.id, "x": monde["autre"].id}
    routes = [
        ("GET", "/habilitations/revue"), ("POST", "/habilitations/revue"), ("POST", "/habilitations/revue/{g}/confirmer"),
        ("POST", "/habilitations/revue/{g}/niveau"), ("GET", "/habilitations/revue/{g}/suspendre"),
        ("POST", "/habilitations/revue/{p}/confirmer"), ("GET", "/habilitations/revue/{p}/suspendre"),
        ("POST", "/habilitations/revue/{x}/confirmer"), ("POST", "/habilitations/revue/terminer"), ("GET", "/cdc/revues"),
    ]  # fmt: skip
    attendus = {
        #                                           principal, délégué, gestionnaire, autre organisme, agent, anonyme
        "GET /habilitations/revue": (200, 403, 403, 200, 403, 303),
        "POST /habilitations/revue": (303, 403, 403, 303, 403, 303),
        "POST /habilitations/revue/{g}/confirmer": (303, 403, 403, 404, 403, 303),
        "POST /habilitations/revue/{g}/niveau": (303, 403, 403, 404, 403, 303),
        "GET /habilitations/revue/{g}/suspendre": (200, 403, 403, 404, 403, 303),
        "POST /habilitations/revue/{p}/confirmer": (403, 403, 403, 404, 403, 303),  # nobody reviews their own account
        "GET /habilitations/revue/{p}/suspendre": (403, 403, 403, 404, 403, 303),
        "POST /habilitations/revue/{x}/confirmer": (404, 403, 403, 403, 403, 303),
        "POST /habilitations/revue/terminer": (422, 403, 403, 303, 403, 303),  # 422: accounts are left to review
        "GET /cdc/revues": (403, 403, 403, 403, 200, 303),
    }
    for i, acteur in enumerate(["principal", "delegue", "jamais", "autre", "agent", None]):
        async with AsyncTestClient(app=create_app(settings, services=False)) as c:
            if acteur:
                await connecte(c, monde[acteur])
            for methode, chemin in routes:
                url = chemin.format(**ids)
                if methode == "GET":
                    r = await c.get(url, follow_redirects=False)
                else:
                    token = jeton((await c.get("/connexion")).text)
                    r = await c.post(url, data={"_csrf_token": token, "niveau": "creation"}, follow_redirects=False)
                assert r.status_code == attendus[f"{methode} {chemin}"][i], (acteur, methode, url, r.status_code)
    # Only the principal's confirmation of Rose was recorded; nobody else's action was.
    assert [d["utilisateur"] for d in await DecisionRevue.select(DecisionRevue.utilisateur)] == [monde["recent"].id]
    assert (await Utilisateur.objects().where(Utilisateur.id == monde["recent"].id).first()).niveau == "creation"


def ordre_des_lignes(html_texte: str, noms: list[str]) -> list[str]:
    return sorted(noms, key=html_texte.index)


async def test_une_revue_qui_suspend_un_compte(client, monde, settings):
    p = monde["principal"]
    await connecte(client, p)
    # Never reviewed: the principal's home page says so.
    accueil = t(await client.get("/"))
    assert "Votre organisme n'a encore jamais fait de revue des habilitations." in accueil
    r = await client.get("/habilitations")
    assert 'href="/habilitations/revue"' in r.text

    r = await poster(client, "/habilitations/revue", "/habilitations/revue", {})
    assert r.status_code == 303
    page = t(await client.get(r.headers["location"]))
    assert "La revue est commencée" in page and "0 compte examiné sur 4 ; 4 restent à examiner." in page
    # Unused for 6 months first, then never signed in, then the others.
    assert ordre_des_lignes(page, ["VIEUX", "JAMAIS", "DELEGUE", "RECENT"]) == ["VIEUX", "JAMAIS", "RECENT", "DELEGUE"]
    assert "Une revue des habilitations est en cours : terminez-la." in t(await client.get("/"))

    await poster(client, "/habilitations/revue", f"/habilitations/revue/{monde['recent'].id}/confirmer", {"page": "1"})
    r = await poster(client, "/habilitations/revue", f"/habilitations/revue/{monde['delegue'].id}/niveau", {"niveau": "validation"})
    assert r.status_code == 303 and r.headers["location"].endswith(f"fait=modifie#compte-{monde['delegue'].id}")
    # Suspending asks for a confirmation that names the person.
    r = await client.get(f"/habilitations/revue/{monde['vieux'].id}/suspendre")
    assert "Suspendre le compte de Victor VIEUX" in t(r)
    s = AsyncTestClient(app=create_app(settings, services=False))  # Victor has a session open
    async with s:
        await connecte(s, monde["vieux"])
        assert await Session.count().where(Session.utilisateur == monde["vieux"].id) == 1
        r = await poster(
            client,
            f"/habilitations/revue/{monde['vieux'].id}/suspendre",
            f"/habilitations/revue/{monde['vieux'].id}/suspendre",
            {"page": "1"},
        )
        assert r.status_code == 303
        assert (await s.get("/", follow_redirects=False)).headers["location"].startswith("/connexion")
    vieux = await Utilisateur.objects().where(Utilisateur.id == monde["vieux"].id).first()
    assert vieux.statut == "suspendu"

    # Finishing is refused while an account is left to review; the progress was kept.
    r = await poster(client, "/habilitations/revue", "/habilitations/revue/terminer", {})
    assert r.status_code == 422 and "La revue ne peut pas être terminée : 1 compte reste à examiner." in t(r)
    assert "3 comptes examinés sur 4" in t(r)
    await poster(client, "/habilitations/revue", f"/habilitations/revue/{monde['jamais'].id}/confirmer", {"page": "1"})
    r = await poster(client, "/habilitations/revue", "/habilitations/revue/terminer", {})
    assert r.status_code == 303
    page = t(await client.get(r.headers["location"]))
    assert "La revue des habilitations est terminée et enregistrée." in page
    assert "2 confirmés, 1 modifié, 1 suspendu" in page and "Commencer la revue" in page

    fini = await Revue.objects().first()
    assert (fini.terminee_par, fini.confirmes, fini.modifies, fini.suspendus) == (p.id, 2, 1, 1)
    assert (await Utilisateur.objects().where(Utilisateur.id == monde["delegue"].id).first()).niveau == "validation"
    journal = await Journal.select(Journal.type, Journal.cible, Journal.detail).where(Journal.acteur == p.id).order_by(Journal.id)
    types = [
        (j["type"], j["cible"])
        for j in journal
        if j["type"] not in ("connexion", "mot_de_passe_modifie", "cgu_acceptees", "second_facteur", "facteur_ajoute")
    ]
    assert types == [
        ("revue_commencee", None), ("habilitation_confirmee", monde["recent"].id), ("gestionnaire_modifie", monde["delegue"].id),
        ("gestionnaire_suspendu", monde["vieux"].id), ("habilitation_confirmee", monde["jamais"].id), ("revue_terminee", None),
    ]  # fmt: skip
    assert journal[-1]["detail"] == "2 confirmé(s), 1 modifié(s), 1 suspendu(s)"
    # Done: no reminder until the period is over.
    assert "Revue des habilitations" not in t(await client.get("/"))
    await Revue.update({Revue.terminee_le: maintenant() - timedelta(days=366)}).where(Revue.id == fini.id)
    assert "La revue annuelle des habilitations de votre organisme est à faire." in t(await client.get("/"))


async def test_pas_de_rappel_pour_un_principal_seul(client, monde):
    """Nothing to review: an organisation whose only account is its principal's."""
    await connecte(client, monde["autre"])
    assert "revue des habilitations" not in t(await client.get("/"))


async def test_niveau_hors_des_regles_et_revue_terminee(client, monde):
    await connecte(client, monde["principal"])
    await poster(client, "/habilitations/revue", "/habilitations/revue", {})
    cible = monde["recent"].id
    r = await poster(client, "/habilitations/revue", f"/habilitations/revue/{cible}/niveau", {"niveau": "tout", "page": "1"})
    assert "refus=niveau" in r.headers["location"]
    assert "Choisissez un des niveaux d'habilitation proposés." in t(await client.get(r.headers["location"]))
    assert await DecisionRevue.count() == 0
    # The same level is a confirmation.
    await poster(client, "/habilitations/revue", f"/habilitations/revue/{cible}/niveau", {"niveau": "consultation"})
    assert (await DecisionRevue.select(DecisionRevue.decision).first())["decision"] == "confirme"
    # A review finished in another tab takes no more decisions.
    await Revue.update({Revue.terminee_le: maintenant()}).where(Revue.id > 0)
    r = await poster(client, "/habilitations/revue", f"/habilitations/revue/{monde['jamais'].id}/confirmer", {})
    assert r.headers["location"] == "/habilitations/revue?refus=fermee"
    assert await DecisionRevue.count() == 1


async def test_une_seule_revue_ouverte_a_la_fois(monde):
    acteur = Acteur(monde["principal"].id, monde["principal"].organisme_id, "127.0.0.1")
    revues = await asyncio.gather(*(revue.commencer(acteur) for _ in range(5)))
    assert len({r.id for r in revues}) == 1 and await Revue.count() == 1


# --- The Caisse des Dépôts' list ---------------------------------------------------------------


async def test_liste_des_organismes_sans_revue_recente(client, settings):
    agent = await creer_agent(settings)
    jamais = await creer_organisme(settings, prenom="Jules", nom="Jamais")
    ancienne = await creer_organisme(settings, prenom="Anna", nom="Ancienne", type_="operateur")
    recente = await creer_organisme(settings, prenom="Rita", nom="Recente")
    suspendu = await creer_organisme(settings, prenom="Sam", nom="Suspendu")
    await Organisme.update({Organisme.raison_sociale: "MAIRIE DE JAMAIS"}).where(Organisme.id == jamais.organisme_id)
    await Organisme.update({Organisme.raison_sociale: "OFFICE ANCIEN"}).where(Organisme.id == ancienne.organisme_id)
    await Organisme.update({Organisme.raison_sociale: "MAIRIE RECENTE"}).where(Organisme.id == recente.organisme_id)
    await Organisme.update({Organisme.statut: "suspendu"}).where(Organisme.id == suspendu.organisme_id)
    now = maintenant()
    for compte, il_y_a in ((ancienne, 400), (recente, 10)):
        await Revue.insert(Revue(organisme=compte.organisme_id, ouverte_par=compte.id, ouverte_le=now - timedelta(days=il_y_a),
                                 terminee_par=compte.id, terminee_le=now - timedelta(days=il_y_a)))  # fmt: skip
    await derniere_connexion(ancienne, now - timedelta(days=3))
    await connecte(client, agent)

    page = t(await client.get("/cdc/revues"))
    assert "MAIRIE DE JAMAIS" in page and "OFFICE ANCIEN" in page and "MAIRIE RECENTE" not in page
    assert "2 organismes trouvés" in page
    assert (now - timedelta(days=400)).strftime("%d/%m/%Y") in page and (now - timedelta(days=3)).strftime("%d/%m/%Y") in page
    page = t(await client.get("/cdc/revues?jamais=on"))
    assert "MAIRIE DE JAMAIS" in page and "OFFICE ANCIEN" not in page
    page = t(await client.get("/cdc/revues?type=operateur"))
    assert "OFFICE ANCIEN" in page and "MAIRIE DE JAMAIS" not in page
    page = t(await client.get("/cdc/revues?q=mairie"))
    assert "MAIRIE DE JAMAIS" in page and "OFFICE ANCIEN" not in page
    # Bad input is ignored, never a 500.
    r = await client.get("/cdc/revues?type=autre&page=-1&jamais=x&q=" + "z" * 500)
    assert r.status_code == 200
    # A shorter period (PORTAIL_REVUE_PERIODE_JOURS) lists the recent one too.
    async with AsyncTestClient(
        app=create_app(Settings.from_env({**__import__("os").environ, "PORTAIL_REVUE_PERIODE_JOURS": "5"}), services=False)
    ) as c:
        await connecte(c, agent)
        assert "MAIRIE RECENTE" in t(await c.get("/cdc/revues"))


async def test_liste_paginee(client, settings):
    agent = await creer_agent(settings)
    for i in range(23):
        await creer_organisme(settings, prenom="Org", nom=f"N{i:02d}")
    await connecte(client, agent)
    r = await client.get("/cdc/revues")
    assert "page 1 sur 2" in t(r) and 'href="/cdc/revues?page=2"' in r.text
    assert "page 2 sur 2" in t(await client.get("/cdc/revues?page=2"))


# --- Automatic suspension after inactivity -----------------------------------------------------


async def courriels_a(destinataire: str) -> list[tuple[str, str]]:
    lignes = await Courriel.select(Courriel.sujet, Courriel.corps).where(Courriel.destinataire == destinataire)
    return [(c["sujet"], ouvrir(Settings.from_env(), c["corps"])) for c in lignes]


async def test_suspension_apres_inactivite_avec_avis_un_mois_avant(client, monde, settings):
    now = maintenant()
    g, d, p = monde["jamais"], monde["delegue"], monde["principal"]
    # Jeanne never signed in and was created 11 months and a day ago; the délégué last signed in
    # as long ago; the principal more than two years ago; Rose last month.
    il_y_a_11_mois = mois_avant(now, 11) - timedelta(days=1)
    await cree_le(g, il_y_a_11_mois)
    await derniere_connexion(d, il_y_a_11_mois)
    await derniere_connexion(p, now - timedelta(days=800))
    await Courriel.delete().where(Courriel.id > 0)

    assert await inactivite.traiter(now) == 2  # two notices; Victor (8 months) and the principal get none
    assert {a["utilisateur"] for a in await AvisInactivite.select(AvisInactivite.utilisateur)} == {g.id, d.id}
    # 12 months after her creation is in less than a month: the suspension waits a full month after the notice.
    le = mois_avant(now, -1).strftime("%d/%m/%Y")
    # Jeanne, and her administrators: the principal and the délégué, each in one mail for the run.
    sujet, corps = (await courriels_a(g.courriel))[0]
    assert sujet == f"Portail gestionnaire : votre compte sera suspendu le {le} faute d'utilisation"
    assert f"n'a jamais été utilisé depuis sa création le {il_y_a_11_mois.strftime('%d/%m/%Y')}" in corps
    assert "il suffit de vous connecter" in corps
    [(sujet, corps)] = await courriels_a(p.courriel)
    assert sujet == "Portail gestionnaire : 2 comptes de votre organisme seront suspendus faute d'utilisation"
    assert "- Mme JEANNE JAMAIS" in corps and "- Mme DENIS DELEGUE" in corps and f"suspendu le {le}" in corps
    # The délégué is told of the plain gestionnaire only (and of their own account, as its holder).
    mails = await courriels_a(d.courriel)
    assert len(mails) == 2 and "- Mme JEANNE JAMAIS" in mails[1][1] + mails[0][1]
    assert not any("- Mme DENIS DELEGUE" in c for _, c in mails)
    assert await Courriel.count() == 4
    assert await Journal.count().where(Journal.type == "avis_inactivite") == 2

    # Once only: the next runs mail nothing more, and suspend nobody before the month is over.
    assert await inactivite.traiter(now + timedelta(days=1)) == 0
    assert await Courriel.count() == 4
    # The délégué signs in meanwhile: their notice is void.
    await derniere_connexion(d, now + timedelta(days=2))
    # A month and a day later: Jeanne is suspended, her sessions closed, journaled; the délégué stays.
    await Session.insert(Session(jeton_hash="j", utilisateur=g.id, cree_le=now, vu_le=now))
    plus_tard = mois_avant(now, -1) + timedelta(days=2)
    assert await inactivite.traiter(plus_tard) == 1
    statuts = {u["id"]: u["statut"] for u in await Utilisateur.select(Utilisateur.id, Utilisateur.statut)}
    assert statuts[g.id] == "suspendu" and statuts[d.id] == "actif" and statuts[p.id] == "actif"
    assert await Session.count().where(Session.utilisateur == g.id) == 0
    ligne = await Journal.objects().where(Journal.type == "suspension_inactivite").first()
    assert (ligne.cible, ligne.organisme, ligne.acteur) == (g.id, p.organisme_id, None)
    assert ligne.detail == "aucune connexion depuis plus de 12 mois"
    # Idempotent: nothing more to do.
    assert await inactivite.traiter(plus_tard) == 0
    # The principal is never suspended, whatever the date (the organisation would be left without administrator).
    assert await inactivite.traiter(now + timedelta(days=3000)) >= 0
    assert (await Utilisateur.objects().where(Utilisateur.id == p.id).first()).statut == "actif"
    # The administrator reads it in the account's history.
    await connecte(client, p)
    assert "Compte suspendu automatiquement (inactivité)" in t(await client.get(f"/habilitations/{g.id}"))


async def test_une_suspension_attend_toujours_un_mois_apres_l_avis(monde):
    """An account already unused for 13 months when the task first sees it: told first, suspended a month later."""
    now = maintenant()
    g = monde["vieux"]
    await derniere_connexion(g, mois_avant(now, 13))
    assert await inactivite.traiter(now) == 1  # the notice only
    assert (await Utilisateur.objects().where(Utilisateur.id == g.id).first()).statut == "actif"
    assert await inactivite.traiter(now + timedelta(days=20)) == 0
    assert await inactivite.traiter(mois_avant(now, -1) + timedelta(minutes=1)) == 1
    assert (await Utilisateur.objects().where(Utilisateur.id == g.id).first()).statut == "suspendu"


async def test_un_compte_reactive_repart_pour_une_periode(client, monde):
    now = maintenant()
    g = monde["vieux"]
    await derniere_connexion(g, mois_avant(now, 13))
    await inactivite.traiter(now - timedelta(days=40))
    assert await inactivite.traiter(now) == 1
    # The principal reactivates Victor: the next runs neither suspend him again nor mail him.
    await connecte(client, monde["principal"])
    r = await poster(client, f"/habilitations/{g.id}", f"/habilitations/{g.id}/reactiver", {})
    assert r.status_code == 303
    assert (await Utilisateur.objects().where(Utilisateur.id == g.id).first()).statut == "actif"
    assert await inactivite.traiter(now + timedelta(hours=1)) == 0
    assert (await Utilisateur.objects().where(Utilisateur.id == g.id).first()).statut == "actif"
    # 11 months after the reactivation, a new notice (the others of the organisation get theirs too).
    assert await Journal.count().where((Journal.type == "avis_inactivite") & (Journal.cible == g.id)) == 1
    await inactivite.traiter(mois_avant(now, -11) + timedelta(days=1))
    assert await Journal.count().where((Journal.type == "avis_inactivite") & (Journal.cible == g.id)) == 2


async def test_le_menage_suspend_les_comptes_inactifs(monde):
    await derniere_connexion(monde["vieux"], mois_avant(maintenant(), 12))
    resultats = await menage.executer()
    assert resultats["comptes_inactifs"] == 1  # the notice
