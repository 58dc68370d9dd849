"""Mot de passe oublié: who hears of a request, who may serve it, the limits, bad input, the CLI."""

from __future__ import annotations

from datetime import timedelta

from litestar.testing import AsyncTestClient

from tests.unit.conftest import connecte, creer_gestionnaire, creer_organisme, jeton, poster, t
from tests.unit.test_cli import portail
from web.app import create_app
from web.comptes.service import ouvrir_compte
from web.db import ecriture, moteur
from web.renouvellement import service
from web.renouvellement.routes import NEUTRE
from web.tables import Courriel, DemandeOubli, DemandeRenouvellement, Journal, Utilisateur

OUBLI = "/mot-de-passe/oublie"


async def oublier(client, identifiant: str):
    r = await poster(client, OUBLI, OUBLI, {"identifiant": identifiant})
    await service.traiter_demandes(client.app.state.settings)  # what the background task of `portail serve` does
    return r


async def alertes() -> set[str]:
    """Who was told of a request."""
    lignes = await Courriel.select(Courriel.destinataire).where(Courriel.sujet.like("%demande de renouvellement%"))
    return {c["destinataire"] for c in lignes}


async def creer_agent(settings, courriel: str = "agent@cdc.example") -> Utilisateur:
    async with ecriture():
        u = Utilisateur(organisme=None, role="agent_cdc", civilite="M.", prenom="Cyril", nom="CAISSE", courriel=courriel)
        await ouvrir_compte(settings, u)
    return u


async def test_un_gestionnaire_alerte_le_principal_et_les_delegues(client, admin, settings):
    d = await creer_gestionnaire(settings, admin.organisme_id, role="administrateur_delegue", prenom="Denis", nom="Delegue")
    g = await creer_gestionnaire(settings, admin.organisme_id)
    autre_g = await creer_gestionnaire(settings, admin.organisme_id, prenom="Paul", nom="Pair")
    await creer_agent(settings)
    r = await oublier(client, g.identifiant)
    assert r.status_code == 200 and NEUTRE in t(r)
    assert await alertes() == {admin.courriel, d.courriel}  # neither a fellow gestionnaire nor the Caisse des Dépôts
    assert autre_g.courriel not in await alertes()
    ligne = await Journal.objects().where(Journal.type == "renouvellement_demande").first()
    assert ligne.cible == g.id and ligne.detail == "transmise"
    # The délégué serves it: the request closes, the password is renewed and mailed to the person.
    await connecte(client, d)
    r = await client.get("/habilitations/demandes")
    assert g.identifiant in t(r) and "Renouveler le mot de passe" in t(r)
    demande = await DemandeRenouvellement.objects().first()
    r = await poster(client, "/habilitations/demandes", f"/habilitations/demandes/{demande.id}/renouveler", {})
    assert r.status_code == 303 and r.headers["location"].endswith("fait=renouvele")
    demande = await DemandeRenouvellement.objects().first()
    assert (demande.statut, demande.traitee_par) == ("traitee", d.id) and demande.traitee_le is not None
    assert await Courriel.exists().where(Courriel.destinataire == g.courriel)
    # Served twice (two administrators at once): nothing renewed again, and the page says so.
    avant = await Courriel.count()
    r = await poster(client, "/habilitations/demandes", f"/habilitations/demandes/{demande.id}/renouveler", {})
    assert r.status_code == 303 and r.headers["location"].endswith("fait=deja")
    assert "déjà été traitée" in t(await client.get(r.headers["location"]))
    assert await Courriel.count() == avant


async def test_un_principal_alerte_la_caisse_des_depots_seule(client, admin, settings):
    d = await creer_gestionnaire(settings, admin.organisme_id, role="administrateur_delegue", prenom="Denis", nom="Delegue")
    agent = await creer_agent(settings)
    await oublier(client, admin.identifiant)
    assert await alertes() == {agent.courriel}
    demande = await DemandeRenouvellement.objects().first()
    # Neither the principal's délégué nor the principal may serve it in the portal.
    await connecte(client, d)
    assert "Aucune demande en attente." in t(await client.get("/habilitations/demandes"))
    r = await poster(client, "/habilitations/demandes", f"/habilitations/demandes/{demande.id}/renouveler", {})
    assert r.status_code == 403
    assert (await DemandeRenouvellement.objects().first()).statut == "en_attente"
    # The Caisse des Dépôts lists and serves it with the `portail` command.
    code, out, err = await portail("demandes", "lister")
    assert code == 0, err
    assert admin.identifiant in out and f"{demande.id}\t" in out
    code, out, err = await portail("demandes", "servir", str(demande.id))
    assert code == 0, err
    assert (await DemandeRenouvellement.objects().first()).statut == "traitee"
    assert (await Utilisateur.objects().where(Utilisateur.id == admin.id).first()).mot_de_passe_temporaire
    code, _, err = await portail("demandes", "servir", str(demande.id))
    assert code != 0 and "aucune demande en attente" in err


async def test_la_commande_ne_sert_pas_les_demandes_des_gestionnaires(client, admin, settings):
    g = await creer_gestionnaire(settings, admin.organisme_id)
    await oublier(client, g.identifiant)
    demande = await DemandeRenouvellement.objects().first()
    code, out, _ = await portail("demandes", "lister")
    assert code == 0 and g.identifiant not in out
    code, _, err = await portail("demandes", "servir", str(demande.id))
    assert code != 0 and "son administrateur la traite" in err
    assert (await DemandeRenouvellement.objects().first()).statut == "en_attente"


async def test_un_autre_organisme_ne_voit_ni_ne_sert_la_demande(client, admin, settings):
    g = await creer_gestionnaire(settings, admin.organisme_id)
    await oublier(client, g.identifiant)
    demande = await DemandeRenouvellement.objects().first()
    etranger = await creer_organisme(settings, prenom="Zoe", nom="Autre")
    await connecte(client, etranger)
    assert g.identifiant not in t(await client.get("/habilitations/demandes"))
    r = await poster(client, "/habilitations/demandes", f"/habilitations/demandes/{demande.id}/renouveler", {})
    assert r.status_code == 403
    assert (await DemandeRenouvellement.objects().first()).statut == "en_attente"
    # An unknown id is no 500.
    r = await poster(client, "/habilitations/demandes", "/habilitations/demandes/999999/renouveler", {})
    assert r.status_code == 303 and r.headers["location"].endswith("fait=deja")
    assert (await client.post("/habilitations/demandes/abc/renouveler", data={"_csrf_token": "x"})).status_code in (403, 404)


async def test_trois_demandes_par_jour_au_plus(client, admin, settings):
    g = await creer_gestionnaire(settings, admin.organisme_id)
    for _ in range(3):
        assert NEUTRE in t(await oublier(client, g.identifiant))
        await DemandeRenouvellement.update({DemandeRenouvellement.statut: "traitee"}, force=True)
    r = await oublier(client, g.identifiant)
    assert r.status_code == 200 and NEUTRE in t(r)
    assert await DemandeRenouvellement.count() == 3  # the fourth of the day is dropped, silently
    # A day later the person may ask again.
    await DemandeRenouvellement.update({DemandeRenouvellement.cree_le: DemandeRenouvellement.cree_le - timedelta(hours=25)}, force=True)
    await oublier(client, g.identifiant)
    assert await DemandeRenouvellement.count() == 4


async def test_reponse_neutre_pour_un_compte_suspendu_ou_inconnu(client, admin, settings):
    g = await creer_gestionnaire(settings, admin.organisme_id)
    await Utilisateur.update({Utilisateur.statut: "suspendu"}).where(Utilisateur.id == g.id)
    suspendu = await oublier(client, g.identifiant)
    inconnu = await oublier(client, "QQQQ0000")
    connu = await oublier(client, admin.identifiant)
    corps = {r.text.replace(jeton(r.text), "") for r in (suspendu, inconnu, connu)}
    assert len(corps) == 1 and {r.status_code for r in (suspendu, inconnu, connu)} == {200}
    assert await DemandeRenouvellement.count() == 1  # only the active account's
    # Each path did the same kind of work: one journal line in a write transaction.
    assert await Journal.count().where(Journal.type == "renouvellement_demande") == 3
    # Lower case and surrounding spaces are the same identifiant, as at sign-in.
    await DemandeRenouvellement.update({DemandeRenouvellement.statut: "traitee"}, force=True)
    await oublier(client, f"  {admin.identifiant.lower()} ")
    assert await DemandeRenouvellement.count() == 2


async def test_saisies_refusees(client):
    for saisie, message in [("", "Saisissez votre identifiant."), ("   ", "Saisissez votre identifiant."),
                            ("x" * 10_000, "Cet identifiant n'est pas au bon format."), ("é" * 40, "pas au bon format")]:  # fmt: skip
        r = await oublier(client, saisie)
        assert r.status_code == 422 and message in t(r), saisie
    r = await client.post(OUBLI, data={"_csrf_token": "faux", "identifiant": "AMAR1234"})
    assert r.status_code == 403
    assert await DemandeRenouvellement.count() == 0 and await Journal.count() == 0
    r = await oublier(client, "<script>1</script>")  # punctuation is dropped, as at sign-in: the neutral answer
    assert r.status_code == 200 and NEUTRE in t(r) and "<script>1" not in r.text


async def test_demandes_reservees_aux_administrateurs(client, admin, settings):
    g = await creer_gestionnaire(settings, admin.organisme_id)
    assert (await client.get("/habilitations/demandes", follow_redirects=False)).status_code == 303  # signed out: to sign-in
    await connecte(client, g)
    assert (await client.get("/habilitations/demandes")).status_code == 403
    assert "Demandes de renouvellement" not in t(await client.get("/profil"))
    async with AsyncTestClient(app=create_app(settings, services=False)) as c:
        await connecte(c, admin)
        menu = t(await c.get("/profil"))
        assert "Gérer les habilitations Demandes de renouvellement" in menu


async def test_le_verrou_renvoie_vers_mot_de_passe_oublie(client, admin):
    for _ in range(5):
        r = await poster(client, "/connexion", "/connexion", {"identifiant": admin.identifiant, "mot_de_passe": "Faux12345abc"})
    assert "Trop de tentatives" in t(r) and "Mot de passe oublié" in t(r) and "administrateur pourra le renouveler" in t(r)


async def test_deux_demandes_au_meme_instant_n_en_font_qu_une(client, admin, settings):
    import asyncio

    g = await creer_gestionnaire(settings, admin.organisme_id)
    await asyncio.gather(*(service.demander(settings, g.identifiant, f"10.0.0.{i}") for i in range(4)))
    assert await DemandeRenouvellement.count() == 1
    assert await Journal.count().where(Journal.type == "renouvellement_demande") == 4


# --- Issue 11, finding 8: the same work and the same answer for known and unknown identifiants ---


def requetes_sql(monkeypatch) -> list[str]:
    """The statements the database runs (their text, without the values)."""
    classe = type(moteur())
    vues: list[str] = []
    vrai = classe.run_querystring

    async def espion(self, querystring, in_pool=True):
        vues.append(querystring.compile_string(engine_type=self.engine_type)[0])
        return await vrai(self, querystring, in_pool=in_pool)

    monkeypatch.setattr(classe, "run_querystring", espion)
    return vues


async def test_la_demande_fait_le_meme_travail_pour_un_identifiant_connu_ou_non(client, admin, settings, monkeypatch):
    g = await creer_gestionnaire(settings, admin.organisme_id)
    token = jeton((await client.get(OUBLI)).text)
    traces, reponses = [], []
    for identifiant in (g.identifiant, "QQQQ0000"):
        vues = requetes_sql(monkeypatch)
        reponses.append(await client.post(OUBLI, data={"_csrf_token": token, "identifiant": identifiant}))
        traces.append(list(vues))
        monkeypatch.undo()
    assert traces[0] == traces[1] and traces[0]
    assert not any("utilisateur" in q for q in traces[0])  # nobody's account is looked up in the request
    assert reponses[0].status_code == reponses[1].status_code == 200
    assert reponses[0].text == reponses[1].text and NEUTRE in t(reponses[0])
    # Queued as typed; handled afterwards, by the background task.
    assert await DemandeOubli.count() == 2 and await DemandeRenouvellement.count() == 0
    assert await service.traiter_demandes(settings) == 2
    assert await DemandeOubli.count() == 0 and await DemandeRenouvellement.count() == 1
    assert await alertes() == {admin.courriel}


async def test_dix_demandes_par_heure_et_par_adresse(client, settings):
    for i in range(12):
        r = await oublier(client, f"ZZZZ{i:04d}")
        assert r.status_code == 200 and NEUTRE in t(r)
    assert await Journal.count().where(Journal.type == "renouvellement_demande") == service.MAX_PAR_ADRESSE


async def test_deux_instances_ne_traitent_pas_deux_fois_une_demande(client, admin, settings):
    import asyncio

    g = await creer_gestionnaire(settings, admin.organisme_id)
    await poster(client, OUBLI, OUBLI, {"identifiant": g.identifiant})
    assert sum(await asyncio.gather(service.traiter_demandes(settings), service.traiter_demandes(settings))) == 1
    assert await DemandeRenouvellement.count() == 1 and await Journal.count().where(Journal.type == "renouvellement_demande") == 1
