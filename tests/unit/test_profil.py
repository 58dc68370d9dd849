"""Mes informations professionnelles, Modifier mon mot de passe, Mot de passe oublié, Paramètres, Aide."""

from __future__ import annotations

import pytest
from litestar.testing import AsyncTestClient

from tests.unit.conftest import NOUVEAU, connecte, creer_gestionnaire, creer_organisme, jeton, poster, s_identifier, t
from web.app import create_app
from web.tables import Courriel, DemandeRenouvellement, Journal, Session, Unite, Utilisateur

PROFIL = {
    "courriel": "anne.nouvelle@example.fr",
    "confirmation_courriel": "anne.nouvelle@example.fr",
    "telephone_fixe": "",
    "telephone_portable": "06 12 34 56 78",
}


async def test_informations_modifiees_et_annoncees_a_l_ancienne_adresse(client, admin):
    await connecte(client, admin)
    r = await client.get("/profil")
    assert "Vérifiez vos informations professionnelles avant de continuer." in t(r)
    r = await poster(client, "/profil", "/profil", PROFIL)
    assert r.status_code == 303
    r = await client.get(r.headers["location"])
    assert "Vos informations ont bien été enregistrées." in t(r) and 'value="06 12 34 56 78"' in r.text
    u = await Utilisateur.objects().where(Utilisateur.id == admin.id).first()
    assert u.courriel == "anne.nouvelle@example.fr" and u.telephone_fixe == ""
    annonce = await Courriel.objects().where(Courriel.destinataire == admin.courriel).order_by(Courriel.id, ascending=False).first()
    from web.courriels import ouvrir

    assert "anne.nouvelle@example.fr" in ouvrir(client.app.state.settings, annonce.corps)
    ligne = await Journal.objects().where(Journal.type == "profil_modifie").first()
    assert ligne.detail == "courriel, téléphone fixe, téléphone portable" and ligne.acteur == admin.id


async def test_personne_ne_s_attribue_de_droits(client, admin):
    """Mass assignment: unit, level, role, organisation and status are not fields of this form."""
    await connecte(client, admin)
    autre = await creer_organisme(client.app.state.settings, prenom="Zoe", nom="Autre")
    unite = Unite(organisme=admin.organisme_id, nom="X")
    await unite.save()
    r = await poster(
        client,
        "/profil",
        "/profil",
        {
            **PROFIL,
            "niveau": "cloture",
            "role": "agent_cdc",
            "organisme": str(autre.organisme_id),
            "unite": str(unite.id),
            "statut": "suspendu",
            "nom": "PIRATE",
        },
    )
    assert r.status_code == 303
    u = await Utilisateur.objects().where(Utilisateur.id == admin.id).first()
    assert (u.niveau, u.role, u.organisme, u.unite, u.statut, u.nom) == (
        None,
        "administrateur_principal",
        admin.organisme_id,
        None,
        "actif",
        "MARTIN",
    )


@pytest.mark.parametrize(
    ("modif", "message"),
    [
        ({"courriel": "", "confirmation_courriel": ""}, "Saisissez le champ « Courriel »."),
        ({"confirmation_courriel": "x@example.fr"}, "La confirmation ne correspond pas au courriel."),
        ({"telephone_portable": ""}, "Un numéro de téléphone est obligatoire."),
        ({"telephone_portable": "99"}, "n'est pas un numéro de téléphone français valide"),
        ({"courriel": "a" * 10_000}, "254 caractères au maximum"),
    ],
)
async def test_saisies_refusees_et_conservees(client, admin, modif, message):
    await connecte(client, admin)
    r = await poster(client, "/profil", "/profil", {**PROFIL, **modif})
    assert r.status_code == 422 and message in t(r)
    assert (await Utilisateur.objects().where(Utilisateur.id == admin.id).first()).courriel == admin.courriel


async def test_modifier_mon_mot_de_passe_ferme_les_autres_sessions(client, admin, settings):
    await connecte(client, admin)
    async with AsyncTestClient(app=create_app(settings, services=False)) as autre:
        await s_identifier(autre, admin, NOUVEAU)
        assert (await autre.get("/", follow_redirects=False)).status_code == 200
        nouveau = "Troisieme7mot8De9"
        r = await poster(
            client, "/profil/mot-de-passe", "/profil/mot-de-passe", {"ancien": NOUVEAU, "nouveau": nouveau, "confirmation": nouveau}
        )
        assert r.status_code == 303
        assert (await client.get("/", follow_redirects=False)).status_code == 200  # this browser stays signed in
        assert (await autre.get("/", follow_redirects=False)).status_code == 303  # the other one is out
        assert await Session.count().where(Session.utilisateur == admin.id) == 1


async def test_modifier_mon_mot_de_passe_refus(client, admin):
    await connecte(client, admin)
    r = await poster(
        client,
        "/profil/mot-de-passe",
        "/profil/mot-de-passe",
        {"ancien": "Faux12345abc", "nouveau": "Autre9mot8De7", "confirmation": "Autre9mot8De7"},
    )
    assert r.status_code == 422 and "Identifiant ou mot de passe incorrect." in t(r)
    r = await poster(
        client, "/profil/mot-de-passe", "/profil/mot-de-passe", {"ancien": NOUVEAU, "nouveau": NOUVEAU, "confirmation": NOUVEAU}
    )
    assert r.status_code == 422 and "déjà utilisé" in t(r)
    r = await poster(
        client,
        "/profil/mot-de-passe",
        "/profil/mot-de-passe",
        {"ancien": NOUVEAU, "nouveau": "Martin123abcX", "confirmation": "Martin123abcX"},
    )
    assert r.status_code == 422 and "nom" in t(r)


async def oublier(client, donnees: dict):
    """The form, then what the background task of `portail serve` does with it."""
    from web.renouvellement.service import traiter_demandes

    r = await poster(client, "/mot-de-passe/oublie", "/mot-de-passe/oublie", donnees)
    await traiter_demandes(client.app.state.settings)
    return r


async def test_mot_de_passe_oublie_reponse_neutre(client, admin):
    connu = await oublier(client, {"identifiant": admin.identifiant})
    inconnu = await oublier(client, {"identifiant": "ZZZZ9999"})
    assert connu.status_code == inconnu.status_code == 200
    assert connu.text.replace(jeton(connu.text), "") == inconnu.text.replace(jeton(inconnu.text), "")
    assert await DemandeRenouvellement.count() == 1
    vide = await oublier(client, {"identifiant": ""})
    assert vide.status_code == 422 and "Saisissez votre identifiant." in t(vide)


async def test_limites_des_demandes(client, admin, settings):
    g = await creer_gestionnaire(settings, admin.organisme_id)
    for _ in range(3):
        await oublier(client, {"identifiant": g.identifiant})
    assert await DemandeRenouvellement.count() == 1  # one pending at a time
    avant = await Courriel.count()
    for i in range(12):
        await oublier(client, {"identifiant": f"AAAA{i:04d}"})
    await DemandeRenouvellement.update({DemandeRenouvellement.statut: "traitee"}, force=True)
    await oublier(client, {"identifiant": g.identifiant})
    assert await DemandeRenouvellement.count() == 1  # the address spent its hourly quota
    assert await Courriel.count() == avant


async def test_une_demande_va_a_qui_peut_renouveler(client, admin, settings):
    d = await creer_gestionnaire(settings, admin.organisme_id, role="administrateur_delegue", prenom="Denis", nom="Delegue")
    d2 = await creer_gestionnaire(settings, admin.organisme_id, role="administrateur_delegue", prenom="Diane", nom="Autre")
    await oublier(client, {"identifiant": d.identifiant})
    destinataires = {
        c["destinataire"] for c in await Courriel.select(Courriel.destinataire).where(Courriel.sujet.like("%demande de renouvellement%"))
    }
    assert destinataires == {admin.courriel}  # the principal only, not the other délégué
    await connecte(client, d2)
    r = await client.get("/habilitations/demandes")
    assert "Aucune demande en attente." in t(r)
    demande = await DemandeRenouvellement.objects().first()
    r = await poster(client, "/habilitations/demandes", f"/habilitations/demandes/{demande.id}/renouveler", {})
    assert r.status_code == 403
    await poster(client, "/", "/deconnexion", {})
    await connecte(client, admin)
    r = await client.get("/habilitations/demandes")
    assert d.identifiant in t(r)
    r = await poster(client, "/habilitations/demandes", f"/habilitations/demandes/{demande.id}/renouveler", {})
    assert r.status_code == 303
    assert (await DemandeRenouvellement.objects().first()).statut == "traitee"
    assert (await Utilisateur.objects().where(Utilisateur.id == d.id).first()).mot_de_passe_temporaire


async def test_parametres_unites(client, admin, settings):
    await connecte(client, admin)
    r = await client.get("/parametres")
    assert "EMPLOYEUR PUBLIC" in t(r) and "Employeur public" in t(r)
    assert (await poster(client, "/parametres", "/parametres/unites", {"nom": "Service RH"})).status_code == 303
    unite = await Unite.objects().first()
    assert (await poster(client, "/parametres", f"/parametres/unites/{unite.id}", {"nom": "Ressources humaines"})).status_code == 303
    assert (await Unite.objects().first()).nom == "Ressources humaines"
    g = await creer_gestionnaire(settings, admin.organisme_id)
    await Utilisateur.update({Utilisateur.unite: unite.id}).where(Utilisateur.id == g.id)
    r = await poster(client, "/parametres", f"/parametres/unites/{unite.id}/supprimer", {})
    assert r.status_code == 422 and "encore attribuée" in t(r)
    await Utilisateur.update({Utilisateur.unite: None}).where(Utilisateur.id == g.id)
    assert (await poster(client, "/parametres", f"/parametres/unites/{unite.id}/supprimer", {})).status_code == 303
    assert await Unite.count() == 0
    r = await poster(client, "/parametres", "/parametres/unites", {"nom": ""})
    assert r.status_code == 422 and "Saisissez le nom de la nouvelle unité." in t(r)


async def test_parametres_reserves_aux_administrateurs(client, admin, settings):
    g = await creer_gestionnaire(settings, admin.organisme_id)
    await connecte(client, g)
    assert (await client.get("/parametres")).status_code == 403
    assert (await client.get("/habilitations/demandes")).status_code == 403
    assert (await client.get("/profil")).status_code == 200


async def test_aide_publique(client):
    r = await client.get("/aide")
    assert r.status_code == 200
    assert "Seule la Caisse des Dépôts peut renouveler le mot de passe de l'administrateur principal." in t(r)
    assert "5 lettres (composées de majuscules et de minuscules) et 3 chiffres" in t(r)


async def test_verification_en_ligne_d_un_seul_champ(client, admin):
    """htmx, as the user leaves a field: only that field's message comes back, nothing is saved."""
    await connecte(client, admin)
    page = await client.get("/profil")
    r = await client.post(
        "/profil",
        data={
            "_csrf_token": jeton(page.text),
            **PROFIL,
            "telephone_portable": "12",
            "confirmation_courriel": "x@y.fr",
            "action": "verifier",
        },
        headers={"HX-Request": "true", "HX-Trigger-Name": "telephone_portable", "HX-Target": "champ-telephone_portable"},
    )
    assert r.status_code == 200
    assert "n'est pas un numéro de téléphone français valide" in t(r)
    assert "La confirmation ne correspond pas" not in t(r)  # not this field's business yet
    assert "<html" not in r.text
    assert (await Utilisateur.objects().where(Utilisateur.id == admin.id).first()).telephone_portable != "12"


async def test_courriel_d_un_collegue_refuse(client, admin, settings):
    g = await creer_gestionnaire(settings, admin.organisme_id)
    await connecte(client, admin)
    r = await poster(client, "/profil", "/profil", {**PROFIL, "courriel": g.courriel, "confirmation_courriel": g.courriel.upper()})
    assert r.status_code == 422 and "déjà utilisée par un gestionnaire actif" in t(r)
    assert f'value="{g.courriel}"' in r.text  # what was typed is kept
    assert await Journal.count().where(Journal.type == "profil_modifie") == 0


async def test_profil_jeton_faux_et_agent_cdc(client, admin, settings):
    await connecte(client, admin)
    r = await client.post("/profil", data={"_csrf_token": "faux", **PROFIL})
    assert r.status_code == 403
    assert (await Utilisateur.objects().where(Utilisateur.id == admin.id).first()).courriel == admin.courriel
    from tests.unit.test_renouvellement import creer_agent

    agent = await creer_agent(settings)
    from tests.conftest import mot_de_passe_envoye
    from tests.unit.conftest import Compte

    compte = Compte(agent.identifiant, await mot_de_passe_envoye(agent.courriel), agent.courriel, 0, agent.id)
    async with AsyncTestClient(app=create_app(settings, services=False)) as c:
        await connecte(c, compte)
        assert (await c.get("/profil")).status_code == 403
        assert (await c.get("/profil/mot-de-passe")).status_code == 403


MDP = "/profil/mot-de-passe"


@pytest.mark.parametrize(
    ("donnees", "message"),
    [
        ({"ancien": "", "nouveau": "Autre9mot8De7", "confirmation": "Autre9mot8De7"}, "Saisissez votre ancien mot de passe."),
        ({"ancien": "a" * 10_000, "nouveau": "Autre9mot8De7", "confirmation": "Autre9mot8De7"}, "Ce mot de passe est trop long."),
        ({"ancien": NOUVEAU, "nouveau": "", "confirmation": ""}, "Saisissez votre nouveau mot de passe."),
        ({"ancien": NOUVEAU, "nouveau": "B9" * 5_000, "confirmation": "B9" * 5_000}, "128 caractères"),
        ({"ancien": NOUVEAU, "nouveau": "Autre9mot8De7", "confirmation": "Autre9mot8De8"}, "La confirmation ne correspond pas"),
        ({"ancien": NOUVEAU, "nouveau": "abc", "confirmation": "abc"}, "5 lettres"),
        ({}, "Saisissez votre ancien mot de passe."),
    ],
)
async def test_mot_de_passe_saisies_refusees(client, admin, donnees, message):
    await connecte(client, admin)
    avant = (await Utilisateur.objects().where(Utilisateur.id == admin.id).first()).mot_de_passe
    r = await poster(client, MDP, MDP, donnees)
    assert r.status_code == 422 and message in t(r)
    assert 'type="password"' in r.text and "Autre9mot8De7" not in r.text  # passwords are never sent back
    assert (await Utilisateur.objects().where(Utilisateur.id == admin.id).first()).mot_de_passe == avant


async def test_un_ancien_mot_de_passe_faux_compte_pour_le_verrou(client, admin):
    await connecte(client, admin)
    for _ in range(5):
        r = await poster(client, MDP, MDP, {"ancien": "Faux12345abc", "nouveau": "Autre9mot8De7", "confirmation": "Autre9mot8De7"})
    assert r.status_code == 422 and "Trop de tentatives" in t(r)
    # Locked: even the right one is refused for now, exactly as at sign-in.
    r = await poster(client, MDP, MDP, {"ancien": NOUVEAU, "nouveau": "Autre9mot8De7", "confirmation": "Autre9mot8De7"})
    assert r.status_code == 422 and "Trop de tentatives" in t(r)
    assert await Journal.count().where(Journal.type == "connexion_echec") == 5


async def test_la_liste_des_regles_connait_mon_nom(client, admin):
    """The live checklist (the first sign-in's endpoint) also checks the signed-in person's name."""
    await connecte(client, admin)
    page = await client.get(MDP)
    donnees = {"_csrf_token": jeton(page.text), "identifiant": admin.identifiant, "nouveau": "Martin123abcX", "confirmation": ""}
    r = await client.post("/mot-de-passe/evaluer", data=donnees, headers={"HX-Request": "true"})
    assert "Non respecté : Ne contient ni votre identifiant, ni votre nom, ni votre prénom, ni le nom de votre organisme" in t(r)
    # Someone else's identifiant gets nothing of this person's name.
    r = await client.post("/mot-de-passe/evaluer", data={**donnees, "identifiant": "ZZZZ0000"}, headers={"HX-Request": "true"})
    assert "Respecté : Ne contient ni votre identifiant, ni votre nom, ni votre prénom, ni le nom de votre organisme" in t(r)
