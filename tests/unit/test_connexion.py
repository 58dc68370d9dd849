"""The first sign-in journey through the test client: what the server answers."""

from __future__ import annotations

import logging
from datetime import timedelta

from tests.unit.conftest import NOUVEAU, connecte, jeton, poster, premiere_connexion, s_identifier, second_facteur, t
from web.acteur import Acteur
from web.tables import AcceptationCgu, Journal, Session, Utilisateur
from web.temps import maintenant

INCORRECT = "Identifiant ou mot de passe incorrect."


async def se_connecter(client, identifiant, mot_de_passe):
    return await poster(client, "/connexion", "/connexion", {"identifiant": identifiant, "mot_de_passe": mot_de_passe})


async def test_page_de_connexion(client):
    r = await client.get("/connexion")
    assert r.status_code == 200
    assert "Identifiant" in t(r) and "Mot de passe" in t(r)
    assert "Je m'identifie" in t(r)
    assert "Afficher le mot de passe" in t(r)


async def test_une_page_du_portail_demande_de_s_identifier(client):
    r = await client.get("/", follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"] == "/connexion"


async def test_mot_de_passe_temporaire_mene_au_changement_sans_ouvrir_de_session(client, admin):
    r = await se_connecter(client, admin.identifiant.lower(), admin.mot_de_passe)
    assert r.status_code == 200
    assert "Il s'agit de votre première connexion : vous devez changer immédiatement votre mot de passe" in t(r)
    assert f"/mot-de-passe/premiere-connexion?identifiant={admin.identifiant}" in r.text
    assert "portail_session" not in r.headers.get("set-cookie", "")
    assert await Session.count() == 0
    assert (await client.get("/", follow_redirects=False)).status_code == 303
    ligne = await Journal.select(Journal.detail).where((Journal.type == "connexion") & (Journal.cible == admin.id)).first()
    assert ligne["detail"] == "mot de passe temporaire : changement demandé"


async def test_parcours_complet_jusqu_a_l_accueil(client, admin):
    r = await client.get(f"/mot-de-passe/premiere-connexion?identifiant={admin.identifiant}")
    for libelle in (
        "Modifier votre mot de passe",
        "Ancien mot de passe",
        "Nouveau mot de passe",
        "Confirmation nouveau mot de passe",
        "Annuler",
        "Enregistrer",
    ):
        assert libelle in t(r)
    assert f'value="{admin.identifiant}"' in r.text
    await premiere_connexion(client, admin)
    r = await client.get("/connexion?mot_de_passe=modifie")
    r = await client.get("/cgu")
    assert "Validation des Conditions Générales d'Utilisation" in t(r)
    assert "Je déclare avoir lu, compris et accepté les nouvelles Conditions Générales d'Utilisation" in t(r)
    assert "PDF - 2 Ko" in t(r)
    # Until the CGU are accepted, the portal itself stays closed.
    assert (await client.get("/", follow_redirects=False)).headers["location"] == "/cgu"
    r = await poster(client, "/cgu", "/cgu", {"accepte": "on", "action": "confirmer"})
    assert r.status_code == 303 and r.headers["location"] == "/"
    r = await client.get("/")
    assert "ADMINISTRATEUR PRINCIPAL" in t(r) and "EMPLOYEUR PUBLIC" in t(r)
    assert "Anne MARTIN" in t(r) and "Se déconnecter" in t(r)
    assert await AcceptationCgu.count().where(AcceptationCgu.utilisateur == admin.id) == 1
    types = [j["type"] for j in await Journal.select(Journal.type).where(Journal.cible == admin.id).order_by(Journal.id)]
    assert types == ["organisme_inscrit", "mot_de_passe_modifie", "connexion", "facteur_ajoute", "cgu_acceptees"]


async def test_confirmation_de_mise_a_jour(client):
    r = await client.get("/connexion?mot_de_passe=modifie")
    assert "Votre mot de passe a bien été mis à jour. Vous pouvez désormais vous identifier avec." in t(r)


async def test_cgu_sans_case_cochee_refusees(client, admin):
    await premiere_connexion(client, admin)
    r = await poster(client, "/cgu", "/cgu", {"action": "confirmer"})
    assert r.status_code == 422
    assert "Cochez la case pour accepter les Conditions Générales d'Utilisation." in t(r)
    assert await AcceptationCgu.count() == 0


async def test_cgu_annuler_deconnecte(client, admin):
    await premiere_connexion(client, admin)
    r = await poster(client, "/cgu", "/cgu", {"action": "annuler"})
    assert r.status_code == 303 and r.headers["location"].startswith("/connexion")
    assert await Session.count() == 0
    assert (await client.get("/cgu", follow_redirects=False)).status_code == 303


async def test_politique_refusee_a_l_enregistrement(client, admin):
    cas = {
        "abcdefgh": "5 lettres",
        "Abcdefg12": "3 chiffres",
        "Azerty123": "trop courant",
    }
    for nouveau, attendu in cas.items():
        r = await poster(
            client,
            "/connexion",
            "/mot-de-passe/premiere-connexion",
            {"identifiant": admin.identifiant, "ancien": admin.mot_de_passe, "nouveau": nouveau, "confirmation": nouveau},
        )
        assert r.status_code == 422, nouveau
        assert attendu in t(r), (nouveau, r.text)
    r = await poster(
        client,
        "/connexion",
        "/mot-de-passe/premiere-connexion",
        {"identifiant": admin.identifiant, "ancien": admin.mot_de_passe, "nouveau": "Martin12345x", "confirmation": "Martin12345x"},
    )
    assert r.status_code == 422 and "nom" in t(r)
    r = await poster(
        client,
        "/connexion",
        "/mot-de-passe/premiere-connexion",
        {"identifiant": admin.identifiant, "ancien": admin.mot_de_passe, "nouveau": NOUVEAU, "confirmation": NOUVEAU + "x"},
    )
    assert r.status_code == 422 and "La confirmation ne correspond pas" in t(r)
    u = await Utilisateur.objects().where(Utilisateur.id == admin.id).first()
    assert u.mot_de_passe_temporaire


async def test_evaluation_en_direct(client):
    r = await client.get("/mot-de-passe/premiere-connexion")
    token = jeton(r.text)
    r = await client.post(
        "/mot-de-passe/evaluer",
        data={"_csrf_token": token, "nouveau": "abc", "confirmation": ""},
        headers={"HX-Request": "true", "HX-Target": "politique-mdp"},
    )
    assert r.status_code == 200
    assert "<html" not in r.text and "Très faible" in t(r) and "regle--ko" in r.text
    r = await client.post("/mot-de-passe/evaluer", data={"_csrf_token": token, "nouveau": NOUVEAU, "confirmation": NOUVEAU})
    assert "Fort" in t(r) and "regle--ko" not in r.text


async def test_ancien_mot_de_passe_faux(client, admin):
    r = await poster(
        client,
        "/connexion",
        "/mot-de-passe/premiere-connexion",
        {"identifiant": admin.identifiant, "ancien": "Mauvais123abc", "nouveau": NOUVEAU, "confirmation": NOUVEAU},
    )
    assert r.status_code == 422 and INCORRECT in t(r)


async def test_meme_reponse_pour_identifiant_inconnu_et_mot_de_passe_faux(client, admin):
    inconnu = await se_connecter(client, "ZZZZ9999", "Mauvais123abc")
    faux = await se_connecter(client, admin.identifiant, "Mauvais123abc")
    assert inconnu.status_code == faux.status_code == 422
    assert INCORRECT in inconnu.text and INCORRECT in faux.text
    assert inconnu.text.replace("ZZZZ9999", admin.identifiant) == faux.text.replace(jeton(faux.text), jeton(inconnu.text))


async def test_verrouillage_progressif(client, admin):
    for _ in range(4):
        r = await se_connecter(client, admin.identifiant, "Mauvais123abc")
        assert INCORRECT in t(r)
    r = await se_connecter(client, admin.identifiant, "Mauvais123abc")
    assert "vous pourrez réessayer dans 1 minute" in t(r)
    # Even the right password waits.
    r = await se_connecter(client, admin.identifiant, admin.mot_de_passe)
    assert "Trop de tentatives pour cet identifiant" in t(r)
    assert await Journal.count().where(Journal.type == "connexion_verrou") == 1


async def test_un_identifiant_inconnu_se_verrouille_de_meme(client):
    for _ in range(5):
        r = await se_connecter(client, "ABCD1234", "Mauvais123abc")
    assert "vous pourrez réessayer dans 1 minute" in t(r)


async def test_mot_de_passe_temporaire_expire(client, admin):
    await Utilisateur.update({Utilisateur.mot_de_passe_expire_le: maintenant() - timedelta(minutes=1)}).where(Utilisateur.id == admin.id)
    r = await se_connecter(client, admin.identifiant, admin.mot_de_passe)
    assert r.status_code == 422 and "mot de passe temporaire a expiré" in t(r)


async def test_nouvel_identifiant_de_session_a_chaque_connexion(client, admin):
    await connecte(client, admin)
    premier = client.cookies.get("portail_session")
    r = await se_connecter(client, admin.identifiant, admin.mot_de_passe)
    assert r.status_code == 303
    second = client.cookies.get("portail_session")
    assert premier and second and premier != second
    assert await Session.count() == 1  # the previous one is gone


async def test_inactivite_de_30_minutes(client, admin):
    await connecte(client, admin)
    await Session.update({Session.vu_le: maintenant() - timedelta(minutes=31)}).where(Session.utilisateur == admin.id)
    r = await client.get("/", follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"] == "/connexion?expiree=1"
    assert await Session.count() == 0


async def test_deconnexion(client, admin):
    await connecte(client, admin)
    r = await poster(client, "/", "/deconnexion", {})
    assert r.status_code == 303
    assert await Session.count() == 0
    assert (await client.get("/", follow_redirects=False)).status_code == 303


async def test_changement_de_mot_de_passe_ferme_les_sessions(client, admin, settings):
    from web.comptes.mot_de_passe import changer

    await connecte(client, admin)
    u = await Utilisateur.objects().where(Utilisateur.id == admin.id).first()
    await changer(u, "Autre9mot8De7", Acteur.de(u, "127.0.0.1"))
    assert (await client.get("/", follow_redirects=False)).status_code == 303


async def test_mot_de_passe_deja_utilise_refuse(client, admin):
    from web.comptes.mot_de_passe import changer

    await connecte(client, admin)
    u = await Utilisateur.objects().where(Utilisateur.id == admin.id).first()
    await changer(u, "Second9mot8De7", Acteur.de(u, ""))
    r = await poster(
        client,
        "/connexion",
        "/mot-de-passe/premiere-connexion",
        {"identifiant": admin.identifiant, "ancien": "Second9mot8De7", "nouveau": NOUVEAU, "confirmation": NOUVEAU},
    )
    assert r.status_code == 422 and "déjà utilisé" in t(r)


async def test_formulaire_sans_jeton_csrf(client, admin):
    await client.get("/connexion")
    r = await client.post("/connexion", data={"identifiant": admin.identifiant, "mot_de_passe": admin.mot_de_passe})
    assert r.status_code == 403 and "Formulaire expiré" in t(r)


async def test_entrees_extremes(client, admin):
    for donnees in (
        {"identifiant": "", "mot_de_passe": ""},
        {"identifiant": "A" * 10_000, "mot_de_passe": "x" * 10_000},
        {"identifiant": "é\u0000<script>", "mot_de_passe": "a"},
    ):
        r = await se_connecter(client, donnees["identifiant"], donnees["mot_de_passe"])
        assert r.status_code == 422, donnees
        assert "<script>" not in r.text.split("</head>")[1]
    r = await client.get("/connexion")
    brut = b"_csrf_token=" + jeton(r.text).encode() + b"&identifiant=%FF%FE&mot_de_passe=%C3"
    r = await client.post("/connexion", content=brut, headers={"content-type": "application/x-www-form-urlencoded"})
    assert r.status_code in (400, 422)
    r = await poster(
        client,
        "/connexion",
        "/mot-de-passe/premiere-connexion",
        {"identifiant": "x" * 10_000, "ancien": "y" * 10_000, "nouveau": "z" * 10_000, "confirmation": ""},
    )
    assert r.status_code == 422
    assert await Journal.count().where(Journal.type == "connexion") == 0


async def test_aucun_mot_de_passe_dans_les_journaux_ni_les_pages(client, admin, caplog):
    caplog.set_level(logging.DEBUG)
    await premiere_connexion(client, admin)
    r = await client.get("/cgu")
    assert admin.mot_de_passe not in r.text
    assert admin.mot_de_passe not in caplog.text and NOUVEAU not in caplog.text
    details = " ".join(j["detail"] + j["identifiant_saisi"] for j in await Journal.select(Journal.detail, Journal.identifiant_saisi))
    assert NOUVEAU not in details
    u = await Utilisateur.objects().where(Utilisateur.id == admin.id).first()
    assert u.mot_de_passe.startswith("$argon2id$v=19$m=19456,t=2,p=1$")


async def test_entetes_de_securite(client):
    r = await client.get("/connexion")
    csp = r.headers["content-security-policy"]
    assert "script-src 'self'" in csp and "unsafe-inline" not in csp
    assert r.headers["x-frame-options"] == "DENY"
    assert r.headers["x-content-type-options"] == "nosniff"
    assert "httponly" in r.headers["set-cookie"].lower()
    assert r.headers["cache-control"] == "no-store"
    css = await client.get("/static/css/portail.css")
    assert css.status_code == 200 and "no-store" not in css.headers.get("cache-control", "")


async def test_page_introuvable_en_francais(client):
    r = await client.get("/nexiste-pas")
    assert r.status_code == 404 and "Page introuvable" in t(r)


async def test_formulaires_rejoues(client, admin):
    """A form sent twice: the second changes nothing."""
    donnees = {"identifiant": admin.identifiant, "ancien": admin.mot_de_passe, "nouveau": NOUVEAU, "confirmation": NOUVEAU}
    r = await client.get("/connexion")
    token = jeton(r.text)
    premiere = await client.post("/mot-de-passe/premiere-connexion", data={"_csrf_token": token, **donnees}, follow_redirects=False)
    assert premiere.status_code == 303
    rejeu = await client.post("/mot-de-passe/premiere-connexion", data={"_csrf_token": token, **donnees}, follow_redirects=False)
    assert rejeu.status_code == 422 and INCORRECT in t(rejeu)
    await s_identifier(client, admin, NOUVEAU)
    cgu = {"accepte": "on", "action": "confirmer"}
    await poster(client, "/cgu", "/cgu", cgu)
    r = await client.post("/cgu", data={"_csrf_token": token, **cgu}, follow_redirects=False)
    assert r.status_code == 303
    assert await AcceptationCgu.count() == 1
    assert await Journal.count().where(Journal.type == "mot_de_passe_modifie") == 1


async def test_deux_instances_partagent_les_sessions(client, admin, settings):
    """Sessions live in the database: a second portal process honours the first one's cookie."""
    from litestar.testing import AsyncTestClient

    from web.app import create_app

    await connecte(client, admin)
    async with AsyncTestClient(app=create_app(settings, services=False)) as autre:
        autre.cookies.set("portail_session", client.cookies.get("portail_session"))
        r = await autre.get("/", follow_redirects=False)
        assert r.status_code == 200 and "ADMINISTRATEUR PRINCIPAL" in t(r)


async def test_derniere_connexion_et_changement_de_mot_de_passe_dates(client, admin, settings):
    """The account's history (« Gérer les habilitations ») reads the last full sign-in and the
    last password its holder chose: the password step alone signs nobody in, and a temporary
    password is no change by the holder."""
    from tests.unit.conftest import creer_gestionnaire

    def dates(u):
        return u["derniere_connexion"], u["mot_de_passe_modifie_le"]

    async def ligne(compte):
        return await Utilisateur.select(Utilisateur.derniere_connexion, Utilisateur.mot_de_passe_modifie_le).where(
            Utilisateur.id == compte.id
        ).first()

    g = await creer_gestionnaire(settings, admin.organisme_id)
    assert dates(await ligne(g)) == (None, None)
    await premiere_connexion(client, g)
    connexion, modifie = dates(await ligne(g))
    assert connexion is not None and modifie is not None and connexion >= modifie
    await poster(client, "/", "/deconnexion", {})

    # An administrator: the second step completes the sign-in.
    r = await poster(
        client,
        f"/mot-de-passe/premiere-connexion?identifiant={admin.identifiant}",
        "/mot-de-passe/premiere-connexion",
        {"identifiant": admin.identifiant, "ancien": admin.mot_de_passe, "nouveau": NOUVEAU, "confirmation": NOUVEAU},
    )
    admin.mot_de_passe = NOUVEAU
    r = await poster(client, "/connexion", "/connexion", {"identifiant": admin.identifiant, "mot_de_passe": NOUVEAU})
    assert r.headers["location"] == "/connexion/enrolement"
    assert (await ligne(admin))["derniere_connexion"] is None
    await second_facteur(client, admin, r)
    assert (await ligne(admin))["derniere_connexion"] is not None

    # A renewal by the administrator gives a temporary password: not the holder's change.
    from web.comptes.service import renouveler_mot_de_passe

    avant = await ligne(g)
    cible = await Utilisateur.objects().where(Utilisateur.id == g.id).first()
    await renouveler_mot_de_passe(settings, cible, Acteur.de(cible, "127.0.0.1"))
    assert dates(await ligne(g)) == dates(avant)
