"""Rechercher un titulaire, the titulaire's page, contact details, Mes délégations, the import
and the demo data: through the test client, as a gestionnaire would."""

from __future__ import annotations

import datetime as dt
import re

import pytest

from tests.unit.conftest import connecte, creer_gestionnaire, creer_organisme, jeton, poster, t
from web.db import ecriture
from web.tables import Journal, Mouvement, Titulaire
from web.titulaires import service
from web.titulaires.nir import avec_cle, lire_nir

NIR = avec_cle("2850175123456")  # 2 85 01 75 123 456 56


async def titulaire(organisme_id: int, nir: str = NIR, nom="Durand", usage="Lefèvre", prenom="Élodie", credits=(25, 25, 25)) -> int:
    """A titulaire employed by the organisation, with yearly credits."""
    async with ecriture():
        tit = await service.titulaire_par_nir(nir) or await service.creer_titulaire(nir, nom, prenom, dt.date(1985, 1, 14), nom_usage=usage)
        await service.employer(tit.id, organisme_id)
        for i, h in enumerate(credits):
            await service.crediter(tit.id, 2020 + i, h)
    return tit.id


async def gestionnaire(client, settings, type_="employeur_public", niveau=None):
    """A signed-in gestionnaire of a fresh organisation, and that organisation's id."""
    admin = await creer_organisme(settings, type_=type_)
    g = await creer_gestionnaire(settings, admin.organisme_id, niveau=niveau)
    await connecte(client, g)
    return g


# --- NIR ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "saisie, message",
    [
        ("", "Saisissez le Nº de sécurité sociale."),
        ("2 85 01 75 123", "doit compter 15 caractères"),
        ("2 85 01 75 123 456 57", "La clé du Nº de sécurité sociale"),
        ("2 85 01 75 12X 456 56", "ne doit contenir que des chiffres"),
        ("x" * 10_000, "doit compter 15 caractères"),
    ],
)
def test_nir_messages_precis(saisie, message):
    valeur, erreur = lire_nir(saisie)
    assert erreur and message in erreur


@pytest.mark.parametrize("saisie", ["285017512345656", "2 85 01 75 123 456 56", " 2.85.01.75.123.456.56 "])
def test_nir_avec_ou_sans_espaces(saisie):
    assert lire_nir(saisie) == (NIR, None)


def test_nir_corse():
    nir = avec_cle("185012A123456")
    assert lire_nir(nir) == (nir, None)


# --- Search ------------------------------------------------------------------------------------


async def test_accueil_est_la_recherche(client, settings):
    await gestionnaire(client, settings)
    r = await client.get("/")
    assert r.status_code == 200
    assert "Rechercher un titulaire" in t(r) and 'name="nir"' in r.text and 'name="nom"' in r.text
    assert 'href="/delegations"' in r.text and 'href="/cloture-simplifiee"' in r.text
    # The example under the NIR field is one the search accepts (its key is right).
    exemple = re.search(r"exemple : ([0-9 ]+)\)", t(r)).group(1)
    assert lire_nir(exemple)[1] is None, exemple


@pytest.mark.parametrize("nom", ["durand", "DURAND", "lefevre", "Lefèvre", "LEFÈVRE"])
async def test_recherche_par_nom_de_naissance_ou_d_usage(client, settings, nom):
    g = await gestionnaire(client, settings)
    tid = await titulaire(g.organisme_id)
    r = await client.get("/", params={"nir": "2 85 01 75 123 456 56", "nom": nom})
    assert r.status_code == 200
    assert f'href="/titulaires/{tid}"' in r.text and "DURAND" in t(r)


async def test_recherche_les_deux_champs_obligatoires(client, settings):
    await gestionnaire(client, settings)
    r = await client.get("/", params={"nir": "", "nom": ""})
    assert r.status_code == 422
    assert "Le formulaire contient 2 erreurs" in t(r)
    assert "Saisissez le Nº de sécurité sociale." in t(r) and "Saisissez le champ « Nom »." in t(r)


async def test_recherche_cle_fausse(client, settings):
    await gestionnaire(client, settings)
    r = await client.get("/", params={"nir": "2 85 01 75 123 456 57", "nom": "Durand"})
    assert r.status_code == 422 and "La clé du Nº de sécurité sociale" in t(r)


async def test_autre_organisme_meme_reponse_que_inconnu(client, settings):
    autre = await creer_organisme(settings)
    await titulaire(autre.organisme_id)
    await gestionnaire(client, settings)
    r1 = await client.get("/", params={"nir": NIR, "nom": "Durand"})
    r2 = await client.get("/", params={"nir": avec_cle("1790669123457"), "nom": "Durand"})
    assert "Aucun titulaire ne correspond à votre recherche." in t(r1)
    assert t(r1).replace(NIR, "") == t(r2).replace(avec_cle("1790669123457"), "").replace(NIR, "") or (
        "Aucun titulaire ne correspond" in t(r2)
    )


async def test_mauvais_nom_rien(client, settings):
    g = await gestionnaire(client, settings)
    await titulaire(g.organisme_id)
    r = await client.get("/", params={"nir": NIR, "nom": "Martin"})
    assert "Aucun titulaire ne correspond à votre recherche." in t(r)


async def test_fragment_htmx(client, settings):
    g = await gestionnaire(client, settings)
    await titulaire(g.organisme_id)
    r = await client.get("/", params={"nir": NIR, "nom": "durand"}, headers={"HX-Request": "true", "HX-Target": "recherche-titulaire"})
    assert r.status_code == 200 and "<html" not in r.text and "DURAND" in r.text

    # Typing in a clean form swaps only the results; an error brings the form back with its messages.
    r = await client.get("/", params={"nir": NIR, "nom": "durand"}, headers={"HX-Request": "true", "HX-Target": "resultats-titulaire"})
    assert r.status_code == 200 and "DURAND" in r.text and "<form" not in r.text
    r = await client.get("/", params={"nir": NIR, "nom": ""}, headers={"HX-Request": "true", "HX-Target": "resultats-titulaire"})
    assert r.status_code == 422 and r.headers["HX-Retarget"] == "#recherche-titulaire"
    assert 'hx-target="#recherche-titulaire"' in r.text and "Saisissez le champ « Nom »." in t(r)


async def test_operateur_sans_niveau_ne_consulte_rien(client, settings):
    g = await gestionnaire(client, settings, "operateur", None)
    tid = await titulaire(g.organisme_id)
    r = await client.get("/", params={"nir": NIR, "nom": "Durand"})
    assert "ne vous permet pas de consulter les titulaires" in t(r) and f"/titulaires/{tid}" not in r.text
    assert (await client.get(f"/titulaires/{tid}")).status_code == 403
    assert "Clôture simplifiée" not in t(r)


async def test_agent_cdc_interdit(client, settings):
    from tests.conftest import mot_de_passe_envoye
    from tests.unit.conftest import Compte
    from web.comptes.service import ouvrir_compte
    from web.tables import AGENT_CDC, Utilisateur

    async with ecriture():
        u = Utilisateur(organisme=None, role=AGENT_CDC, civilite="M.", prenom="Jean", nom="CDC", courriel="jean.cdc@example.fr")
        await ouvrir_compte(settings, u)
    await connecte(client, Compte(u.identifiant, await mot_de_passe_envoye(u.courriel), u.courriel, 0, u.id))
    for url in ("/titulaires/1", "/dossiers/1", "/cloture-simplifiee", "/delegations"):
        assert (await client.get(url, follow_redirects=False)).status_code == 403, url


# --- The titulaire's page ----------------------------------------------------------------------


async def test_page_titulaire(client, settings):
    g = await gestionnaire(client, settings, "operateur", "consultation")
    tid = await titulaire(g.organisme_id)
    r = await client.get(f"/titulaires/{tid}")
    assert r.status_code == 200
    texte = t(r)
    assert "2 85 01 75 123 456 56" in texte and "DURAND" in texte and "LEFÈVRE" in texte
    assert "Solde disponible : 75 h" in texte and "Alimentation 2021" in texte
    assert "Créer un dossier de formation" not in texte  # Consultation only


async def test_titulaire_d_un_autre_organisme_404(client, settings):
    autre = await creer_organisme(settings)
    tid = await titulaire(autre.organisme_id)
    await gestionnaire(client, settings)
    assert (await client.get(f"/titulaires/{tid}")).status_code == 404
    assert (await client.get("/titulaires/999999")).status_code == 404
    r = await poster(client, "/", f"/titulaires/{tid}/coordonnees", {"courriel": "x@example.fr"})
    assert r.status_code == 404


async def test_modifier_coordonnees(client, settings):
    g = await gestionnaire(client, settings, "operateur", "consultation")
    tid = await titulaire(g.organisme_id)
    page = f"/titulaires/{tid}"
    r = await poster(client, page, f"{page}/coordonnees", {"courriel": "pas-un-courriel", "telephone": "12", "adresse": "x" * 400})
    assert r.status_code == 422
    assert "n'est pas une adresse de courriel valide" in t(r) and "n'est pas un numéro de téléphone français valide" in t(r)
    assert "300 caractères au maximum" in t(r)
    r = await poster(
        client,
        page,
        f"{page}/coordonnees",
        {"courriel": "Elodie.Durand@Example.fr", "telephone": "0612345678", "adresse": "1 rue de la Paix, 75002 Paris"},
    )
    assert r.status_code == 303
    tit = await Titulaire.objects().where(Titulaire.id == tid).first()
    assert (tit.courriel, tit.telephone, tit.adresse) == ("elodie.durand@example.fr", "06 12 34 56 78", "1 rue de la Paix, 75002 Paris")
    assert await Journal.exists().where((Journal.type == "titulaire_modifie") & (Journal.acteur == g.id))


async def test_verification_en_ligne_d_un_champ(client, settings):
    g = await gestionnaire(client, settings)
    tid = await titulaire(g.organisme_id)
    r = await client.get(f"/titulaires/{tid}")
    r = await client.post(
        f"/titulaires/{tid}/coordonnees",
        data={"_csrf_token": jeton(r.text), "action": "verifier", "courriel": "faux", "telephone": "12"},
        headers={"HX-Request": "true", "HX-Target": "champ-courriel", "HX-Trigger-Name": "courriel"},
    )
    assert r.status_code == 200 and "n'est pas une adresse de courriel valide" in t(r)
    assert "téléphone français" not in r.text  # only the field just left


async def test_sans_jeton_csrf_refuse(client, settings):
    g = await gestionnaire(client, settings)
    tid = await titulaire(g.organisme_id)
    r = await client.post(f"/titulaires/{tid}/coordonnees", data={"courriel": ""})
    assert r.status_code == 403


# --- Mes délégations ---------------------------------------------------------------------------


async def test_mes_delegations(client, settings):
    admin = await creer_organisme(settings, type_="operateur")
    g = await creer_gestionnaire(settings, admin.organisme_id, niveau="validation")
    from web.tables import Utilisateur

    await Utilisateur.update({Utilisateur.cree_par: admin.id}).where(Utilisateur.id == g.id)
    await connecte(client, admin)
    r = await client.get("/delegations")
    assert r.status_code == 200
    assert "Les droits que vous avez accordés" in t(r) and g.identifiant in t(r) and "Validation" in t(r)
    await client.post("/deconnexion", data={"_csrf_token": jeton(r.text)})
    await connecte(client, g)
    r = await client.get("/delegations")
    assert "Niveau d'habilitation Validation" in t(r) and "Administrateur délégué Non" in t(r)
    assert admin.identifiant in t(r) and "Les droits que vous avez accordés" not in t(r)


# --- Import ------------------------------------------------------------------------------------

CSV = (
    "nir;nom_naissance;nom_usage;prenom;date_naissance;courriel;telephone;annee;heures\n"
    f"{NIR};Durand;Lefèvre;Élodie;1985-01-14;elodie@example.fr;0612345678;2023;25\n"
    f"{NIR};Durand;Lefèvre;Élodie;1985-01-14;;;2024;25\n"
    "1 85 01 75;Petit;;Zoé;1995-02-01;;;2024;25\n"
    f"{avec_cle('1790669123457')};Moreau;;Hervé;1979-02-30;;;2024;25\n"
    f"{avec_cle('1790669123457')};Moreau;;Hervé;1979-06-03;;;2024;999\n"
    f"{NIR};Autre;;Nom;1985-01-14;;;2022;25\n"
)


async def test_import_idempotent_et_refus(base_vide, settings, tmp_path):
    from click.testing import CliRunner

    from web.cli import main

    admin = await creer_organisme(settings, type_="operateur")
    from web.tables import Organisme

    siret = (await Organisme.select(Organisme.siret).where(Organisme.id == admin.organisme_id).first())["siret"]
    fichier = tmp_path / "titulaires.csv"
    fichier.write_text(CSV, encoding="utf-8")
    import asyncio

    from web.titulaires.importer import importer

    changees, inchangees, refus = await importer(CSV, siret)
    assert (changees, inchangees) == (2, 0)
    assert [n for n, _ in refus] == [4, 5, 6, 7]
    raisons = dict(refus)
    assert "15 caractères" in raisons[4] and "AAAA-MM-JJ" in raisons[5] and "entre 1 et 400" in raisons[6]
    assert "autre nom de naissance" in raisons[7]
    tit = await service.titulaire_par_nir(NIR)
    assert await service.solde(tit.id) == 50
    assert await Mouvement.count().where(Mouvement.titulaire == tit.id) == 2
    assert await service.titulaire_par_nir(avec_cle("1790669123457")) is None  # nothing half-imported
    # Again: nothing changes.
    assert (await importer(CSV, siret))[:2] == (0, 2)
    assert await Mouvement.count() == 2 and await Titulaire.count() == 1
    del asyncio, main, CliRunner


def test_import_aide_documente_les_colonnes():
    from click.testing import CliRunner

    from web.cli import main

    r = CliRunner().invoke(main, ["titulaires", "importer", "--help"])
    assert r.exit_code == 0
    for colonne in ("nir", "nom_naissance", "nom_usage", "prenom", "date_naissance", "courriel", "telephone", "annee", "heures"):
        assert colonne in r.output
