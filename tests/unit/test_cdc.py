"""The Caisse des Dépôts space: rights, registration through the shared service, principal administrators."""

from __future__ import annotations

import pytest
from litestar.testing import AsyncTestClient

from tests.conftest import siret_valide
from tests.unit.conftest import Compte, connecte, creer_gestionnaire, creer_organisme, jeton, mot_de_passe_envoye, poster, t
from tests.unit.test_cli import portail
from web.app import create_app
from web.comptes.service import ouvrir_compte
from web.db import ecriture
from web.tables import Journal, Organisme, Session, Utilisateur


async def creer_agent(settings) -> Compte:
    async with ecriture():
        u = Utilisateur(organisme=None, role="agent_cdc", civilite="M.", prenom="Cyril", nom="CAISSE", courriel="cyril@cdc.example")
        await ouvrir_compte(settings, u)
    return Compte(u.identifiant, await mot_de_passe_envoye("cyril@cdc.example"), "cyril@cdc.example", 0, u.id)


@pytest.fixture
async def monde(client, settings):
    p = await creer_organisme(settings)
    return {
        "agent": await creer_agent(settings),
        "principal": p,
        "delegue": await creer_gestionnaire(settings, p.organisme_id, role="administrateur_delegue", prenom="Denis", nom="Delegue"),
        "gestionnaire": await creer_gestionnaire(settings, p.organisme_id, prenom="Gaston", nom="Gestion"),
    }


INSCRIPTION = {
    "raison_sociale": "Mairie de Test",
    "type": "employeur_public",
    "civilite": "M.",
    "prenom": "Marc",
    "nom": "Maire",
    "courriel": "marc.maire@example.fr",
    "telephone": "01 23 45 67 89",
}


async def test_table_des_droits(monde, settings):
    org = monde["principal"].organisme_id
    routes = [
        ("GET", "/cdc"), ("GET", "/cdc/inscrire"), ("POST", "/cdc/inscrire"), ("GET", f"/cdc/organismes/{org}"),
        ("GET", f"/cdc/organismes/{org}/inscrit"), ("POST", f"/cdc/organismes/{org}/renouveler"),
        ("GET", f"/cdc/organismes/{org}/renouveler"), ("GET", f"/cdc/organismes/{org}/suspendre"),
        ("GET", f"/cdc/organismes/{org}/transferer?nouveau={monde['gestionnaire'].id}"),
        ("POST", f"/cdc/organismes/{org}/transferer"), ("POST", f"/cdc/organismes/{org}/suspendre"),
        ("POST", f"/cdc/organismes/{org}/reactiver"), ("GET", "/cdc/demandes"), ("POST", "/cdc/demandes/999/renouveler"),
    ]  # fmt: skip
    attendus = {"agent": {"GET": 200, "POST": 303}, "principal": 403, "delegue": 403, "gestionnaire": 403, None: 303}
    for acteur in ["principal", "delegue", "gestionnaire", None, "agent"]:
        async with AsyncTestClient(app=create_app(settings, services=False)) as c:
            if acteur:
                await connecte(c, monde[acteur])
            for methode, url in routes:
                if methode == "GET":
                    r = await c.get(url, follow_redirects=False)
                else:
                    token = jeton((await c.get("/connexion")).text)
                    donnees = {**INSCRIPTION, "siret": siret_valide(), "nouveau": str(monde["gestionnaire"].id)}
                    r = await c.post(url, data={"_csrf_token": token, **donnees}, follow_redirects=False)
                attendu = attendus[acteur][methode] if acteur == "agent" else attendus[acteur]
                assert r.status_code == attendu, (acteur, methode, url, r.status_code)
                if acteur is None:
                    assert r.headers["location"].startswith("/connexion"), url
    # The agent never reaches an organisation's own pages.
    async with AsyncTestClient(app=create_app(settings, services=False)) as c:
        await connecte(c, monde["agent"])
        for url in ("/habilitations", "/profil", "/parametres", "/habilitations/demandes"):
            assert (await c.get(url)).status_code == 403, url
        assert (await c.get("/", follow_redirects=False)).headers["location"] == "/cdc"


async def test_inscription_par_le_formulaire(client, monde):
    await connecte(client, monde["agent"])
    siret = siret_valide()
    r = await poster(client, "/cdc/inscrire", "/cdc/inscrire", {**INSCRIPTION, "siret": siret})
    assert r.status_code == 303
    r = await client.get(r.headers["location"])
    u = await Utilisateur.objects().where(Utilisateur.courriel == "marc.maire@example.fr").first()
    assert u.role == "administrateur_principal" and u.identifiant in t(r)
    ligne = await Journal.objects().where(Journal.type == "organisme_inscrit").order_by(Journal.id, ascending=False).first()
    assert ligne.acteur == monde["agent"].id
    # A SIRET is registered once, by the form as by the command.
    r = await poster(client, "/cdc/inscrire", "/cdc/inscrire", {**INSCRIPTION, "siret": siret, "courriel": "x@example.fr"})
    assert r.status_code == 422 and f"Le SIRET {siret} est déjà inscrit." in t(r)
    options = ["--siret", siret, "--raison-sociale", "X", "--type", "operateur", "--civilite", "Mme", "--prenom", "A", "--nom", "B"]
    code, _, err = await portail("organisme", "inscrire", *options, "--courriel", "ab@example.fr", "--telephone", "0123456789")
    assert code != 0 and "déjà inscrit" in err
    r = await poster(client, "/cdc/inscrire", "/cdc/inscrire", {**INSCRIPTION, "siret": "123"})
    assert r.status_code == 422 and "14 chiffres" in t(r)


async def test_recherche_des_organismes(client, monde):
    await connecte(client, monde["agent"])
    org = await Organisme.objects().first()
    r = await client.get(f"/cdc?q={org.siret[:6]}")
    assert org.siret in t(r) and monde["principal"].identifiant in t(r)
    r = await client.get("/cdc?q=employeur", headers={"HX-Request": "true", "HX-Target": "resultats"})
    assert "<html" not in r.text and org.siret in t(r)
    async with ecriture():
        await Organisme(siret=siret_valide(), raison_sociale="ŒUVRES SOCIALES DE L'ÉCOLE", type="operateur").save()
    for q in ("oeuvres sociales de l'ecole", "École", "  ŒUVRES   sociales "):
        assert "ŒUVRES SOCIALES DE L'ÉCOLE" in t(await client.get("/cdc", params={"q": q})), q
    r = await client.get("/cdc?q=zzzz")
    assert "Aucun organisme ne correspond à votre recherche." in t(r)


async def test_suspension_et_renouvellement(monde, settings):
    p = monde["principal"]
    async with (
        AsyncTestClient(app=create_app(settings, services=False)) as cp,
        AsyncTestClient(app=create_app(settings, services=False)) as ca,
    ):
        await connecte(cp, p)
        await connecte(ca, monde["agent"])
        await poster(ca, "/cdc", f"/cdc/organismes/{p.organisme_id}/renouveler", {})
        assert (await cp.get("/", follow_redirects=False)).status_code == 303  # the principal's session ended
        assert (await Utilisateur.objects().where(Utilisateur.id == p.id).first()).mot_de_passe_temporaire
        await poster(ca, "/cdc", f"/cdc/organismes/{p.organisme_id}/suspendre", {})
        assert (await Organisme.objects().where(Organisme.id == p.organisme_id).first()).statut == "suspendu"
        temporaire = await mot_de_passe_envoye(p.courriel)
        r = await poster(cp, "/connexion", "/connexion", {"identifiant": p.identifiant, "mot_de_passe": temporaire})
        assert "Ce compte est suspendu" in t(r)
        assert await Journal.count().where((Journal.type == "organisme_suspendu") & (Journal.acteur == monde["agent"].id)) == 1


async def test_suspension_ferme_les_sessions(monde, settings):
    g = monde["gestionnaire"]
    async with (
        AsyncTestClient(app=create_app(settings, services=False)) as cg,
        AsyncTestClient(app=create_app(settings, services=False)) as ca,
    ):
        await connecte(cg, g)
        await connecte(ca, monde["agent"])
        await poster(ca, "/cdc", f"/cdc/organismes/{g.organisme_id}/suspendre", {})
        assert await Session.count().where(Session.utilisateur == g.id) == 0
        assert (await cg.get("/", follow_redirects=False)).status_code == 303


async def test_transfert_du_role(client, monde):
    await connecte(client, monde["agent"])
    org = monde["principal"].organisme_id
    r = await poster(client, "/cdc", f"/cdc/organismes/{org}/transferer", {"nouveau": str(monde["gestionnaire"].id)})
    assert r.status_code == 303 and "fait=transfere" in r.headers["location"]
    roles = {u["id"]: u["role"] for u in await Utilisateur.select(Utilisateur.id, Utilisateur.role).where(Utilisateur.organisme == org)}
    assert roles[monde["gestionnaire"].id] == "administrateur_principal"
    assert roles[monde["principal"].id] == "gestionnaire"
    assert list(roles.values()).count("administrateur_principal") == 1
    autre = await creer_organisme(client.app.state.settings, prenom="Zoe", nom="Ailleurs")
    r = await poster(client, "/cdc", f"/cdc/organismes/{org}/transferer", {"nouveau": str(autre.id)})
    assert "erreur=transfert" in r.headers["location"]  # not a member of this organisation
    assert (await Utilisateur.objects().where(Utilisateur.id == autre.id).first()).role == "administrateur_principal"


async def test_creer_agent_en_ligne_de_commande(base_vide):
    code, out, _ = await portail("cdc", "creer-agent", "--prenom", "Alice", "--nom", "Agent", "--courriel", "alice@cdc.example")
    assert code == 0
    u = await Utilisateur.objects().where(Utilisateur.identifiant == out.strip().splitlines()[-1]).first()
    assert u.role == "agent_cdc" and u.organisme is None
    code, _, err = await portail("cdc", "creer-agent", "--prenom", "", "--nom", "Agent", "--courriel", "pas-une-adresse")
    assert code != 0 and "Prénom" in err and "courriel" in err
    assert await Utilisateur.count() == 1


async def test_pagination_et_saisies_hostiles(client, monde):
    await connecte(client, monde["agent"])
    async with ecriture():
        for i in range(25):
            await Organisme(siret=siret_valide(), raison_sociale=f"COMMUNE {i:02d}", type="operateur").save()
    r = await client.get("/cdc?q=commune")
    assert "COMMUNE 00" in t(r) and "COMMUNE 19" in t(r) and "COMMUNE 20" not in t(r) and "page 1 sur 2" in t(r)
    r = await client.get("/cdc?q=commune&page=2")
    assert "COMMUNE 24" in t(r) and "COMMUNE 00" not in t(r) and "Page précédente" in t(r)
    org = monde["principal"].organisme_id
    for url in ("/cdc?page=²", "/cdc?page=99999999999999", "/cdc?q=" + "é" * 10_000, "/cdc?q=%25_%5C", f"/cdc/organismes/{org}?page=x"):
        assert (await client.get(url)).status_code == 200, url
    for url in ("/cdc/organismes/99999999999999", "/cdc/organismes/0", "/cdc/organismes/abc"):
        assert (await client.get(url)).status_code == 404, url
    r = await poster(client, "/cdc", f"/cdc/organismes/{org}/transferer", {"nouveau": "²"})
    assert "erreur=transfert" in r.headers["location"]
    r = await poster(client, "/cdc/inscrire", "/cdc/inscrire", {**INSCRIPTION, "siret": siret_valide(), "nom": "x" * 10_000})
    assert r.status_code == 422 and "« Nom » doit compter 100 caractères au maximum." in t(r)


async def test_verification_en_ligne_d_un_champ(client, monde):
    await connecte(client, monde["agent"])
    r = await poster(
        client, "/cdc/inscrire", "/cdc/inscrire", {"siret": "12345678200011", "action": "verifier"},
        headers={"HX-Request": "true", "HX-Target": "champ-siret", "HX-Trigger-Name": "siret"},
    )  # fmt: skip
    assert r.status_code == 200 and "<html" not in r.text
    assert "sa clé de contrôle est fausse" in t(r) and "Saisissez le champ « Nom »" not in t(r)
    assert await Organisme.count() == 1  # nothing registered by a check


async def test_demandes_de_renouvellement(client, monde, settings):
    from web.renouvellement.service import demander
    from web.tables import DemandeRenouvellement

    p, g = monde["principal"], monde["gestionnaire"]
    await demander(settings, p.identifiant, "127.0.0.2")
    await demander(settings, g.identifiant, "127.0.0.2")  # not the agent's: the principal serves it
    await connecte(client, monde["agent"])
    r = await client.get("/cdc/demandes")
    assert p.identifiant in t(r) and g.identifiant not in t(r)
    d = await DemandeRenouvellement.objects().where(DemandeRenouvellement.utilisateur == p.id).first()
    assert "Administrateur principal" in t(r) and f'action="/cdc/demandes/{d.id}/renouveler"' in r.text
    avant = (await Utilisateur.objects().where(Utilisateur.id == p.id).first()).mot_de_passe
    r = await poster(client, "/cdc/demandes", f"/cdc/demandes/{d.id}/renouveler", {})
    assert r.headers["location"] == "/cdc/demandes?fait=renouvele"
    d = await DemandeRenouvellement.objects().where(DemandeRenouvellement.id == d.id).first()
    assert d.statut == "traitee" and d.traitee_par == monde["agent"].id and d.traitee_le is not None
    u = await Utilisateur.objects().where(Utilisateur.id == p.id).first()
    assert u.mot_de_passe != avant and u.mot_de_passe_temporaire
    r = await client.get("/cdc/demandes?fait=renouvele")
    assert "Aucune demande en attente." in t(r) and "les sessions de l'administrateur principal sont fermées" in t(r)
    r = await poster(client, "/cdc/demandes", f"/cdc/demandes/{d.id}/renouveler", {})
    assert r.headers["location"] == "/cdc/demandes?fait=deja"  # served once only
    autre = await DemandeRenouvellement.objects().where(DemandeRenouvellement.utilisateur == g.id).first()
    r = await poster(client, "/cdc/demandes", f"/cdc/demandes/{autre.id}/renouveler", {})
    assert r.status_code == 403  # a gestionnaire's password is not the agent's to renew


async def test_menu_de_l_agent(client, monde):
    await connecte(client, monde["agent"])
    menu = t(await client.get("/cdc")).split("Mon menu", 1)[1]
    for entree in ("Organismes", "Inscrire un organisme", "Demandes de renouvellement", "Aide"):
        assert entree in menu
    for entree in (
        "Accueil",
        "Mes informations professionnelles",
        "Gérer les habilitations",
        "Paramètres",
        "Rechercher un titulaire",
        "Mes délégations",
        "Clôture simplifiée",
    ):
        assert entree not in menu, entree
