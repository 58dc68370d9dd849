"""Dossiers de formation through the test client: each action offered and accepted only at its
level (operateur) or always (employeur public), refused on the server otherwise, journaled and
in the dossier's history; closures debit once, never below zero, even when two close together."""

from __future__ import annotations

import asyncio
import datetime as dt

import pytest

from tests.unit.conftest import connecte, creer_gestionnaire, creer_organisme, jeton, poster, t
from tests.unit.test_titulaires import NIR, gestionnaire, titulaire
from web.acteur import Acteur
from web.dossiers import service
from web.dossiers import transitions as tr
from web.tables import Dossier, HistoriqueDossier, Journal, Mouvement, Utilisateur
from web.titulaires.service import solde

FORM = {
    "intitule": "Anglais professionnel",
    "organisme_formation": "Centre de langues",
    "date_debut": "2025-03-01",
    "date_fin": "2025-03-31",
    "heures_prevues": "30",
}


async def dossier(org_id: int, tid: int, statut=tr.ELABORATION, heures=30) -> int:
    now = dt.datetime.now(dt.UTC)
    d = Dossier(titulaire=tid, organisme=org_id, intitule="Bureautique", organisme_formation="Centre", date_debut=dt.date(2025, 1, 6),
                date_fin=dt.date(2025, 1, 10), heures_prevues=heures, statut=statut, cree_le=now, modifie_le=now)  # fmt: skip
    await d.save()
    return d.id


async def statut(did: int) -> str | None:
    row = await Dossier.select(Dossier.statut).where(Dossier.id == did).first()
    return row["statut"] if row else None


# --- Rights table: every route × every level × both kinds --------------------------------------

NIVEAUX = [None, "consultation", "creation", "validation", "cloture"]
RANG = {n: i for i, n in enumerate(NIVEAUX)}
# (method, url template, statut of the dossier, data, required level, success status)
ROUTES = [
    ("GET", "/titulaires/{tid}", None, None, "consultation", 200),
    ("POST", "/titulaires/{tid}/coordonnees", None, {"courriel": "a@example.fr"}, "consultation", 303),
    ("GET", "/titulaires/{tid}/dossiers/nouveau", None, None, "creation", 200),
    ("POST", "/titulaires/{tid}/dossiers/nouveau", None, FORM, "creation", 303),
    ("GET", "/dossiers/{did}", tr.ELABORATION, None, "consultation", 200),
    ("GET", "/dossiers/{did}/modifier", tr.ELABORATION, None, "creation", 200),
    ("POST", "/dossiers/{did}/modifier", tr.ELABORATION, FORM, "creation", 303),
    ("GET", "/dossiers/{did}/supprimer", tr.ELABORATION, None, "creation", 200),
    ("POST", "/dossiers/{did}/supprimer", tr.ELABORATION, {}, "creation", 303),
    ("POST", "/dossiers/{did}/valider", tr.ELABORATION, {}, "validation", 303),
    ("POST", "/dossiers/{did}/rejeter", tr.ELABORATION, {"motif": "Hors CPF"}, "validation", 303),
    ("POST", "/dossiers/{did}/renvoyer", tr.VALIDE, {"motif": "Non éligible"}, "validation", 303),
    ("POST", "/dossiers/{did}/cloturer", tr.VALIDE, {"heures_realisees": "20"}, "cloture", 303),
    ("GET", "/cloture-simplifiee", None, None, "cloture", 200),
]


@pytest.mark.parametrize("type_", ["operateur", "employeur_public"])
@pytest.mark.parametrize("niveau", NIVEAUX)
async def test_table_des_droits(client, settings, type_, niveau):
    g = await gestionnaire(client, settings, type_, niveau)
    tid = await titulaire(g.organisme_id)
    page = await client.get("/profil")
    token = jeton(page.text)
    for methode, url, st, data, requis, ok in ROUTES:
        did = await dossier(g.organisme_id, tid, st) if st else 0
        u = url.format(tid=tid, did=did)
        if methode == "GET":
            r = await client.get(u, follow_redirects=False)
        else:
            r = await client.post(u, data={"_csrf_token": token, **data}, follow_redirects=False)
        permis = type_ == "employeur_public" or (niveau is not None and RANG[niveau] >= RANG[requis])
        assert r.status_code == (ok if permis else 403), (methode, u, niveau, r.status_code)


@pytest.mark.parametrize("url", ["/dossiers/{did}", "/dossiers/{did}/modifier"])
async def test_dossier_d_un_autre_organisme_404(client, settings, url):
    autre = await creer_organisme(settings)
    did = await dossier(autre.organisme_id, await titulaire(autre.organisme_id))
    await gestionnaire(client, settings)
    assert (await client.get(url.format(did=did))).status_code == 404
    r = await poster(client, "/profil", f"/dossiers/{did}/valider", {})
    assert r.status_code == 404 and await statut(did) == tr.ELABORATION


# --- Journeys ----------------------------------------------------------------------------------


async def test_creer_modifier_supprimer(client, settings):
    g = await gestionnaire(client, settings, "operateur", "creation")
    tid = await titulaire(g.organisme_id)
    nouveau = f"/titulaires/{tid}/dossiers/nouveau"
    r = await poster(client, nouveau, nouveau, {**FORM, "intitule": "", "date_fin": "2025-02-01", "heures_prevues": "-3"})
    assert r.status_code == 422
    assert "Saisissez le champ « Intitulé de la formation »" in t(r) and "postérieure" in t(r) and "nombre entier" in t(r)
    r = await poster(client, nouveau, nouveau, FORM)
    assert r.status_code == 303
    did = int(r.headers["location"].split("/")[2].split("?")[0])
    r = await client.get(f"/dossiers/{did}")
    assert "En cours d'élaboration" in t(r) and "Valider le dossier" not in t(r) and "Supprimer le dossier" in t(r)
    r = await poster(client, f"/dossiers/{did}/modifier", f"/dossiers/{did}/modifier", {**FORM, "heures_prevues": "35"})
    assert r.status_code == 303
    assert (await Dossier.select(Dossier.heures_prevues).where(Dossier.id == did).first())["heures_prevues"] == 35
    r = await poster(client, f"/dossiers/{did}", f"/dossiers/{did}/supprimer", {})
    assert r.status_code == 303 and await statut(did) is None
    types = [j["type"] for j in await Journal.select(Journal.type).where(Journal.acteur == g.id).order_by(Journal.id)]
    assert types[-3:] == ["dossier_cree", "dossier_modifie", "dossier_supprime"]


async def test_valider_rejeter_renvoyer_avec_motif(client, settings):
    g = await gestionnaire(client, settings, "operateur", "validation")
    tid = await titulaire(g.organisme_id)
    d1, d2 = await dossier(g.organisme_id, tid), await dossier(g.organisme_id, tid)
    r = await poster(client, f"/dossiers/{d1}", f"/dossiers/{d1}/valider", {})
    assert r.status_code == 303 and await statut(d1) == tr.VALIDE
    r = await client.get(f"/dossiers/{d1}")
    assert "Renvoyer en élaboration" in t(r) and "Clôturer le dossier" not in t(r)  # Validation, not Clôture
    r = await poster(client, f"/dossiers/{d1}", f"/dossiers/{d1}/renvoyer", {"motif": "  "})
    assert r.status_code == 422 and "Saisissez le motif." in t(r) and await statut(d1) == tr.VALIDE
    r = await poster(client, f"/dossiers/{d1}", f"/dossiers/{d1}/renvoyer", {"motif": "Non éligible au CPF"})
    assert r.status_code == 303 and await statut(d1) == tr.ELABORATION
    r = await poster(client, f"/dossiers/{d2}", f"/dossiers/{d2}/rejeter", {"motif": "Formation hors CPF"})
    assert r.status_code == 303 and await statut(d2) == tr.REJETE
    # Final: nothing more is offered nor accepted.
    r = await client.get(f"/dossiers/{d2}")
    assert "Actions" not in [h.strip() for h in t(r).split("  ")] and "Valider le dossier" not in t(r)
    r = await poster(client, f"/dossiers/{d2}", f"/dossiers/{d2}/valider", {})
    assert r.status_code == 409 and "ne peut plus changer" in t(r) and await statut(d2) == tr.REJETE
    # History: who, from, to, reason.
    h = await HistoriqueDossier.select().where(HistoriqueDossier.dossier == d1).order_by(HistoriqueDossier.id)
    assert [(x["de"], x["vers"], x["motif"], x["par"]) for x in h] == [
        (tr.ELABORATION, tr.VALIDE, "", g.id),
        (tr.VALIDE, tr.ELABORATION, "Non éligible au CPF", g.id),
    ]
    r = await client.get(f"/dossiers/{d1}")
    assert "Non éligible au CPF" in t(r) and g.identifiant in t(r)


async def test_cloturer_debite_et_refuse_plus_que_le_solde(client, settings):
    g = await gestionnaire(client, settings, "operateur", "cloture")
    tid = await titulaire(g.organisme_id, credits=(25, 25))
    did = await dossier(g.organisme_id, tid, tr.VALIDE)
    r = await poster(client, f"/dossiers/{did}", f"/dossiers/{did}/cloturer", {"heures_realisees": "51"})
    assert r.status_code == 422 and "le solde disponible est de 50 h" in t(r)
    assert await statut(did) == tr.VALIDE and await solde(tid) == 50
    for mauvais in ("", "abc", "0", "9" * 10_000):
        r = await poster(client, f"/dossiers/{did}", f"/dossiers/{did}/cloturer", {"heures_realisees": mauvais})
        assert r.status_code == 422 and await statut(did) == tr.VALIDE
    r = await poster(client, f"/dossiers/{did}", f"/dossiers/{did}/cloturer", {"heures_realisees": "20"})
    assert r.status_code == 303 and await statut(did) == tr.CLOTURE and await solde(tid) == 30
    r = await client.get(f"/titulaires/{tid}")
    assert "Solde disponible : 30 h" in t(r) and "-20 h" in t(r) and "Clôturé" in t(r)
    r = await poster(client, f"/dossiers/{did}", f"/dossiers/{did}/cloturer", {"heures_realisees": "20"})
    assert r.status_code == 409 and await solde(tid) == 30
    assert await Journal.exists().where((Journal.type == "dossier_cloture") & (Journal.acteur == g.id))


async def test_deux_clotures_simultanees_un_seul_debit(base_vide, settings):
    admin = await creer_organisme(settings)
    moi = await Utilisateur.objects().where(Utilisateur.id == admin.id).first()
    tid = await titulaire(admin.organisme_id)
    did = await dossier(admin.organisme_id, tid, tr.VALIDE)
    d = await Dossier.objects().where(Dossier.id == did).first()

    async def cloturer():
        try:
            await service.cloturer(Acteur.de(moi, ""), d, 20)
            return "ok"
        except tr.TransitionRefusee:
            return "refus"

    resultats = await asyncio.gather(*(cloturer() for _ in range(2)))
    assert sorted(resultats) == ["ok", "refus"]
    assert await Mouvement.count().where(Mouvement.dossier == did) == 1
    assert await solde(tid) == 55
    assert await HistoriqueDossier.count().where((HistoriqueDossier.dossier == did) & (HistoriqueDossier.vers == tr.CLOTURE)) == 1


async def test_deux_clotures_de_dossiers_differents_ne_passent_pas_sous_zero(base_vide, settings):
    admin = await creer_organisme(settings)
    moi = await Utilisateur.objects().where(Utilisateur.id == admin.id).first()
    tid = await titulaire(admin.organisme_id, credits=(25, 25))
    dossiers = [await Dossier.objects().where(Dossier.id == await dossier(admin.organisme_id, tid, tr.VALIDE)).first() for _ in range(2)]

    async def cloturer(d):
        try:
            await service.cloturer(Acteur.de(moi, ""), d, 30)
            return "ok"
        except tr.SoldeInsuffisant:
            return "solde"

    assert sorted(await asyncio.gather(*(cloturer(d) for d in dossiers))) == ["ok", "solde"]
    assert await solde(tid) == 20


async def test_cloture_simplifiee(client, settings):
    g = await gestionnaire(client, settings, "operateur", "cloture")
    tid = await titulaire(g.organisme_id)
    donnees = {**FORM, "nir": "2 85 01 75 123 456 56", "nom": "lefevre", "heures_realisees": "21"}
    r = await poster(client, "/cloture-simplifiee", "/cloture-simplifiee", {**donnees, "nom": "Martin"})
    assert r.status_code == 422 and "Aucun titulaire ne correspond" in t(r)
    r = await poster(client, "/cloture-simplifiee", "/cloture-simplifiee", {**donnees, "heures_realisees": "80"})
    assert r.status_code == 422 and "le solde disponible est de 75 h" in t(r) and await Dossier.count() == 0
    r = await poster(client, "/cloture-simplifiee", "/cloture-simplifiee", {**donnees, "date_fin": "2999-01-01"})
    assert r.status_code == 422 and "après aujourd'hui" in t(r)
    r = await poster(client, "/cloture-simplifiee", "/cloture-simplifiee", donnees)
    assert r.status_code == 303 and await solde(tid) == 54
    d = await Dossier.objects().first()
    assert d.statut == tr.CLOTURE and d.heures_realisees == 21
    assert NIR  # the titulaire searched by NIR + nom


async def test_cloture_simplifiee_pas_pour_un_autre_organisme(client, settings):
    autre = await creer_organisme(settings)
    await titulaire(autre.organisme_id)
    await gestionnaire(client, settings)
    donnees = {**FORM, "nir": NIR, "nom": "Durand", "heures_realisees": "10"}
    r = await poster(client, "/cloture-simplifiee", "/cloture-simplifiee", donnees)
    assert r.status_code == 422 and "Aucun titulaire ne correspond" in t(r) and await Mouvement.count().where(Mouvement.heures < 0) == 0


async def test_gestionnaire_cree_directement(client, settings):
    """The helper used by the e2e tests works through creer_gestionnaire too."""
    admin = await creer_organisme(settings, type_="operateur")
    g = await creer_gestionnaire(settings, admin.organisme_id, niveau="cloture")
    await connecte(client, g)
    assert "Clôture simplifiée" in t(await client.get("/"))
