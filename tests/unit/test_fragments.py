"""Fragment = page, for every htmx interaction of the portal (every hx-* attribute of components/
and the add dialog of static/js/portail.js): the page as htmx leaves it after the fragment is
swapped in equals the page rendered afresh for the same state (tests/unit/htmx.py).

Where htmx swaps one region whose page is only shown after a full submit (an inline check, the
password checklist, the dialog), the region is held against the same region of that page."""

from __future__ import annotations

from tests.unit.conftest import NOUVEAU, Compte, connecte, creer_gestionnaire, creer_organisme, poster
from tests.unit.htmx import assert_meme_element, assert_meme_page, declencher, envoyer, page, requete, saisir, valeurs_du_formulaire
from tests.unit.test_cdc import creer_agent
from tests.unit.test_habilitations import FORM
from tests.unit.test_titulaires import NIR, gestionnaire, titulaire
from web.tables import Unite, Utilisateur


async def admin_connecte(client, settings) -> Compte:
    admin = await creer_organisme(settings)
    await Unite.insert(Unite(organisme=admin.organisme_id, nom="Service RH"))
    for prenom in ("Lucie", "Luc", "Marc"):
        await creer_gestionnaire(settings, admin.organisme_id, prenom=prenom, nom="Delahaie")
    await connecte(client, admin)
    return admin


# --- Searches as one types ---------------------------------------------------------------------


async def test_rechercher_un_gestionnaire_a_la_frappe(client, settings):
    await admin_connecte(client, settings)
    avant = page(await client.get("/habilitations"))
    saisir(avant, "#recherche-prenom", "Lu")
    apres, r = await declencher(client, avant, "form[hx-get]")
    assert r.status_code == 200 and "<html" not in r.text
    assert_meme_page(apres, page(await client.get("/habilitations?prenom=Lu&nom=&identifiant=&unite=")))
    # The live region says the new count (swapped out of band).
    assert apres.select_one("#nombre-resultats").get_text(strip=True) == "2 gestionnaires trouvés"


async def test_rechercher_un_gestionnaire_par_unite(client, settings):
    admin = await admin_connecte(client, settings)
    unite = await Unite.select(Unite.id).where(Unite.organisme == admin.organisme_id).first()
    avant = page(await client.get("/habilitations"))
    saisir(avant, "#recherche-unite", str(unite["id"]))
    apres, _ = await declencher(client, avant, "form[hx-get]")
    assert_meme_page(apres, page(await client.get(f"/habilitations?prenom=&nom=&identifiant=&unite={unite['id']}")))


async def test_filtrer_et_trier_les_gestionnaires(client, settings):
    await admin_connecte(client, settings)
    avant = page(await client.get("/habilitations"))
    saisir(avant, "#recherche-role", "gestionnaire")
    saisir(avant, "#recherche-statut", "jamais")
    saisir(avant, "#recherche-tri", "identifiant")
    saisir(avant, "#recherche-ordre", "desc")
    apres, r = await declencher(client, avant, "form[hx-get]")
    assert "<html" not in r.text
    attendu = page(await client.get("/habilitations?role=gestionnaire&statut=jamais&tri=identifiant&ordre=desc"))
    assert_meme_page(apres, attendu)
    assert apres.select_one("#nombre-resultats").get_text(strip=True) == "3 gestionnaires trouvés"
    # The export link follows the filters swapped in.
    assert apres.select_one("a[download]")["href"] == "/habilitations/export?role=gestionnaire&statut=jamais&tri=identifiant&ordre=desc"


async def test_page_suivante_des_gestionnaires(client, settings):
    admin = await admin_connecte(client, settings)
    for i in range(22):
        await creer_gestionnaire(settings, admin.organisme_id, prenom=f"P{i:02d}", nom="Page")
    avant = page(await client.get("/habilitations?nom=page"))
    apres, _ = await declencher(client, avant, ".pagination a[hx-get]")
    assert_meme_page(apres, page(await client.get("/habilitations?nom=page&page=2")))


async def test_rechercher_un_organisme_a_la_frappe(client, settings):
    agent = await creer_agent(settings)
    await creer_organisme(settings)
    await connecte(client, agent)
    avant = page(await client.get("/cdc"))
    saisir(avant, "#q", "employeur")
    apres, r = await declencher(client, avant, "form[hx-get]")
    assert r.status_code == 200
    assert_meme_page(apres, page(await client.get("/cdc?q=employeur")))


async def test_rechercher_un_titulaire(client, settings):
    g = await gestionnaire(client, settings)
    await titulaire(g.organisme_id)
    avant = page(await client.get("/"))
    saisir(avant, "#nir", NIR)
    saisir(avant, "#nom", "DURAND")
    apres, r = await declencher(client, avant, "form[hx-get]")
    assert r.status_code == 200 and "<form" not in r.text  # the results alone
    assert_meme_page(apres, page(await client.get(f"/?nir={NIR}&nom=DURAND")))


async def test_rechercher_un_titulaire_avec_une_erreur(client, settings):
    """An error brings back the form with its messages (retargeted to the search region)."""
    g = await gestionnaire(client, settings)
    await titulaire(g.organisme_id)
    avant = page(await client.get("/"))
    saisir(avant, "#nir", NIR)
    apres, r = await declencher(client, avant, "form[hx-get]")
    assert r.status_code == 422 and r.headers["HX-Retarget"] == "#recherche-titulaire"
    assert_meme_page(apres, page(await client.get(f"/?nir={NIR}&nom=")))
    # Corrected, the next search (now targeting the form's region) shows the results.
    saisir(apres, "#nom", "Durand")
    encore, r = await declencher(client, apres, "form[hx-get]")
    assert r.status_code == 200
    assert_meme_page(encore, page(await client.get(f"/?nir={NIR}&nom=Durand")))


# --- Forms that swap themselves ----------------------------------------------------------------


async def test_coordonnees_d_un_titulaire_refusees(client, settings):
    g = await gestionnaire(client, settings)
    tid = await titulaire(g.organisme_id)
    avant = page(await client.get(f"/titulaires/{tid}"))
    saisir(avant, "#courriel", "pas-un-courriel")
    apres, r = await declencher(client, avant, "#coordonnees form")
    assert r.status_code == 422
    donnees = valeurs_du_formulaire(avant.select_one("#coordonnees form"))
    frais = await client.post(f"/titulaires/{tid}/coordonnees", data=donnees)
    assert frais.status_code == 422
    assert_meme_page(apres, page(frais))


async def test_coordonnees_d_un_titulaire_enregistrees(client, settings):
    g = await gestionnaire(client, settings)
    tid = await titulaire(g.organisme_id)
    avant = page(await client.get(f"/titulaires/{tid}"))
    saisir(avant, "#courriel", "elodie@example.fr")
    reponse = await envoyer(client, requete(avant, "#coordonnees form"))
    # htmx then loads the whole next page, where a plain form would have been sent.
    assert reponse.status_code == 200 and reponse.headers["HX-Redirect"] == f"/titulaires/{tid}?fait=coordonnees"


async def test_cloture_simplifiee_refusee(client, settings):
    g = await gestionnaire(client, settings, "operateur", "cloture")
    await titulaire(g.organisme_id)
    avant = page(await client.get("/cloture-simplifiee"))
    saisir(avant, "#nir", NIR)
    saisir(avant, "#nom", "Durand")
    saisir(avant, "#heures_realisees", "500")
    apres, r = await declencher(client, avant, "#formulaire form")
    assert r.status_code == 422
    frais = await client.post("/cloture-simplifiee", data=valeurs_du_formulaire(avant.select_one("#formulaire form")))
    assert_meme_page(apres, page(frais))


# --- The add dialog ----------------------------------------------------------------------------


async def test_dialogue_d_ajout(client, settings):
    """The link opens /habilitations/ajouter's form inside the dialog (static/js/portail.js); the
    form then posts itself there. The dialog shows the add page's form, posting into the dialog."""
    await admin_connecte(client, settings)
    recherche = page(await client.get("/habilitations"))
    ouvert, r = await declencher(client, recherche, "#ouvrir-ajout", url="/habilitations/ajouter", cible="dialogue-contenu")
    assert r.status_code == 200 and "<html" not in r.text
    complet = page(await client.get("/habilitations/ajouter"))
    formulaire = ouvert.select_one("#dialogue-contenu form")
    assert formulaire["hx-post"] == "/habilitations/ajouter" and formulaire["hx-target"] == "#dialogue-contenu"
    del formulaire["hx-post"], formulaire["hx-target"]
    assert_meme_element(ouvert, complet, ".formulaire-ajout")

    # Sent with an error: the dialog shows the form with its messages, as the page would.
    saisir(ouvert, "#prenom", "Lucie")
    ouvert.select_one("#dialogue-contenu form")["hx-post"] = "/habilitations/ajouter"
    apres, r = await declencher(client, ouvert, "#dialogue-contenu form", cible="dialogue-contenu")
    assert r.status_code == 422
    frais = page(await client.post("/habilitations/ajouter", data=valeurs_du_formulaire(ouvert.select_one("#dialogue-contenu form"))))
    formulaire = apres.select_one("#dialogue-contenu form")
    del formulaire["hx-post"], formulaire["hx-target"]
    assert_meme_element(apres, frais, ".formulaire-ajout")


# --- Inline checks as a field is left ----------------------------------------------------------


async def verifier_en_ligne(client, avant, champ: str, valeur: str) -> None:
    """The field's wrapper after its check equals the same wrapper of the page a full submit of
    the same form shows (refused: some field of the form is wrong), and nothing else changed."""
    saisir(avant, f"#{champ}", valeur)
    apres, r = await declencher(client, avant, f"#{champ}")
    assert r.status_code == 200 and "<form" not in r.text
    formulaire = avant.select_one(f"#{champ}").find_parent("form")
    frais = await client.post(formulaire["action"], data=valeurs_du_formulaire(formulaire), follow_redirects=False)
    assert frais.status_code == 422
    frais = page(frais)
    assert_meme_element(apres, frais, f"#champ-{champ}")
    reste = page(str(apres))
    reste.select_one(f"#champ-{champ}").replace_with(avant.select_one(f"#champ-{champ}").__copy__())
    assert_meme_page(reste, avant)


async def test_verifications_en_ligne_ajouter_un_gestionnaire(client, settings):
    await admin_connecte(client, settings)
    for champ, valeur in (("prenom", ""), ("nom", "Martin"), ("courriel", "pas-valide"), ("confirmation_courriel", "autre@example.fr"),
                          ("telephone_fixe", "12"), ("telephone_portable", "06 12 34 56 78")):  # fmt: skip
        avant = page(await client.get("/habilitations/ajouter"))
        await verifier_en_ligne(client, avant, champ, valeur)


async def test_verifications_en_ligne_mes_informations(client, settings):
    g = await gestionnaire(client, settings)
    for champ, valeur in (("courriel", "faux"), ("confirmation_courriel", "x@example.fr"), ("telephone_fixe", "abc"),
                          ("telephone_portable", "123")):  # fmt: skip
        avant = page(await client.get("/profil"))
        await verifier_en_ligne(client, avant, champ, valeur)
    assert g


async def test_verifications_en_ligne_inscrire_un_organisme(client, settings):
    await connecte(client, await creer_agent(settings))
    for champ, valeur in (("raison_sociale", ""), ("siret", "123"), ("type", "operateur"), ("civilite", ""), ("prenom", "Odile"),
                          ("nom", ""), ("courriel", "odile@"), ("telephone", "99")):  # fmt: skip
        avant = page(await client.get("/cdc/inscrire"))
        await verifier_en_ligne(client, avant, champ, valeur)


async def test_verifications_en_ligne_coordonnees_d_un_titulaire(client, settings):
    g = await gestionnaire(client, settings)
    tid = await titulaire(g.organisme_id)
    for champ, valeur in (("courriel", "faux"), ("telephone", "12"), ("adresse", "1 rue de la Paix " * 30)):
        avant = page(await client.get(f"/titulaires/{tid}"))
        await verifier_en_ligne(client, avant, champ, valeur)


# --- The password checklist --------------------------------------------------------------------


async def test_liste_des_regles_du_mot_de_passe_premiere_connexion(client, settings):
    admin = await creer_organisme(settings)
    avant = page(await client.get(f"/mot-de-passe/premiere-connexion?identifiant={admin.identifiant}"))
    for nouveau, confirmation in (("abc", ""), ("Soleil123", "Soleil123"), (NOUVEAU, NOUVEAU), (NOUVEAU, "autre")):
        saisir(avant, "#ancien", "pas-le-bon")
        saisir(avant, "#nouveau", nouveau)
        saisir(avant, "#confirmation", confirmation)
        apres, r = await declencher(client, avant, "#nouveau")
        assert r.status_code == 200
        # The same form sent in full: its page shows the same checklist (the identity check fails),
        # said to be about the password sent, since the fields come back empty.
        frais = page(await client.post("/mot-de-passe/premiere-connexion", data=valeurs_du_formulaire(avant.select_one("form"))))
        assert_meme_element(apres, frais, "#politique-mdp .regles")
        assert frais.select_one("#politique-mdp .force").get_text().startswith("Mot de passe envoyé, non enregistré : force")


async def test_liste_des_regles_du_mot_de_passe_connecte(client, settings):
    g = await gestionnaire(client, settings)
    u = await Utilisateur.objects().where(Utilisateur.id == g.id).first()
    avant = page(await client.get("/profil/mot-de-passe"))
    for nouveau in ("abc", f"{u.prenom}Abcde123", NOUVEAU + "9"):
        saisir(avant, "#ancien", "pas-le-bon")
        saisir(avant, "#nouveau", nouveau)
        saisir(avant, "#confirmation", nouveau)
        apres, r = await declencher(client, avant, "#confirmation")
        assert r.status_code == 200
        donnees = valeurs_du_formulaire(avant.select_one("main form"))
        frais = page(await poster(client, "/profil/mot-de-passe", "/profil/mot-de-passe", donnees))
        assert_meme_element(apres, frais, "#politique-mdp .regles")


async def test_progression_d_un_import(client, settings):
    """The progress region polls itself until the import is done: the result swapped in equals the page."""
    from tests.unit.test_importation import confirmer, fichier, verifier
    from web.habilitations import service as habilitations
    from web.importation import service

    await admin_connecte(client, settings)
    lignes = [f"Mme;Agent;Numero{i};agent{i}@exemple.fr;0123456789;;;;;" for i in range(service.SEUIL_ARRIERE_PLAN + 1)]
    lieu, _ = await verifier(client, fichier(*lignes))
    await confirmer(client, lieu)
    avant = page(await client.get(lieu))
    assert avant.select_one('#progression [hx-trigger="every 2s"]') is not None
    apres, r = await declencher(client, avant, "#progression [hx-get]")
    assert_meme_page(apres, page(await client.get(lieu)))  # still running: the same progress
    await service.traiter_en_attente(habilitations, settings)
    apres, r = await declencher(client, avant, "#progression [hx-get]")
    assert r.status_code == 200 and "Import terminé" in apres.select_one("#progression").get_text()
    assert_meme_page(apres, page(await client.get(lieu)))


async def test_chaque_interaction_htmx_a_son_test():
    """Every element of components/ that carries hx-get or hx-post is one of those tested here."""
    import re

    from web.settings import ROOT

    testes = {"habilitations/recherche.html": 1, "cdc/organismes.html": 1, "accueil.html": 1, "titulaires/titulaire.html": 1,
              "dossiers/cloture_simplifiee.html": 1, "habilitations/ajouter.html": 1, "macros/formulaire.html": 0,
              "importation/rapport.html": 1, "revue/revue.html": 2, "revue/cdc.html": 1,
              "macros/mot_de_passe.html": 0, "macros/pagination.html": 2}  # fmt: skip
    trouves = {}
    for f in (ROOT / "components").rglob("*.html"):
        n = len(re.findall(r'hx-(?:get|post)="', f.read_text()))
        if n:
            trouves[str(f.relative_to(ROOT / "components"))] = n
    # Inline checks (verification_en_ligne) and the checklist (macros/mot_de_passe.html) set their
    # hx-post from Python: tested above, field by field.
    assert trouves == {k: v for k, v in testes.items() if v}, trouves
    assert FORM


# --- Revue des habilitations (issue 15) ---------------------------------------------------------


async def test_une_decision_de_la_revue_sur_place(client, settings):
    await admin_connecte(client, settings)
    await poster(client, "/habilitations/revue", "/habilitations/revue", {})
    avant = page(await client.get("/habilitations/revue"))
    apres, r = await declencher(client, avant, "form[hx-post$='/confirmer']")
    assert r.status_code == 200 and "<html" not in r.text
    frais = page(await client.get("/habilitations/revue?page=1"))
    assert_meme_page(apres, frais, ignorer=("title", "#revue-annonce"))
    assert apres.select_one("#revue-annonce").get_text(strip=True).endswith(": confirmé.")
    # A level changed the same way.
    saisir(apres, "select[name=niveau]", "validation")
    encore, _ = await declencher(client, apres, "form[hx-post$='/niveau']")
    assert_meme_page(encore, page(await client.get("/habilitations/revue?page=1")), ignorer=("title", "#revue-annonce"))
    assert "Niveau modifié" in encore.select_one("#revue-comptes").get_text()


async def test_page_suivante_de_la_revue(client, settings):
    admin = await admin_connecte(client, settings)
    for i in range(50):
        await creer_gestionnaire(settings, admin.organisme_id, prenom=f"P{i:02d}", nom="Revue")
    await poster(client, "/habilitations/revue", "/habilitations/revue", {})
    avant = page(await client.get("/habilitations/revue"))
    apres, _ = await declencher(client, avant, ".pagination a[hx-get]")
    assert_meme_page(apres, page(await client.get("/habilitations/revue?page=2")))


async def test_filtrer_les_revues_en_retard(client, settings):
    agent = await creer_agent(settings)
    await creer_organisme(settings)
    await connecte(client, agent)
    avant = page(await client.get("/cdc/revues"))
    saisir(avant, "#type", "operateur")
    apres, _ = await declencher(client, avant, "form[hx-get]")
    assert_meme_page(apres, page(await client.get("/cdc/revues?q=&type=operateur")))
