"""Issue 14, the face: the mandatory pages in every footer, the brand from the settings, the
confirmations of destructive actions, the menu's current section, named back links, the level in
the header, a deep link surviving sign-in (and no open redirect)."""

from __future__ import annotations

import dataclasses
from urllib.parse import urlencode

import pytest
from litestar.testing import AsyncTestClient

from tests.unit.conftest import connecte, creer_gestionnaire, creer_organisme, jeton, poster, second_facteur, t
from tests.unit.htmx import page
from tests.unit.test_titulaires import titulaire
from web.app import create_app
from web.file_d_envoi import ouvrir
from web.settings import Settings
from web.tables import Courriel, Utilisateur

PAGES_OBLIGATOIRES = {
    "/accessibilite": "Accessibilité : partiellement conforme",
    "/mentions-legales": "Mentions légales",
    "/donnees-personnelles": "Données personnelles",
    "/plan-du-site": "Plan du site",
}


def liens_du_pied(html) -> dict[str, str]:
    pied = page(html).select_one("footer")
    return {a["href"]: " ".join(a.get_text().split()) for a in pied.select("a")}


async def test_les_pages_obligatoires_au_pied_de_chaque_page(client, admin):
    for url in ("/connexion", "/aide", "/mot-de-passe/oublie", "/page-inexistante", *PAGES_OBLIGATOIRES):
        assert PAGES_OBLIGATOIRES.items() <= liens_du_pied(await client.get(url)).items(), url
    for url in PAGES_OBLIGATOIRES:  # public
        assert (await client.get(url)).status_code == 200
    await connecte(client, admin)
    for url in ("/", "/habilitations", "/profil", "/parametres", *PAGES_OBLIGATOIRES):
        r = await client.get(url)
        assert r.status_code == 200 and PAGES_OBLIGATOIRES.items() <= liens_du_pied(r).items(), url
    # Signed in, the legal pages keep the portal's menu.
    assert page(await client.get("/accessibilite")).select_one("nav.menu") is not None


async def test_le_contenu_des_pages_obligatoires(client):
    a = t(await client.get("/accessibilite"))
    for attendu in ("partiellement conforme", "RGAA", "axe-core", "Nu Html Checker", "320 pixels", "Défenseur des droits"):
        assert attendu in a, attendu
    m = t(await client.get("/mentions-legales"))
    assert "édité par Caisse des Dépôts" in m and "Directeur de la publication" in m and "Hébergement" in m
    assert "[à compléter par l'organisme qui déploie le portail]" in m
    d = t(await client.get("/donnees-personnelles"))
    for attendu in ("gestionnaires", "titulaires", "numéro de sécurité sociale", "30 jours", "90 jours", "RGPD", "CNIL", "argon2id"):
        assert attendu in d, attendu
    plan = page(await client.get("/plan-du-site"))
    liens = {a["href"] for a in plan.select("main a")}
    assert {"/connexion", "/habilitations", "/cdc", "/profil/mot-de-passe", *PAGES_OBLIGATOIRES} <= liens


async def test_le_nom_du_service_et_de_l_operateur_viennent_des_reglages(base_vide, settings):
    marque = dataclasses.replace(settings, nom_service="Portail des employeurs", nom_operateur="Opérateur Exemple")
    async with AsyncTestClient(app=create_app(marque, services=False)) as c:
        r = await c.get("/mentions-legales")
        p = page(r)
        assert p.title.get_text() == "Mentions légales – Portail des employeurs"
        assert "Portail des employeurs" in p.select_one("header").get_text()
        assert "opéré par Opérateur Exemple" in p.select_one("footer").get_text()
        assert "édité par Opérateur Exemple" in t(r)
    # The mails too: the principal's temporary password.
    await creer_organisme(marque)
    courriel = await Courriel.objects().first()
    assert courriel.sujet == "Portail des employeurs : votre mot de passe temporaire"
    assert "Un compte vient de vous être ouvert sur le Portail des employeurs." in ouvrir(marque, courriel.corps)
    reglages = Settings.from_env({"PORTAIL_NOM_SERVICE": "Portail des employeurs"})
    assert reglages.mail_from == "Portail des employeurs <ne-pas-repondre@portail.invalid>"
    # The authentication application lists the account under the service's name.
    admin = await creer_organisme(marque)
    async with AsyncTestClient(app=create_app(marque, services=False)) as c:
        ident, nouveau = admin.identifiant, "Kq7vTz9mWr4pX"
        changement = {"identifiant": ident, "ancien": admin.mot_de_passe, "nouveau": nouveau, "confirmation": nouveau}
        await poster(c, f"/mot-de-passe/premiere-connexion?identifiant={ident}", "/mot-de-passe/premiere-connexion", changement)
        r = await poster(c, "/connexion", "/connexion", {"identifiant": ident, "mot_de_passe": nouveau})
        r = await c.get(r.headers["location"])
        assert "il y apparaîtra sous le nom « Portail des employeurs »" in t(r)


async def test_le_niveau_dans_l_en_tete_chez_un_operateur(client, settings):
    admin = await creer_organisme(settings, type_="operateur")
    g = await creer_gestionnaire(settings, admin.organisme_id, niveau="validation")
    await connecte(client, g)
    entete = " ".join(page(await client.get("/")).select_one("header").get_text().split())
    assert "GESTIONNAIRE" in entete and "Niveau : Validation" in entete


async def test_pas_de_niveau_dans_l_en_tete_chez_un_employeur_public(client, admin):
    await connecte(client, admin)
    entete = page(await client.get("/")).select_one("header").get_text()
    assert "ADMINISTRATEUR PRINCIPAL" in entete and "Niveau" not in entete


def courant(html) -> dict[str, str]:
    return {" ".join(a.get_text().split()): a["aria-current"] for a in page(html).select("nav.menu a[aria-current]")}


async def test_le_menu_marque_la_section_de_chaque_page(client, settings, admin):
    g = await creer_gestionnaire(settings, admin.organisme_id)
    tid = await titulaire(admin.organisme_id)
    await connecte(client, admin)
    assert courant(await client.get("/")) == {"Rechercher un titulaire": "page"}
    assert courant(await client.get(f"/titulaires/{tid}")) == {"Rechercher un titulaire": "true"}
    assert courant(await client.get(f"/titulaires/{tid}/dossiers/nouveau")) == {"Rechercher un titulaire": "true"}
    assert courant(await client.get(f"/habilitations/{g.id}")) == {"Gérer les habilitations": "true"}
    assert courant(await client.get("/habilitations/journal")) == {"Gérer les habilitations": "true"}
    assert courant(await client.get("/habilitations/demandes")) == {"Demandes de renouvellement": "page"}
    assert courant(await client.get("/profil/mot-de-passe")) == {"Modifier mon mot de passe": "page"}
    assert courant(await client.get("/profil")) == {"Mes informations professionnelles": "page"}


async def test_mon_menu_se_replie_et_range_le_mot_de_passe_sous_mes_informations(client, admin):
    await connecte(client, admin)
    menu = page(await client.get("/")).select_one("nav.menu")
    assert menu.select_one("details > summary").get_text() == "Mon menu"
    assert menu.select_one("details").get("open") is None  # folded when narrow; the stylesheet shows it when wide
    entree = next(li for li in menu.select("li") if li.a.get_text() == "Mes informations professionnelles")
    assert [a.get_text() for a in entree.select(":scope > ul a")] == ["Modifier mon mot de passe"]


async def test_les_liens_de_retour_nomment_leur_cible(client, settings, admin):
    g = await creer_gestionnaire(settings, admin.organisme_id)
    tid = await titulaire(admin.organisme_id)
    await connecte(client, admin)
    for url in (f"/habilitations/{g.id}", "/habilitations/journal", f"/titulaires/{tid}", f"/titulaires/{tid}/dossiers/nouveau"):
        liens = [a.get_text().strip() for a in page(await client.get(url)).select("main a")]
        assert "Retour" not in liens, url
        assert any(lien.startswith("Retour à ") for lien in liens), url


# --- Confirmations -------------------------------------------------------------------------------


async def test_suspendre_demande_confirmation_et_nomme_la_personne(client, settings, admin):
    g = await creer_gestionnaire(settings, admin.organisme_id, prenom="Anne", nom="Lemoine")
    await connecte(client, admin)
    fiche = page(await client.get(f"/habilitations/{g.id}"))
    # No one-click form on the page: a link to the confirmation.
    assert fiche.select(f'form[action="/habilitations/{g.id}/suspendre"]') == []
    lien = fiche.find("a", string="Suspendre le compte")
    assert lien["href"] == f"/habilitations/{g.id}/suspendre" and lien["data-dialogue"] == "dialogue"
    r = await client.get(lien["href"])
    assert r.status_code == 200
    assert "Suspendre le compte de Anne LEMOINE" in t(r)
    assert "Anne LEMOINE ne pourra plus se connecter au portail." in t(r)
    formulaire = page(r).select_one(f'form[method="post"][action="/habilitations/{g.id}/suspendre"]')
    assert formulaire.select_one('input[name="_csrf_token"]') and formulaire.find("button", string="Suspendre le compte")
    assert formulaire.find("a", string="Annuler")["href"] == f"/habilitations/{g.id}"
    # Looking at the confirmation changes nothing; the POST does.
    assert (await Utilisateur.objects().where(Utilisateur.id == g.id).first()).statut == "actif"
    r = await client.post(f"/habilitations/{g.id}/suspendre", data={"_csrf_token": jeton(r.text)}, follow_redirects=False)
    assert r.status_code == 303
    assert (await Utilisateur.objects().where(Utilisateur.id == g.id).first()).statut == "suspendu"


async def test_renouveler_demande_confirmation(client, settings, admin):
    g = await creer_gestionnaire(settings, admin.organisme_id, prenom="Anne", nom="Lemoine")
    await connecte(client, admin)
    r = await client.get(f"/habilitations/{g.id}/renouveler")
    attendu = f"Le mot de passe actuel de Anne LEMOINE ne fonctionnera plus : un mot de passe temporaire lui sera envoyé à {g.courriel}."
    assert attendu in t(r)
    assert page(r).select_one(f'form[method="post"][action="/habilitations/{g.id}/renouveler"]') is not None


async def test_la_confirmation_s_ouvre_dans_le_dialogue(client, settings, admin):
    """With JavaScript, the same block in the page's dialog (region dialogue-contenu)."""
    g = await creer_gestionnaire(settings, admin.organisme_id, prenom="Anne", nom="Lemoine")
    await connecte(client, admin)
    entier = page(await client.get(f"/habilitations/{g.id}/suspendre"))
    fragment = await client.get(f"/habilitations/{g.id}/suspendre", headers={"HX-Request": "true", "HX-Target": "dialogue-contenu"})
    assert "<html" not in fragment.text
    assert str(page(fragment).select_one(".confirmation")) == str(entier.select_one(".confirmation"))
    dialogue = page(await client.get(f"/habilitations/{g.id}")).select_one("dialog#dialogue")
    assert dialogue["aria-labelledby"] == "titre-dialogue" and dialogue.find("button", string="Fermer") is not None


async def test_supprimer_un_dossier_demande_confirmation(client, settings):
    from tests.unit.test_dossiers import dossier, statut

    admin = await creer_organisme(settings)
    tid = await titulaire(admin.organisme_id)
    did = await dossier(admin.organisme_id, tid)
    await connecte(client, admin)
    assert page(await client.get(f"/dossiers/{did}")).select(f'form[action="/dossiers/{did}/supprimer"]') == []
    r = await client.get(f"/dossiers/{did}/supprimer")
    assert "Le dossier de formation « Bureautique » de Élodie LEFÈVRE sera supprimé définitivement." in t(r)
    assert await statut(did) is not None


# --- A deep link survives sign-in ---------------------------------------------------------------


def moi(compte) -> dict[str, str]:
    return {"identifiant": compte.identifiant, "mot_de_passe": compte.mot_de_passe}


async def test_un_lien_profond_survit_a_la_connexion(client, settings, admin):
    g = await creer_gestionnaire(settings, admin.organisme_id)
    await connecte(client, admin)
    await client.post("/deconnexion", data={"_csrf_token": jeton((await client.get("/")).text)})
    client.cookies.clear()
    voulu = f"/habilitations/{g.id}?fait=enregistre"
    r = await client.get(voulu, follow_redirects=False)
    assert r.headers["location"] == "/connexion?" + urlencode({"suite": voulu})
    r = await client.get(r.headers["location"])
    assert page(r).select_one('input[name="suite"]')["value"] == voulu
    r = await poster(client, "/connexion", "/connexion", {**moi(admin), "suite": voulu})
    # An administrator passes the second step first; the page asked for follows it.
    assert r.status_code == 303 and r.headers["location"] == "/connexion/second-facteur?" + urlencode({"suite": voulu})
    r = await second_facteur(client, admin, r)
    assert r.status_code == 303 and r.headers["location"] == voulu


async def test_un_lien_profond_passe_par_les_cgu(client, settings, admin):
    await connecte(client, admin)
    await Utilisateur.update({Utilisateur.cgu_version: None}).where(Utilisateur.id == admin.id)
    await client.post("/deconnexion", data={"_csrf_token": jeton((await client.get("/cgu")).text)})
    r = await poster(client, "/connexion", "/connexion", {**moi(admin), "suite": "/parametres"})
    r = await second_facteur(client, admin, r)
    assert r.headers["location"] == "/cgu?suite=%2Fparametres"
    r = await poster(client, r.headers["location"], "/cgu", {"accepte": "on", "action": "confirmer", "suite": "/parametres"})
    assert r.headers["location"] == "/parametres"


@pytest.mark.parametrize(
    "suite",
    ["//exemple.org/", "https://exemple.org/", "/\\exemple.org", "\\\\exemple.org", "javascript:alert(1)", "exemple.org",
     "/\r\nSet-Cookie:x", "/\texemple", "/" + "a" * 2000, "/é"],
)  # fmt: skip
async def test_pas_de_redirection_ouverte(client, admin, suite):
    await connecte(client, admin)
    await client.post("/deconnexion", data={"_csrf_token": jeton((await client.get("/")).text)})
    r = await client.get("/connexion", params={"suite": suite})
    assert r.status_code in (200, 400) and 'name="suite"' not in r.text
    r = await poster(client, "/connexion", "/connexion", {**moi(admin), "suite": suite})
    assert r.status_code == 303 and r.headers["location"] == "/connexion/second-facteur"
    # The same value put by hand in the second step's address is dropped as well (an address
    # holding control characters is refused before any page, as /connexion's above).
    if suite.isprintable():
        r.headers["location"] = "/connexion/second-facteur?" + urlencode({"suite": suite})
    r = await second_facteur(client, admin, r)
    assert r.status_code == 303 and r.headers["location"] == "/"


# --- /composants ---------------------------------------------------------------------------------


async def test_composants_en_developpement_seulement(base_vide, settings):
    async with AsyncTestClient(app=create_app(settings, services=False)) as c:
        r = await c.get("/composants")
        assert r.status_code == 200
        p = page(r)
        for selecteur in (".resume-erreurs", ".alerte--succes", ".alerte--erreur", ".badge--actif", ".tableau-cadre table caption",
                          ".pagination", ".fil-ariane", ".retour", ".confirmation form", ".bouton--danger", "select[aria-invalid]",
                          'fieldset input[type="radio"]', 'input[type="checkbox"]', 'input[type="date"]', 'input[type="number"]',
                          'input[type="password"]', "[data-afficher]"):  # fmt: skip
            assert p.select_one(selecteur) is not None, selecteur
    production = dataclasses.replace(settings, env="production")
    async with AsyncTestClient(app=create_app(production, services=False)) as c:
        assert (await c.get("/composants")).status_code == 404


# --- The password panel tells the truth ----------------------------------------------------------


async def test_le_panneau_du_mot_de_passe_dit_vrai(client, admin):
    url = f"/mot-de-passe/premiere-connexion?identifiant={admin.identifiant}"
    vide = page(await client.get(url)).select_one("#politique-mdp")
    assert "Force" not in vide.get_text() and vide.select(".regle--ok, .regle--ko") == []
    # Refused (wrong old password): the fields come back empty; the panel gives the server's
    # verdict on the password that was sent, and says so.
    envoi = {"identifiant": admin.identifiant, "ancien": "pas-le-bon", "nouveau": "Kq7vTz9mWr4pX", "confirmation": "Kq7vTz9mWr4pX"}
    r = await poster(client, url, "/mot-de-passe/premiere-connexion", envoi)
    p = page(r)
    assert r.status_code == 422 and all(not i.get("value") for i in p.select('input[type="password"]'))
    panneau = p.select_one("#politique-mdp")
    assert " ".join(panneau.select_one(".force").get_text().split()) == "Mot de passe envoyé, non enregistré : force Fort"
    assert panneau.select(".regle--ko") == [] and len(panneau.select(".regle--ok")) >= 5
    # Live: a field emptied again shows no strength.
    r = await client.post("/mot-de-passe/evaluer", data={"_csrf_token": jeton(r.text), "nouveau": "", "confirmation": ""},
                          headers={"HX-Request": "true", "HX-Target": "politique-mdp"})  # fmt: skip
    assert "Force" not in t(r) and "regle--ko" not in r.text
    # The panel is not a live region: only #politique-annonce is (the script writes the changes there).
    assert panneau.get("aria-live") is None and p.select_one("#politique-annonce")["aria-live"] == "polite"


# --- 14b's « Nous contacter » in the face -------------------------------------------------------


async def test_nous_contacter_dans_les_pages_obligatoires_et_le_menu(client, settings, admin):
    d = t(await client.get("/donnees-personnelles"))
    assert "Messages envoyés par « Nous contacter »" in d and "2 ans après le dernier échange du fil" in d
    liens = {a["href"] for a in page(await client.get("/plan-du-site")).select("main a")}
    assert {"/contact", "/contact/messages", "/cdc/messages"} <= liens
    await connecte(client, admin)
    assert courant(await client.get("/contact")) == {"Mes informations professionnelles": "true"}
    assert courant(await client.get("/contact/messages")) == {"Mes informations professionnelles": "true"}


async def test_messages_dans_le_menu_de_la_caisse_des_depots(client, settings):
    from tests.unit.test_cdc import creer_agent

    await connecte(client, await creer_agent(settings))
    assert courant(await client.get("/cdc/messages")) == {"Messages": "page"}
