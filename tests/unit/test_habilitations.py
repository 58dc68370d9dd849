"""Gérer les habilitations through the test client: rights, creation, search, changes."""

from __future__ import annotations

import asyncio
import re
from urllib.parse import urlencode

import pytest
from litestar.testing import AsyncTestClient

from tests.unit.conftest import connecte, creer_gestionnaire, creer_organisme, jeton, poster, t
from web.acteur import Acteur
from web.app import create_app
from web.habilitations.forms import FormGestionnaire
from web.habilitations.service import creer
from web.tables import Courriel, Journal, Session, Unite, Utilisateur

FORM = {
    "civilite": "Mme",
    "prenom": "Lucie",
    "nom": "Delahaie",
    "courriel": "lucie.delahaie@employeur-public.fr",
    "confirmation_courriel": "lucie.delahaie@employeur-public.fr",
    "telephone_fixe": "0123456789",
    "niveau": "creation",
}


@pytest.fixture
async def monde(client, settings):
    """Organisation 1: principal, délégué, plain gestionnaire, another délégué; organisation 2: its principal."""
    p = await creer_organisme(settings)
    d = await creer_gestionnaire(settings, p.organisme_id, role="administrateur_delegue", prenom="Denis", nom="Delegue", niveau="cloture")
    g = await creer_gestionnaire(settings, p.organisme_id, prenom="Gaston", nom="Gestion")
    d2 = await creer_gestionnaire(settings, p.organisme_id, role="administrateur_delegue", prenom="Diane", nom="Autre")
    x = await creer_organisme(settings, prenom="Xavier", nom="Ailleurs")
    # Gaston was created by the principal: only the principal sees his "Création d'un gestionnaire" screen.
    await Utilisateur.update({Utilisateur.cree_par: p.id}).where(Utilisateur.id == g.id)
    return {"principal": p, "delegue": d, "gestionnaire": g, "delegue2": d2, "autre": x}


async def en_tant_que(settings, compte):
    c = AsyncTestClient(app=create_app(settings, services=False))
    await c.__aenter__()
    if compte is not None:
        await connecte(c, compte)
    return c


# (actor, method, path, target) -> expected status. Targets: g = plain gestionnaire, d2 = another délégué, p = principal.
ROUTES = [
    ("GET", "/habilitations", None),
    ("GET", "/habilitations/ajouter", None),
    ("POST", "/habilitations/ajouter", None),
    ("GET", "/habilitations/journal", None),
    ("GET", "/habilitations/export", None),
    ("GET", "/habilitations/{g}", "g"),
    ("POST", "/habilitations/{g}", "g"),
    ("POST", "/habilitations/{g}/suspendre", "g"),
    ("POST", "/habilitations/{g}/reactiver", "g"),
    ("POST", "/habilitations/{g}/renouveler", "g"),
    ("GET", "/habilitations/{g}/suspendre", "g"),
    ("GET", "/habilitations/{g}/renouveler", "g"),
    ("GET", "/habilitations/{g}/cree", "g"),
    ("GET", "/habilitations/{d2}", "d2"),
    ("POST", "/habilitations/{d2}", "d2"),
    ("POST", "/habilitations/{d2}/suspendre", "d2"),
    ("POST", "/habilitations/{d2}/reactiver", "d2"),
    ("POST", "/habilitations/{d2}/renouveler", "d2"),
    ("GET", "/habilitations/{d2}/suspendre", "d2"),
    ("GET", "/habilitations/{d2}/renouveler", "d2"),
    ("GET", "/habilitations/{p}", "p"),
    ("POST", "/habilitations/{p}", "p"),
    ("POST", "/habilitations/{p}/suspendre", "p"),
    ("POST", "/habilitations/{p}/renouveler", "p"),
    ("GET", "/habilitations/{p}/suspendre", "p"),
    ("GET", "/habilitations/{p}/renouveler", "p"),
    ("GET", "/habilitations/999999", None),
    ("GET", "/habilitations/999999/suspendre", None),
    ("POST", "/habilitations/999999/suspendre", None),
    # Importer des gestionnaires (an import is its importer's alone: tests/unit/test_importation.py)
    ("GET", "/habilitations/importer", None),
    ("POST", "/habilitations/importer", None),
    ("GET", "/habilitations/importer/999999", None),
    ("POST", "/habilitations/importer/999999/confirmer", None),
    ("GET", "/habilitations/importer/999999/identifiants.csv", None),
]
ATTENDU = {
    #                 principal, délégué, gestionnaire, autre organisme, anonyme
    "/habilitations": (200, 200, 403, 200, 303),
    "/habilitations/ajouter": (200, 200, 403, 200, 303),
    "POST /habilitations/ajouter": (303, 303, 403, 303, 303),
    "/habilitations/journal": (200, 200, 403, 200, 303),
    "/habilitations/export": (200, 200, 403, 200, 303),  # « Exporter la liste »: its own organisation only
    "/habilitations/{g}": (200, 200, 403, 404, 303),
    "POST /habilitations/{g}": (303, 303, 403, 404, 303),
    "POST /habilitations/{g}/suspendre": (303, 303, 403, 404, 303),
    "POST /habilitations/{g}/reactiver": (303, 303, 403, 404, 303),
    "POST /habilitations/{g}/renouveler": (303, 303, 403, 404, 303),
    "/habilitations/{g}/suspendre": (200, 200, 403, 404, 303),  # the confirmations: same rights as the action
    "/habilitations/{g}/renouveler": (200, 200, 403, 404, 303),
    "/habilitations/{g}/cree": (200, 404, 403, 404, 303),
    "/habilitations/{d2}": (200, 200, 403, 404, 303),  # a délégué sees another délégué, read-only
    "POST /habilitations/{d2}": (303, 403, 403, 404, 303),
    "POST /habilitations/{d2}/suspendre": (303, 403, 403, 404, 303),
    "POST /habilitations/{d2}/reactiver": (303, 403, 403, 404, 303),
    "POST /habilitations/{d2}/renouveler": (303, 403, 403, 404, 303),
    "/habilitations/{d2}/suspendre": (200, 403, 403, 404, 303),
    "/habilitations/{d2}/renouveler": (200, 403, 403, 404, 303),
    "/habilitations/{p}": (200, 200, 403, 404, 303),
    "POST /habilitations/{p}": (403, 403, 403, 404, 303),
    "POST /habilitations/{p}/suspendre": (403, 403, 403, 404, 303),
    "POST /habilitations/{p}/renouveler": (403, 403, 403, 404, 303),
    "/habilitations/{p}/suspendre": (403, 403, 403, 404, 303),
    "/habilitations/{p}/renouveler": (403, 403, 403, 404, 303),
    "/habilitations/999999": (404, 404, 403, 404, 303),
    "/habilitations/999999/suspendre": (404, 404, 403, 404, 303),
    "POST /habilitations/999999/suspendre": (404, 404, 403, 404, 303),
    "/habilitations/importer": (200, 200, 403, 200, 303),
    "POST /habilitations/importer": (422, 422, 403, 422, 303),  # no file sent
    "/habilitations/importer/999999": (404, 404, 403, 404, 303),
    "POST /habilitations/importer/999999/confirmer": (404, 404, 403, 404, 303),
    "/habilitations/importer/999999/identifiants.csv": (404, 404, 403, 404, 303),
}
ACTEURS = ["principal", "delegue", "gestionnaire", "autre", None]


async def test_table_des_droits(monde, settings):
    ids = {"g": monde["gestionnaire"].id, "d2": monde["delegue2"].id, "p": monde["principal"].id}
    # Those who may change accounts act last, the principal after the délégué: a renewal or a
    # demotion must not alter the rows of the actors checked after it.
    ordre = ["gestionnaire", "autre", None, "delegue", "principal"]
    for i, acteur in sorted(enumerate(ACTEURS), key=lambda x: ordre.index(x[1])):
        c = await en_tant_que(settings, monde[acteur] if acteur else None)
        try:
            for j, (methode, chemin, _) in enumerate(ROUTES):
                cle = chemin if methode == "GET" else f"POST {chemin}"
                url = chemin.format(**ids)
                if methode == "GET":
                    r = await c.get(url, follow_redirects=False)
                else:
                    token = jeton((await c.get("/connexion")).text)
                    donnees = {**FORM, "courriel": f"n{i}-{j}@example.fr", "confirmation_courriel": f"n{i}-{j}@example.fr"}
                    r = await c.post(url, data={"_csrf_token": token, **donnees}, follow_redirects=False)
                assert r.status_code == ATTENDU[cle][i], (acteur, methode, url, r.status_code)
                if acteur is None:
                    # A page asked for is opened after sign-in; a form sent is not replayed.
                    attendu = f"/connexion?{urlencode({'suite': url})}" if methode == "GET" else "/connexion"
                    assert r.headers["location"] == attendu
        finally:
            await c.__aexit__(None, None, None)
    # Nobody touched the principal administrator's account.
    p = await Utilisateur.objects().where(Utilisateur.id == ids["p"]).first()
    assert p.statut == "actif" and p.role == "administrateur_principal" and p.courriel == monde["principal"].courriel


async def test_creation_comme_dans_le_guide(client, admin, settings):
    await connecte(client, admin)
    r = await poster(client, "/habilitations/ajouter", "/habilitations/ajouter", FORM)
    assert r.status_code == 303
    r = await client.get(r.headers["location"])
    u = await Utilisateur.objects().where(Utilisateur.courriel == FORM["courriel"]).first()
    assert u.identifiant.startswith("LDEL") and len(u.identifiant) == 8
    assert (
        "Le compte de Mme LUCIE DELAHAIE, a bien été créé. Son identifiant, que vous devrez lui communiquer, "
        f"est le suivant : {u.identifiant}" in t(r)
    )
    assert "Un courriel vient de lui être envoyé avec son mot de passe." in t(r)
    assert u.niveau == "creation" and u.role == "gestionnaire" and u.habilite_par == admin.id
    assert await Courriel.count().where(Courriel.destinataire == FORM["courriel"]) == 1
    assert await Journal.count().where((Journal.type == "gestionnaire_cree") & (Journal.cible == u.id)) == 1
    # The same courriel cannot be used again by an active gestionnaire of the organisation.
    r = await poster(client, "/habilitations/ajouter", "/habilitations/ajouter", FORM)
    assert r.status_code == 422 and "déjà utilisée par un gestionnaire actif" in t(r)


@pytest.mark.parametrize(
    ("modif", "message"),
    [
        ({"prenom": ""}, "Saisissez le champ « Prénom »."),
        ({"courriel": "x@", "confirmation_courriel": "x@"}, "n'est pas une adresse de courriel valide"),
        ({"confirmation_courriel": "autre@example.fr"}, "La confirmation ne correspond pas au courriel."),
        ({"telephone_fixe": ""}, "Au moins un numéro de téléphone doit être indiqué."),
        ({"telephone_fixe": "123"}, "n'est pas un numéro de téléphone français valide"),
        ({"nom": "x" * 10_000}, "100 caractères au maximum"),
        ({"niveau": "tout"}, "Choisissez un des niveaux d'habilitation proposés."),
        ({"unite": "999999"}, "Choisissez une des unités proposées."),
        ({"civilite": ""}, "Sélectionnez le champ « Civilité »."),
    ],
)
async def test_saisies_refusees(client, admin, modif, message):
    await connecte(client, admin)
    r = await poster(client, "/habilitations/ajouter", "/habilitations/ajouter", {**FORM, **modif})
    assert r.status_code == 422 and message in t(r)
    assert await Utilisateur.count() == 1


async def test_verification_d_un_champ_en_ligne(client, admin):
    await connecte(client, admin)
    r = await client.get("/habilitations/ajouter")
    donnees = {"_csrf_token": jeton(r.text), "action": "verifier", "courriel": "pas-valide", "prenom": ""}
    r = await client.post("/habilitations/ajouter", data=donnees, headers={"HX-Request": "true", "HX-Trigger-Name": "courriel"})
    assert r.status_code == 200
    assert "n'est pas une adresse de courriel valide" in t(r)
    assert "Saisissez le champ « Prénom »" not in t(r)  # only the field just left
    # The answer is that field's wrapper alone, which htmx swaps: not the whole form again.
    assert r.text.strip().startswith('<div class="champ champ--erreur" id="champ-courriel">') and "<form" not in r.text
    assert await Utilisateur.count() == 1


async def test_ajouter_une_unite_sans_quitter_le_formulaire(client, admin):
    await connecte(client, admin)
    r = await poster(
        client, "/habilitations/ajouter", "/habilitations/ajouter", {**FORM, "action": "ajouter_unite", "nouvelle_unite": "Service RH"}
    )
    assert r.status_code == 200
    unite = await Unite.objects().first()
    assert unite.nom == "Service RH" and unite.organisme == admin.organisme_id
    assert f'<option value="{unite.id}" selected>Service RH</option>' in r.text
    assert 'value="Lucie"' in r.text  # what was typed is kept
    assert await Utilisateur.count() == 1


async def test_un_delegue_ne_peut_pas_accorder_la_delegation(monde, settings):
    c = await en_tant_que(settings, monde["delegue"])
    try:
        r = await c.get("/habilitations/ajouter")
        assert "Administrateur délégué" not in t(r)
        r = await poster(c, "/habilitations/ajouter", "/habilitations/ajouter", {**FORM, "delegue": "on"})
        assert r.status_code == 403
        r = await poster(c, f"/habilitations/{monde['gestionnaire'].id}", f"/habilitations/{monde['gestionnaire'].id}",
                         {**FORM, "delegue": "on", "courriel": "g@example.fr", "confirmation_courriel": "g@example.fr"})  # fmt: skip
        assert r.status_code == 403
        assert (await Utilisateur.objects().where(Utilisateur.id == monde["gestionnaire"].id).first()).role == "gestionnaire"
    finally:
        await c.__aexit__(None, None, None)


async def test_recherche_limitee_a_l_organisme(monde, settings):
    c = await en_tant_que(settings, monde["principal"])
    try:
        r = await c.get("/habilitations?nom=ges")
        assert "GESTION" in t(r) and "1 gestionnaire trouvé" in t(r)
        r = await c.get("/habilitations?nom=ailleurs")
        assert "AILLEURS" not in t(r) and "Aucun gestionnaire ne correspond à votre recherche." in t(r)
        r = await c.get(
            f"/habilitations?identifiant={monde['delegue'].identifiant[:5]}", headers={"HX-Request": "true", "HX-Target": "resultats"}
        )
        assert "<html" not in r.text and "DELEGUE" in t(r)
        r = await c.get("/habilitations?prenom=gast&nom=GÉS")
        assert "GESTION" in t(r)
        r = await c.get("/habilitations?page=abc&unite=x")
        assert r.status_code == 200
    finally:
        await c.__aexit__(None, None, None)


async def test_seul_gestionnaire(client, admin):
    await connecte(client, admin)
    r = await client.get("/habilitations")
    assert "Vous êtes administrateur principal de l'organisme EMPLOYEUR PUBLIC - " in t(r)
    assert "Cet organisme ne dispose que d'un seul gestionnaire qui est l'administrateur principal" in t(r)


async def test_suspension_ferme_les_sessions_et_la_connexion(monde, settings):
    g = monde["gestionnaire"]
    cg = await en_tant_que(settings, g)
    cp = await en_tant_que(settings, monde["principal"])
    try:
        assert (await cg.get("/", follow_redirects=False)).status_code == 200
        r = await poster(cp, f"/habilitations/{g.id}", f"/habilitations/{g.id}/suspendre", {})
        assert r.status_code == 303
        assert await Session.count().where(Session.utilisateur == g.id) == 0
        assert (await cg.get("/", follow_redirects=False)).status_code == 303
        r = await poster(cg, "/connexion", "/connexion", {"identifiant": g.identifiant, "mot_de_passe": g.mot_de_passe})
        assert "Ce compte est suspendu" in t(r)
        await poster(cp, f"/habilitations/{g.id}", f"/habilitations/{g.id}/reactiver", {})
        r = await poster(cg, "/connexion", "/connexion", {"identifiant": g.identifiant, "mot_de_passe": g.mot_de_passe})
        assert r.status_code == 303
    finally:
        await cg.__aexit__(None, None, None)
        await cp.__aexit__(None, None, None)


async def test_renouvellement(monde, settings):
    g = monde["gestionnaire"]
    cp = await en_tant_que(settings, monde["principal"])
    try:
        avant = await Courriel.count().where(Courriel.destinataire == g.courriel)
        r = await poster(cp, f"/habilitations/{g.id}", f"/habilitations/{g.id}/renouveler", {})
        assert r.status_code == 303
        assert await Courriel.count().where(Courriel.destinataire == g.courriel) == avant + 1
        u = await Utilisateur.objects().where(Utilisateur.id == g.id).first()
        assert u.mot_de_passe_temporaire
        assert await Journal.count().where((Journal.type == "mot_de_passe_renouvele") & (Journal.cible == g.id)) == 1
    finally:
        await cp.__aexit__(None, None, None)


async def test_cinquante_creations_simultanees(client, admin, settings):
    acteur = await Utilisateur.objects().where(Utilisateur.id == admin.id).first()

    def form(i):
        courriel = f"lucie{i}@example.fr"
        return FormGestionnaire.lire({**FORM, "courriel": courriel, "confirmation_courriel": courriel})

    crees = await asyncio.gather(*(creer(settings, Acteur.de(acteur, ""), form(i)) for i in range(50)))
    identifiants = {u.identifiant for u in crees}
    assert len(identifiants) == 50 and all(i.startswith("LDEL") for i in identifiants)
    assert await Journal.count().where(Journal.type == "gestionnaire_cree") == 50
    assert await Courriel.count().where(Courriel.destinataire.like("lucie%@example.fr")) == 50


async def test_creation_qui_echoue_ne_laisse_rien(client, admin, monkeypatch):
    from web.habilitations import service

    async def panne(*a, **k):
        raise RuntimeError("journal indisponible")

    await connecte(client, admin)
    monkeypatch.setattr(service, "journaliser", panne)
    r = await poster(client, "/habilitations/ajouter", "/habilitations/ajouter", FORM)
    assert r.status_code == 422
    assert "Le compte n'a pas pu être créé, rien n'a été enregistré." in t(r)
    assert 'value="Lucie"' in r.text  # what was typed is kept
    assert await Utilisateur.count() == 1
    assert await Courriel.count().where(Courriel.destinataire == FORM["courriel"]) == 0


async def test_courriel_pris_entre_la_verification_et_l_ecriture(client, admin, settings):
    from web.habilitations.service import CourrielPris

    acteur = await Utilisateur.objects().where(Utilisateur.id == admin.id).first()
    await creer(settings, Acteur.de(acteur, ""), FormGestionnaire.lire(FORM))
    with pytest.raises(CourrielPris):
        await creer(settings, Acteur.de(acteur, ""), FormGestionnaire.lire(FORM))
    assert await Utilisateur.count().where(Utilisateur.courriel == FORM["courriel"]) == 1


async def test_reactivation_refusee_si_le_courriel_est_repris(client, admin, settings):
    await connecte(client, admin)
    r = await poster(client, "/habilitations/ajouter", "/habilitations/ajouter", FORM)
    premier = await Utilisateur.objects().where(Utilisateur.courriel == FORM["courriel"]).first()
    await poster(client, f"/habilitations/{premier.id}", f"/habilitations/{premier.id}/suspendre", {})
    # Once suspended, the courriel may be given to someone else...
    r = await poster(client, "/habilitations/ajouter", "/habilitations/ajouter", {**FORM, "prenom": "Luce"})
    assert r.status_code == 303
    # ...and the first account can no longer be reactivated with it.
    r = await poster(client, f"/habilitations/{premier.id}", f"/habilitations/{premier.id}/reactiver", {})
    r = await client.get(r.headers["location"])
    assert "Le compte ne peut pas être réactivé" in t(r)
    assert (await Utilisateur.objects().where(Utilisateur.id == premier.id).first()).statut == "suspendu"


async def test_modification_habilitation_et_journal(monde, settings):
    g, p = monde["gestionnaire"], monde["principal"]
    c = await en_tant_que(settings, p)
    try:
        avant = await Utilisateur.objects().where(Utilisateur.id == g.id).first()
        donnees = {**FORM, "prenom": "Gaëtan", "nom": "Gestion", "courriel": g.courriel, "confirmation_courriel": g.courriel,
                   "niveau": "validation", "delegue": "on"}  # fmt: skip
        r = await poster(c, f"/habilitations/{g.id}", f"/habilitations/{g.id}", donnees)
        assert r.status_code == 303
        r = await c.get(r.headers["location"])
        assert "Les modifications ont bien été enregistrées." in t(r)
        u = await Utilisateur.objects().where(Utilisateur.id == g.id).first()
        assert u.role == "administrateur_delegue" and u.niveau == "validation"
        assert u.habilite_par == p.id and u.habilite_le is not None and u.prenom_cle == "GAETAN"
        assert avant.prenom_cle != u.prenom_cle
        ligne = await Journal.objects().where((Journal.type == "gestionnaire_modifie") & (Journal.cible == g.id)).first()
        assert "prénom" in ligne.detail and "niveau aucun → validation" in ligne.detail and "administrateur délégué" in ligne.detail
        # The journal page, newest first, filtered by person and by kind; other organisations' lines never shown.
        r = await c.get(f"/habilitations/journal?personne={g.identifiant.lower()}&type=gestionnaire_modifie")
        assert r.status_code == 200 and "Gestionnaire modifié" in t(r) and g.identifiant in t(r)
        r = await c.get(f"/habilitations/journal?personne={monde['autre'].identifiant}")
        assert "Aucun événement ne correspond." in t(r)
        r = await c.get("/habilitations/journal?page=zz&type=nimportequoi&personne=" + "x" * 10_000)
        assert r.status_code == 200
    finally:
        await c.__aexit__(None, None, None)


async def test_ajouter_une_unite_depuis_la_fiche(monde, settings):
    g = monde["gestionnaire"]
    c = await en_tant_que(settings, monde["principal"])
    try:
        donnees = {**FORM, "prenom": "Gaston", "courriel": g.courriel, "confirmation_courriel": g.courriel,
                   "action": "ajouter_unite", "nouvelle_unite": "Paie"}  # fmt: skip
        r = await poster(c, f"/habilitations/{g.id}", f"/habilitations/{g.id}", donnees)
        assert r.status_code == 200 and "L'unité a été ajoutée et sélectionnée." in t(r)
        unite = await Unite.objects().where(Unite.nom == "Paie").first()
        assert f'<option value="{unite.id}" selected>Paie</option>' in r.text
        assert f'action="/habilitations/{g.id}"' in r.text  # still the gestionnaire's page, nothing else saved
        assert (await Utilisateur.objects().where(Utilisateur.id == g.id).first()).unite is None
    finally:
        await c.__aexit__(None, None, None)


async def test_resultats_pagines(client, admin, settings):
    acteur = await Utilisateur.objects().where(Utilisateur.id == admin.id).first()
    for i in range(21):
        courriel = f"page{i}@example.fr"
        f = FormGestionnaire.lire({**FORM, "nom": f"Page{i:02d}", "courriel": courriel, "confirmation_courriel": courriel})
        await creer(settings, Acteur.de(acteur, ""), f)
    await connecte(client, admin)
    r = await client.get("/habilitations?nom=page")
    assert "21 gestionnaires trouvés" in t(r) and "page 1 sur 2" in t(r)
    assert "PAGE19" in t(r) and "PAGE20" not in t(r)
    assert 'href="/habilitations?nom=page&amp;page=2"' in r.text  # the criteria stay in the link
    r = await client.get("/habilitations?nom=page&page=2", headers={"HX-Request": "true", "HX-Target": "resultats"})
    assert "<html" not in r.text and "PAGE20" in t(r) and "PAGE00" not in t(r) and "Page 2 sur 2" in t(r)


@pytest.mark.parametrize(
    "saisie, trouves",
    [
        ("le", {"LE GALL", "LE ROUX", "LEROY", "LÉ-MARTIN"}),
        ("le  r", {"LE ROUX"}),  # spaces folded as in the stored key
        ("Le G", {"LE GALL"}),
        ("lé-", {"LÉ-MARTIN"}),
        ("lez", set()),
        ("ler", {"LEROY"}),
    ],
)
async def test_recherche_par_prefixe_des_noms_composes(client, admin, settings, saisie, trouves):
    # The prefix is asked of the index as a range ([LE G, LE H[): exactly the names that start so.
    for nom in ("Le Gall", "Le Roux", "Leroy", "Lé-Martin", "Lf"):
        await creer_gestionnaire(settings, admin.organisme_id, prenom="Paule", nom=nom)
    await connecte(client, admin)
    r = await client.get("/habilitations", params={"nom": saisie}, headers={"HX-Request": "true", "HX-Target": "resultats"})
    assert set(re.findall(r'<a href="/habilitations/\d+">([^<]+)</a>', r.text)) == trouves
