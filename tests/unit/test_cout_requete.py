"""Issue 17: what each request costs, less of it, and the same behaviour. bench/profil.py found
the costs (bench/RESULTS.md, « Où passe le temps »); each test here holds one of them away, while
the other test files hold the behaviour (headers, CSRF, sessions, journal, rights)."""

from __future__ import annotations

import inspect

from web.app import create_app


def test_aucune_garde_ne_passe_par_un_fil(base_vide, settings):
    """Litestar runs a guard written as a plain function in a worker thread (sync_to_thread): a
    thread hop on every request of every page. Every guard of the portal is a coroutine."""
    app = create_app(settings, services=False)
    gardes = {g for route in app.routes for h in route.route_handlers for layer in h.ownership_layers for g in layer.guards or ()}
    assert len(gardes) >= 5
    assert [g.__qualname__ for g in gardes if not inspect.iscoroutinefunction(g)] == []


async def test_sans_courriel_non_remis_personne_n_est_relu(client, admin, monkeypatch):
    """« Gérer les habilitations » asks for the undelivered temporary passwords on every request:
    when there are none (the usual case), that is one query, not a second one reading nobody."""
    from web.comptes import service
    from web.tables import Utilisateur

    moi = await Utilisateur.objects().where(Utilisateur.id == admin.id).first()
    lues = []
    objets = Utilisateur.objects
    monkeypatch.setattr(Utilisateur, "objects", lambda *a, **k: lues.append(a) or objets(*a, **k))
    assert await service.courriels_non_remis(moi, organisme=admin.organisme_id) == []
    assert lues == []


async def test_ce_que_le_demarrage_construit_echappe_au_ramasse_miettes(base_vide, settings):
    """A full collection walked every object start-up built (144,000: modules, routes, templates'
    globals), 103 ms paid by one request in a thousand (bench/RESULTS.md). A served application
    sets them aside when it starts; unit tests' applications (services=False) do not."""
    import gc

    from litestar.testing import AsyncTestClient

    gc.unfreeze()
    try:
        async with AsyncTestClient(create_app(settings, services=False)):
            assert gc.get_freeze_count() == 0
        async with AsyncTestClient(create_app(settings, services=True)) as client:
            assert gc.get_freeze_count() > 100_000
            assert (await client.get("/connexion")).status_code == 200
    finally:
        gc.unfreeze()


async def test_une_connexion_ne_construit_aucune_requete_piccolo(client, admin, settings, monkeypatch):
    """Building Piccolo's insert, update, delete and locking select cost more of a sign-in than
    running them (bench/RESULTS.md, « Où passe le temps »): the sign-in page and its form send
    only hand-written SQL, with its values as parameters."""
    from piccolo.query.base import Query

    from tests.unit.conftest import connecte, creer_gestionnaire, s_identifier

    g = await creer_gestionnaire(settings, admin.organisme_id)
    await connecte(client, g)  # the forced change and the CGU, once
    client.cookies.clear()
    construites = []
    origine = Query.querystrings
    monkeypatch.setattr(Query, "querystrings", property(lambda q: construites.append(type(q).__name__) or origine.fget(q)))
    r = await s_identifier(client, g)
    assert r.status_code == 303 and r.headers["location"] == "/"
    assert construites and set(construites) == {"Raw"}, construites
