"""The second factor (issue 16): the half session, one-time codes (drift, replay), recovery codes,
throttling, « Sécurité du compte » and who may reset whom."""

from __future__ import annotations

import dataclasses
import secrets

import pyotp
import pytest
from litestar.testing import AsyncTestClient
from webauthn.helpers import bytes_to_base64url

from bench.authentificateur import Authentificateur
from tests.unit.conftest import Compte, connecte, creer_gestionnaire, creer_organisme, jeton, poster, s_identifier, t
from web import cgu
from web.acteur import Acteur
from web.app import create_app
from web.comptes.hachage import hacher
from web.connexion import verrou
from web.facteurs import service, totp
from web.tables import AGENT_CDC, CleAcces, CodeSecours, Courriel, FacteurTotp, Journal, Organisme, Session, Utilisateur

MOT_DE_PASSE = "Kq7vTz9mWr4pX"


async def pret(compte: Compte) -> Compte:
    """An account past its first sign-in (password changed, CGU accepted), no factor yet."""
    await Utilisateur.update(
        {
            Utilisateur.mot_de_passe: await hacher(MOT_DE_PASSE),
            Utilisateur.mot_de_passe_temporaire: False,
            Utilisateur.cgu_version: cgu.VERSION,
        }
    ).where(Utilisateur.id == compte.id)
    compte.mot_de_passe = MOT_DE_PASSE
    return compte


async def nouveau_client(settings) -> AsyncTestClient:
    c = AsyncTestClient(app=create_app(settings, services=False))
    await c.__aenter__()
    return c


async def mot_de_passe_seul(client, compte: Compte):
    return await poster(client, "/connexion", "/connexion", {"identifiant": compte.identifiant, "mot_de_passe": compte.mot_de_passe})


async def code(client, valeur: str, action: str = "totp"):
    page = await client.get("/connexion/second-facteur")
    champ = "code" if action == "totp" else "secours"
    return await client.post("/connexion/second-facteur", data={"_csrf_token": jeton(page.text), "action": action, champ: valeur},
                             follow_redirects=False)  # fmt: skip


def test_derive_d_un_pas_acceptee_de_deux_refusee():
    secret = totp.nouveau_secret()
    instant = 1_800_000_000.0
    pas = totp.pas_courant(instant)
    for decalage, attendu in ((-2, None), (-1, pas - 1), (0, pas), (1, pas + 1), (2, None)):
        assert totp.pas_du_code(secret, totp.code_du_pas(secret, pas + decalage), instant) == attendu, decalage
    assert totp.pas_du_code(secret, "12345", instant) is None and totp.pas_du_code(secret, "１２３４５６", instant) is None


async def test_un_administrateur_configure_son_facteur_apres_le_mot_de_passe(client, settings):
    admin = await pret(await creer_organisme(settings))
    r = await mot_de_passe_seul(client, admin)
    assert r.headers["location"] == "/connexion/enrolement"
    # The half session opens nothing else.
    for page in ("/", "/habilitations", "/securite", "/profil", "/parametres"):
        assert (await client.get(page, follow_redirects=False)).headers["location"] == "/connexion/enrolement", page
    page = await client.get("/connexion/enrolement")
    assert "Configurer une application d'authentification" in t(page) and "<svg" in page.text and "Code QR à scanner" in page.text
    secret = FacteurTotp  # the secret is stored sealed, never in clear
    row = await secret.select(secret.secret).where(secret.utilisateur == admin.id).first()
    en_clair = page.text.split('<code id="secret">')[1].split("</code>")[0].replace(" ", "")
    assert en_clair not in row["secret"]
    r = await client.post("/facteurs/totp", data={"_csrf_token": jeton(page.text), "code": "000000"}, follow_redirects=False)
    assert r.status_code == 422 and "La vérification a échoué" in t(r)
    r = await client.post(
        "/facteurs/totp", data={"_csrf_token": jeton(page.text), "code": pyotp.TOTP(en_clair).now()}, follow_redirects=False
    )
    assert r.status_code == 200 and "Vos codes de secours" in t(r) and t(r).count("-") >= 10
    assert await CodeSecours.count().where(CodeSecours.utilisateur == admin.id) == 10
    assert (await client.get("/", follow_redirects=False)).status_code == 200
    assert await Courriel.count().where((Courriel.destinataire == admin.courriel) & (Courriel.sujet.like("%sécurité de votre compte"))) == 1


async def test_un_gestionnaire_sans_obligation_n_a_pas_de_second_pas(client, settings):
    admin = await creer_organisme(settings)
    g = await pret(await creer_gestionnaire(settings, admin.organisme_id))
    r = await mot_de_passe_seul(client, g)
    assert r.headers["location"] == "/"


async def test_le_principal_peut_l_exiger_de_tous_les_gestionnaires(client, settings):
    admin = await creer_organisme(settings)
    g = await pret(await creer_gestionnaire(settings, admin.organisme_id))
    await Organisme.update({Organisme.second_facteur_requis: True}).where(Organisme.id == admin.organisme_id)
    r = await mot_de_passe_seul(client, g)
    assert r.headers["location"] == "/connexion/enrolement"


async def test_un_code_rejoue_est_refuse(base_vide, settings):
    admin = await pret(await creer_organisme(settings))
    c1 = await nouveau_client(settings)
    await connecte(c1, admin)
    deja = pyotp.TOTP(admin.totp).at(admin.pas * totp.PERIODE)
    c2 = await nouveau_client(settings)
    r = await mot_de_passe_seul(c2, admin)
    assert r.headers["location"] == "/connexion/second-facteur"
    r = await code(c2, deja)
    assert r.status_code == 422 and "La vérification a échoué" in t(r)
    assert await Journal.count().where((Journal.type == "second_facteur_echec") & (Journal.cible == admin.id)) == 1
    # The next step's code (within one step of drift) is accepted once.
    suivant = pyotp.TOTP(admin.totp).at((admin.pas + 1) * totp.PERIODE)
    r = await code(c2, suivant)
    assert r.status_code == 303
    assert (await c2.get("/", follow_redirects=False)).status_code == 200
    for c in (c1, c2):
        await c.__aexit__(None, None, None)


async def test_un_code_de_secours_ne_sert_qu_une_fois(base_vide, settings):
    admin = await pret(await creer_organisme(settings))
    c = await nouveau_client(settings)
    await connecte(c, admin)
    secours = admin.secours[0]
    for attendu in (303, 422):
        c2 = await nouveau_client(settings)
        await mot_de_passe_seul(c2, admin)
        r = await code(c2, secours.lower().replace("-", " "), "secours")
        assert r.status_code == attendu, t(r)
        await c2.__aexit__(None, None, None)
    assert await CodeSecours.count().where((CodeSecours.utilisateur == admin.id) & CodeSecours.utilise_le.is_null()) == 9
    await c.__aexit__(None, None, None)


async def test_le_second_pas_se_bloque_apres_cinq_echecs(base_vide, settings):
    admin = await pret(await creer_organisme(settings))
    c = await nouveau_client(settings)
    await connecte(c, admin)
    c2 = await nouveau_client(settings)
    await mot_de_passe_seul(c2, admin)
    messages = [t(await code(c2, "000000")) for _ in range(verrou.SEUIL + 1)]
    assert all("La vérification a échoué" in m for m in messages[: verrou.SEUIL - 1])
    assert "Trop de tentatives" in messages[verrou.SEUIL - 1] and "Trop de tentatives" in messages[-1]
    # Even the right code waits for the end of the lock; the message never names a factor.
    r = await code(c2, pyotp.TOTP(admin.totp).at((admin.pas + 1) * totp.PERIODE))
    assert r.status_code == 422 and "Trop de tentatives" in t(r)
    assert await Journal.count().where(Journal.type == "second_facteur_echec") == verrou.SEUIL
    assert await Journal.count().where(Journal.type == "second_facteur_verrou") == 1
    assert await Journal.count().where(Journal.type == "second_facteur_refuse") == 2
    for x in (c, c2):
        await x.__aexit__(None, None, None)


async def test_supprimer_son_dernier_facteur_est_refuse_a_un_administrateur(client, settings):
    admin = await pret(await creer_organisme(settings))
    await connecte(client, admin)
    r = await client.get("/securite")
    assert "Application d'authentification" in t(r) and "Codes de secours restants : 10 sur 10." in t(r)
    # Verified a moment ago: no code asked again; the last factor stays.
    page = await client.get("/securite/totp/supprimer")
    assert "Supprimer l'application d'authentification" in t(page) and 'name="confirmation"' not in page.text
    r = await client.post("/securite/totp/supprimer", data={"_csrf_token": jeton(page.text)}, follow_redirects=False)
    assert r.status_code == 422 and "doit garder au moins un second facteur" in t(r)
    assert await FacteurTotp.count().where(FacteurTotp.utilisateur == admin.id) == 1


async def test_de_nouveaux_codes_de_secours_demandent_une_confirmation(client, settings):
    admin = await pret(await creer_organisme(settings))
    await connecte(client, admin)
    await Session.update({Session.facteur_le: None}).where(Session.utilisateur == admin.id)
    page = await client.get("/securite/codes")
    assert 'name="confirmation"' in page.text
    r = await client.post("/securite/codes", data={"_csrf_token": jeton(page.text), "confirmation": "000000"}, follow_redirects=False)
    assert r.status_code == 422 and "La vérification a échoué" in t(r)
    r = await client.post(
        "/securite/codes", data={"_csrf_token": jeton(page.text), "confirmation": admin.secours[0]}, follow_redirects=False
    )
    assert r.status_code == 200 and "les anciens ne sont plus valables" in t(r)
    assert await CodeSecours.count().where((CodeSecours.utilisateur == admin.id) & CodeSecours.utilise_le.is_null()) == 10


@pytest.fixture
async def monde(client, settings):
    """Organisation 1: principal, délégué, gestionnaire; organisation 2: its principal; two agents."""
    p = await creer_organisme(settings)
    d = await creer_gestionnaire(settings, p.organisme_id, role="administrateur_delegue", prenom="Denis", nom="Delegue")
    g = await creer_gestionnaire(settings, p.organisme_id, prenom="Gaston", nom="Gestion")
    x = await creer_organisme(settings, prenom="Xavier", nom="Ailleurs")
    agents = []
    for prenom in ("Cyril", "Carole"):
        a = await creer_organisme(settings, prenom=prenom, nom="Caisse")
        await Utilisateur.update({Utilisateur.role: AGENT_CDC, Utilisateur.organisme: None}).where(Utilisateur.id == a.id)
        agents.append(a)
    return {"principal": p, "delegue": d, "gestionnaire": g, "autre": x, "agent": agents[0], "agent2": agents[1]}


# Who may reset whose factors: the renewal hierarchy, and an agent by another agent.
CIBLES = ["gestionnaire", "delegue", "principal", "agent2"]
ATTENDU = {
    #             gestionnaire, délégué, principal, agent2
    "principal": (303, 303, 403, 404),
    "delegue": (303, 403, 403, 404),
    "gestionnaire": (403, 403, 403, 404),
    "autre": (404, 404, 404, 404),
    "agent": (404, 404, 303, 303),
    None: (303, 303, 303, 303),  # anonymous: to the sign-in page
}


async def test_table_des_droits_de_reinitialisation(monde, settings):
    for acteur in ["gestionnaire", "autre", None, "delegue", "agent", "principal"]:
        c = await nouveau_client(settings)
        if acteur:
            await connecte(c, monde[acteur])
        for i, cible in enumerate(CIBLES):
            url = f"/facteurs/reinitialiser/{monde[cible].id}"
            r = await c.get(url, follow_redirects=False)
            attendu = ATTENDU[acteur][i]
            assert r.status_code == (200 if attendu == 303 and acteur else attendu), (acteur, cible, "GET", r.status_code)
            r = await c.post(url, data={"_csrf_token": jeton((await c.get("/connexion")).text)}, follow_redirects=False)
            assert r.status_code == attendu, (acteur, cible, "POST", r.status_code)
            if acteur is None:
                assert r.headers["location"] == "/connexion"
        await c.__aexit__(None, None, None)


async def test_le_principal_reinitialise_les_facteurs_d_un_delegue(client, monde, settings):
    d = monde["delegue"]
    cd = await nouveau_client(settings)
    await connecte(cd, d)
    assert await FacteurTotp.count().where(FacteurTotp.utilisateur == d.id) == 1
    await connecte(client, monde["principal"])
    page = await client.get(f"/facteurs/reinitialiser/{d.id}")
    assert f"Réinitialiser les seconds facteurs de Mme Denis DELEGUE ({d.identifiant})" in t(page)
    r = await client.post(f"/facteurs/reinitialiser/{d.id}", data={"_csrf_token": jeton(page.text)}, follow_redirects=False)
    assert r.headers["location"] == f"/habilitations/{d.id}?fait=facteurs"
    assert "Ses seconds facteurs ont été réinitialisés" in t(await client.get(r.headers["location"]))
    assert (
        await FacteurTotp.count().where(FacteurTotp.utilisateur == d.id) == 0
        and await CodeSecours.count().where(CodeSecours.utilisateur == d.id) == 0
    )
    assert await Session.count().where(Session.utilisateur == d.id) == 0
    assert (await cd.get("/", follow_redirects=False)).headers["location"].startswith("/connexion")
    assert await Journal.count().where((Journal.type == "facteurs_reinitialises") & (Journal.cible == d.id)) == 1
    # At the next sign-in, they enrol again.
    cd2 = await nouveau_client(settings)
    r = await poster(cd2, "/connexion", "/connexion", {"identifiant": d.identifiant, "mot_de_passe": d.mot_de_passe})
    assert r.headers["location"] == "/connexion/enrolement"
    for c in (cd, cd2):
        await c.__aexit__(None, None, None)


async def test_s_identifier_rend_la_main_apres_le_second_pas(client, settings):
    admin = await pret(await creer_organisme(settings))
    await connecte(client, admin)
    c2 = await nouveau_client(settings)
    r = await s_identifier(c2, admin)
    assert r.status_code == 303 and r.headers["location"] == "/"
    await c2.__aexit__(None, None, None)


# --- Passkeys: py_webauthn's verification on crafted responses ------------------------------------


@pytest.fixture
def sur_localhost(settings):
    return dataclasses.replace(settings, base_url="http://localhost:8000")


def defi() -> str:
    return bytes_to_base64url(secrets.token_bytes(32))


async def avec_authentificateur(settings) -> tuple[Compte, Utilisateur, Acteur, Authentificateur]:
    """An administrator without a factor yet, and a software authenticator to give them one."""
    admin = await creer_organisme(settings)
    u = await Utilisateur.objects().where(Utilisateur.id == admin.id).first()
    return admin, u, Acteur.de(u, "test"), Authentificateur()


async def test_une_cle_d_une_autre_origine_ou_d_un_autre_site_est_refusee(client, settings, sur_localhost):
    _, u, acteur, a = await avec_authentificateur(settings)
    d = defi()
    for origine, rp in (
        ("http://localhost:9999", "localhost"),
        ("https://hameconnage.example", "localhost"),
        ("http://localhost:8000", "hameconnage.example"),
    ):
        assert not await service.enregistrer_cle(sur_localhost, u, a.creer(d, origine=origine, rp_id=rp), d, "Clé", acteur)
    # Without user verification (a PIN, a fingerprint), no passkey either.
    assert not await service.enregistrer_cle(
        sur_localhost, u, a.creer(d, origine="http://localhost:8000", rp_id="localhost", uv=False), d, "Clé", acteur
    )
    assert await CleAcces.count() == 0
    assert await service.enregistrer_cle(sur_localhost, u, a.creer(d, origine="http://localhost:8000", rp_id="localhost"), d, "Clé", acteur)
    # Signing in: the same checks.
    for origine, rp in (("http://localhost:9999", "localhost"), ("http://localhost:8000", "hameconnage.example")):
        d = defi()
        assert await service.verifier_cle(sur_localhost, u, a.signer(d, origine=origine, rp_id=rp), d, acteur) == service.ECHEC
    d = defi()
    assert await service.verifier_cle(sur_localhost, u, a.signer(d, origine="http://localhost:8000", rp_id="localhost"), d, acteur) is None
    # A challenge other than the one the server keeps is refused.
    assert (
        await service.verifier_cle(sur_localhost, u, a.signer(defi(), origine="http://localhost:8000", rp_id="localhost"), d, acteur)
        == service.ECHEC
    )


async def test_une_cle_clonee_est_refusee_journalisee_et_signalee(client, settings, sur_localhost):
    admin, u, acteur, a = await avec_authentificateur(settings)
    d = defi()
    assert await service.enregistrer_cle(sur_localhost, u, a.creer(d, origine="http://localhost:8000", rp_id="localhost"), d, "Clé", acteur)
    d = defi()
    assert (
        await service.verifier_cle(sur_localhost, u, a.signer(d, origine="http://localhost:8000", rp_id="localhost", compteur=7), d, acteur)
        is None
    )
    assert (await CleAcces.objects().first()).compteur == 7
    avant = await Courriel.count().where(Courriel.destinataire == admin.courriel)
    for compteur in (7, 3):  # the same count again, or one going back: a copy of the key
        d = defi()
        reponse = a.signer(d, origine="http://localhost:8000", rp_id="localhost", compteur=compteur)
        assert await service.verifier_cle(sur_localhost, u, reponse, d, acteur) == service.ECHEC
    assert await Journal.count().where(Journal.type == "cle_clonee") == 2
    assert await Courriel.count().where(Courriel.destinataire == admin.courriel) == avant + 2
    assert (await CleAcces.objects().first()).compteur == 7


async def test_seul_le_principal_exige_le_second_facteur_des_gestionnaires(monde, settings):
    org = monde["principal"].organisme_id
    for acteur, attendu in (("gestionnaire", 403), ("delegue", 403), (None, 303), ("agent", 403), ("principal", 303)):
        c = await nouveau_client(settings)
        if acteur:
            await connecte(c, monde[acteur])
        r = await c.post("/parametres/second-facteur", data={"_csrf_token": jeton((await c.get("/connexion")).text), "requis": "on"},
                         follow_redirects=False)  # fmt: skip
        assert r.status_code == attendu, (acteur, r.status_code)
        assert (await Organisme.objects().where(Organisme.id == org).first()).second_facteur_requis == (acteur == "principal")
        await c.__aexit__(None, None, None)
    assert await Journal.count().where(Journal.type == "second_facteur_exige") == 1


async def test_annuler_au_second_pas_ferme_la_session_a_mi_chemin(client, settings):
    admin = await pret(await creer_organisme(settings))
    await mot_de_passe_seul(client, admin)
    page = await client.get("/connexion/enrolement")
    assert "Annuler et revenir à la connexion" in t(page)
    r = await client.post("/deconnexion", data={"_csrf_token": jeton(page.text)}, follow_redirects=False)
    assert r.headers["location"] == "/connexion?deconnecte=1"
    assert await Session.count().where(Session.utilisateur == admin.id) == 0


async def test_la_page_demandee_suit_aussi_le_premier_enrolement(settings, sur_localhost):
    """Signed out, a person follows a link to a page of the portal; their first sign-in has them
    enrol a factor (an application, or a passkey) and then accept the CGU: the page they asked
    for still comes at the end."""
    import re
    from urllib.parse import urlencode

    from tests.unit.htmx import page

    suite = "/habilitations?nom=mar"
    for par_cle in (False, True):
        admin = await pret(await creer_organisme(settings))
        await Utilisateur.update({Utilisateur.cgu_version: None}).where(Utilisateur.id == admin.id)
        c = await nouveau_client(sur_localhost)
        try:
            donnees = {"identifiant": admin.identifiant, "mot_de_passe": admin.mot_de_passe, "suite": suite}
            r = await poster(c, f"/connexion?{urlencode({'suite': suite})}", "/connexion", donnees)
            assert r.headers["location"] == f"/connexion/enrolement?{urlencode({'suite': suite})}"
            enrolement = await c.get(r.headers["location"])
            csrf = jeton(enrolement.text)
            if par_cle:
                options = (await c.post("/facteurs/cle/options", data={"_csrf_token": csrf})).json()
                reponse = Authentificateur().creer(options["challenge"], origine="http://localhost:8000", rp_id="localhost")
                bouton = page(enrolement).select_one("[data-cle-ajout]")
                donnees = {"_csrf_token": csrf, "reponse": reponse, "nom": "Clé", "suite": bouton["data-suite"]}
                r = await c.post("/facteurs/cle", data=donnees)
                confirmation = await c.get(r.json()["aller"])
                action = page(confirmation).select_one("main form[method=post]")["action"]
                r = await c.post(action, data={"_csrf_token": jeton(confirmation.text)})
            else:
                secret = re.search(r'<code id="secret">([A-Z2-7 ]+)</code>', enrolement.text).group(1).replace(" ", "")
                form = page(enrolement).select_one("form[action='/facteurs/totp']")
                champs = {i["name"]: i.get("value", "") for i in form.select("input[type=hidden]")}
                r = await c.post("/facteurs/totp", data={**champs, "code": pyotp.TOTP(secret).now()})
            assert r.status_code == 200, t(r)
            continuer = page(r).find("a", string="Continuer")
            assert continuer["href"] == f"/cgu?{urlencode({'suite': suite})}"
        finally:
            await c.__aexit__(None, None, None)
