"""No input gets a 5xx (issue 11, finding 5): numbers and ids are ASCII digits within the column's
range, read once; control characters in a query string get a French 400 page; a malformed CSRF
token gets the French 403 page; a name ending in U+10FFFF is searched; concurrent "Clôture
simplifiée" on one titulaire lock it before inserting anything."""

from __future__ import annotations

import asyncio
import datetime as dt
from urllib.parse import quote

import pytest

from tests.unit.conftest import connecte, creer_gestionnaire, jeton, poster, t
from tests.unit.test_titulaires import titulaire
from web.acteur import Acteur
from web.dossiers import service
from web.dossiers import transitions as tr
from web.dossiers.forms import FormClotureSimplifiee
from web.tables import Dossier, Mouvement, Unite, Utilisateur
from web.titulaires.service import solde

HORS_BORNES = ["2147483648", str(2**63), str(2**64), "9" * 30, "9" * 5000]
PAS_DES_CHIFFRES = ["²", "٣", "１", "+1", "-1", " 1", "1_0", "0x1", "1e3", "0"]


def test_un_nombre_s_ecrit_en_chiffres_ascii_dans_les_bornes():
    from web.entrees import entier, id_ou_404

    assert entier("42") == 42 and entier("2147483647") == 2**31 - 1
    for texte in HORS_BORNES + PAS_DES_CHIFFRES[:-1] + ["", None]:
        assert entier(texte) is None, texte
    with pytest.raises(Exception) as e:
        id_ou_404("0")
    assert e.value.status_code == 404


@pytest.mark.parametrize("valeur", HORS_BORNES + PAS_DES_CHIFFRES)
async def test_des_identifiants_hors_bornes_sont_des_pages_introuvables(client, admin, settings, valeur):
    g = await creer_gestionnaire(settings, admin.organisme_id)
    await connecte(client, admin)
    v = quote(valeur, safe="")
    for url in (f"/habilitations/{v}", f"/titulaires/{v}", f"/dossiers/{v}", f"/titulaires/{v}/dossiers/nouveau"):
        r = await client.get(url)
        assert r.status_code == 404 and "Page introuvable" in t(r), (url, r.status_code)
    for url in (f"/habilitations/{v}/suspendre", f"/parametres/unites/{v}", f"/dossiers/{v}/valider",
                f"/habilitations/demandes/{v}/renouveler"):  # fmt: skip
        r = await poster(client, "/habilitations", url, {"nom": "x"})
        assert r.status_code == 404 and "Page introuvable" in t(r), (url, r.status_code)
    assert (await Utilisateur.objects().where(Utilisateur.id == g.id).first()).statut == "actif"


@pytest.mark.parametrize("valeur", ["²", "٣", "2147483648", "9" * 40])
async def test_des_nombres_mal_ecrits_dans_les_formulaires_et_les_adresses(client, admin, settings, valeur):
    await connecte(client, admin)
    q = quote(valeur)
    for url in (
        f"/habilitations?page={q}",
        f"/habilitations?unite={q}",
        f"/habilitations/journal?page={q}",
        f"/habilitations/export?unite={q}",
    ):
        r = await client.get(url)
        assert r.status_code == 200, url
    r = await poster(
        client,
        "/habilitations/ajouter",
        "/habilitations/ajouter",
        {"civilite": "Mme", "prenom": "Lucie", "nom": "Delahaie", "courriel": "l@example.fr", "confirmation_courriel": "l@example.fr",
         "telephone_fixe": "0123456789", "unite": valeur},
    )  # fmt: skip
    assert r.status_code == 422 and "Choisissez une des unités proposées." in t(r)
    assert await Utilisateur.count() == 1


async def test_les_heures_mal_ecrites_sont_refusees_en_francais(client, settings):
    from tests.unit.test_titulaires import gestionnaire

    g = await gestionnaire(client, settings, "operateur", "cloture")
    tid = await titulaire(g.organisme_id)
    for heures in ("²", "٣٣", "2147483648"):
        r = await poster(
            client,
            f"/titulaires/{tid}/dossiers/nouveau",
            f"/titulaires/{tid}/dossiers/nouveau",
            {"intitule": "Anglais", "organisme_formation": "Centre", "date_debut": "2025-03-01", "date_fin": "2025-03-31",
             "heures_prevues": heures},
        )  # fmt: skip
        assert r.status_code == 422 and "« Heures prévues » doit être un nombre entier d'heures." in t(r), heures


async def test_une_recherche_par_le_dernier_caractere_unicode(client, admin):
    await connecte(client, admin)
    for saisie in ("\U0010ffff", "A\U0010ffff", "\U0010ffff\U0010ffff"):
        r = await client.get(f"/habilitations?nom={quote(saisie)}&prenom={quote(saisie)}&identifiant={quote(saisie)}")
        assert r.status_code == 200 and "Aucun gestionnaire ne correspond" in t(r), saisie


@pytest.mark.parametrize("controle", ["\x00", "\x01", "\x1f", "\x7f", "\n"])
async def test_des_caracteres_de_controle_dans_l_adresse(client, admin, controle):
    await connecte(client, admin)
    for url in (f"/habilitations?nom=A{quote(controle)}", f"/?nir=1&nom=A{quote(controle)}", f"/aide?q={quote(controle)}",
                f"/connexion?expiree={quote(controle)}", f"/habilitations?{quote(controle)}=1"):  # fmt: skip
        r = await client.get(url)
        assert r.status_code == 400 and "Requête invalide" in t(r), url


@pytest.mark.parametrize("faux", ["é" * 128, "\u0100" * 128, "x", "0" * 128, "a" * 129])
async def test_un_jeton_csrf_mal_forme_donne_la_page_403(client, admin, faux):
    r = await client.get("/connexion")
    for url in ("/connexion", "/mot-de-passe/oublie", "/habilitations/1/suspendre"):
        r = await client.post(url, data={"_csrf_token": faux, "identifiant": admin.identifiant, "mot_de_passe": "x"})
        assert r.status_code == 403 and "Formulaire expiré" in t(r), url
    await connecte(client, admin)
    r = await client.post("/parametres/unites", data={"_csrf_token": faux, "nom": "Pirate"})
    assert r.status_code == 403 and "Formulaire expiré" in t(r)
    assert await Unite.count() == 0
    if faux.isascii():  # a malformed cookie as well (an HTTP client sends ASCII headers only)
        bon = jeton((await client.get("/parametres")).text)
        client.cookies.set("portail_csrf", faux)
        r = await client.post("/parametres/unites", data={"_csrf_token": bon, "nom": "Pirate"})
        assert r.status_code == 403


async def test_des_clotures_simplifiees_simultanees_sur_un_titulaire(base_vide, settings):
    """On PostgreSQL the titulaire was locked after the dossier's insert: a deadlock."""
    from tests.unit.conftest import creer_organisme

    admin = await creer_organisme(settings, type_="operateur")
    g = await creer_gestionnaire(settings, admin.organisme_id, niveau="cloture")
    moi = await Utilisateur.objects().where(Utilisateur.id == g.id).first()
    tid = await titulaire(admin.organisme_id, credits=(25, 25, 25))

    async def cloture(i: int) -> str:
        f = FormClotureSimplifiee(intitule=f"Formation {i}", organisme_formation="Centre", heures_realisees=10)
        f.date_debut, f.date_fin = dt.date(2025, 1, 6), dt.date(2025, 1, 10)
        try:
            await service.cloture_simplifiee(Acteur.de(moi, ""), tid, f)
            return "ok"
        except tr.SoldeInsuffisant:
            return "solde"

    resultats = await asyncio.gather(*(cloture(i) for i in range(10)))
    assert sorted(resultats) == ["ok"] * 7 + ["solde"] * 3
    assert await solde(tid) == 5
    assert await Dossier.count() == 7 and await Mouvement.count().where(Mouvement.heures < 0) == 7
