"""« Gérer les habilitations » at scale: every filter and the sort in the URL, the bounded count,
« Exporter la liste » (CSV), the gestionnaire page's history."""

from __future__ import annotations

import csv
import datetime as dt
import io
import re

import pytest

from tests.unit.conftest import connecte, creer_gestionnaire, creer_organisme, poster, t
from tests.unit.test_habilitations import FORM
from web.acteur import Acteur
from web.habilitations import service
from web.habilitations.forms import FormFiltres
from web.tables import Journal, Unite, Utilisateur
from web.temps import maintenant

JOUR = dt.timedelta(days=1)


@pytest.fixture
async def liste(client, settings):
    """One organisation: the principal (Anne MARTIN) and six accounts of every kind; another
    organisation whose account never shows."""
    p = await creer_organisme(settings)
    rh = (await Unite.insert(Unite(organisme=p.organisme_id, nom="Ressources humaines")).returning(Unite.id))[0]["id"]
    paie = (await Unite.insert(Unite(organisme=p.organisme_id, nom="Paie")).returning(Unite.id))[0]["id"]
    now = maintenant()
    comptes = {
        # nom: (role, niveau, statut, unite, derniere_connexion, cree_le)
        "BERNARD": ("gestionnaire", "consultation", "actif", rh, now - 2 * JOUR, now - 400 * JOUR),
        "CARON": ("gestionnaire", None, "actif", None, None, now - 10 * JOUR),
        "DUPONT": ("gestionnaire", "cloture", "suspendu", paie, now - 200 * JOUR, now - 900 * JOUR),
        "EVRARD": ("administrateur_delegue", "validation", "actif", rh, now - 800 * JOUR, now - 900 * JOUR),
        "FABRE": ("gestionnaire", "creation", "actif", paie, None, now - 300 * JOUR),
        "GIRARD": ("gestionnaire", "consultation", "actif", None, now - 40 * JOUR, now - 100 * JOUR),
    }
    for nom, (role, niveau, statut, unite, connexion, cree) in comptes.items():
        g = await creer_gestionnaire(settings, p.organisme_id, role=role, niveau=niveau, prenom="Lea", nom=nom, unite=unite)
        await Utilisateur.update({Utilisateur.statut: statut, Utilisateur.derniere_connexion: connexion, Utilisateur.cree_le: cree}).where(
            Utilisateur.id == g.id
        )
    autre = await creer_organisme(settings, prenom="Xavier", nom="Ailleurs")
    await creer_gestionnaire(settings, autre.organisme_id, prenom="Lea", nom="BERNARDIN")
    await connecte(client, p)
    await Utilisateur.update({Utilisateur.derniere_connexion: maintenant()}).where(Utilisateur.id == p.id)
    return {"principal": p, "rh": rh, "paie": paie}


def noms(reponse) -> list[str]:
    """The names of the result table, in the order shown."""
    assert reponse.status_code == 200, reponse.text
    return re.findall(r'<td><a href="/habilitations/\d+">([^<]+)</a></td>', reponse.text)


@pytest.mark.parametrize(
    ("requete", "attendus"),
    [
        ("", ["BERNARD", "CARON", "DUPONT", "EVRARD", "FABRE", "GIRARD", "MARTIN"]),
        ("niveau=consultation", ["BERNARD", "GIRARD"]),
        ("niveau=aucun", ["CARON", "MARTIN"]),
        ("role=gestionnaire", ["BERNARD", "CARON", "DUPONT", "FABRE", "GIRARD"]),
        ("role=delegue", ["EVRARD"]),
        ("role=principal", ["MARTIN"]),
        ("statut=actif", ["BERNARD", "CARON", "EVRARD", "FABRE", "GIRARD", "MARTIN"]),
        ("statut=suspendu", ["DUPONT"]),
        ("statut=jamais", ["CARON", "FABRE"]),
        # Never signed in counts from the account's creation.
        ("inactif=6", ["DUPONT", "EVRARD", "FABRE"]),
        ("inactif=24", ["EVRARD"]),
        ("inactif=3", ["DUPONT", "EVRARD", "FABRE"]),
        ("nom=du", ["DUPONT"]),
        ("statut=actif&niveau=consultation&role=gestionnaire", ["BERNARD", "GIRARD"]),
        # Values not offered are ignored: the whole list, never an error.
        ("statut=tous&niveau=tout&role=x&inactif=7&tri=mot_de_passe&ordre=haut&page=-1", None),
    ],
)
async def test_chaque_filtre(client, liste, requete, attendus):
    if attendus is None:
        attendus = ["BERNARD", "CARON", "DUPONT", "EVRARD", "FABRE", "GIRARD", "MARTIN"]
    assert noms(await client.get(f"/habilitations?{requete}")) == attendus


async def test_filtre_par_unite(client, liste):
    assert noms(await client.get(f"/habilitations?unite={liste['rh']}")) == ["BERNARD", "EVRARD"]
    assert noms(await client.get(f"/habilitations?unite={liste['paie']}&statut=actif")) == ["FABRE"]


@pytest.mark.parametrize(
    ("tri", "croissant"),
    [
        ("nom", ["BERNARD", "CARON", "DUPONT", "EVRARD", "FABRE", "GIRARD", "MARTIN"]),
        # No unit first, then by the unit's name, then by name.
        ("unite", ["CARON", "GIRARD", "MARTIN", "DUPONT", "FABRE", "BERNARD", "EVRARD"]),
        # No level first, then the cumulative levels, lowest first.
        ("niveau", ["CARON", "MARTIN", "BERNARD", "GIRARD", "FABRE", "EVRARD", "DUPONT"]),
        # Never signed in first (the principal signed in just now: last).
        ("connexion", ["CARON", "FABRE", "EVRARD", "DUPONT", "GIRARD", "BERNARD", "MARTIN"]),
    ],
)
async def test_le_tri_et_son_inverse(client, liste, tri, croissant):
    assert noms(await client.get(f"/habilitations?tri={tri}")) == croissant
    assert noms(await client.get(f"/habilitations?tri={tri}&ordre=desc")) == croissant[::-1]


async def test_tri_par_identifiant(client, liste):
    rows = await Utilisateur.select(Utilisateur.nom, Utilisateur.identifiant).where(
        Utilisateur.organisme == liste["principal"].organisme_id
    )
    par_identifiant = [r["nom"] for r in sorted(rows, key=lambda r: r["identifiant"])]
    assert noms(await client.get("/habilitations?tri=identifiant")) == par_identifiant
    assert noms(await client.get("/habilitations?tri=identifiant&ordre=desc")) == par_identifiant[::-1]


async def test_le_tri_par_unite_suit_les_unites_donnees_et_renommees(client, liste):
    """The unit's name is kept on each account for the sort: the dialog's creation and change, and a
    unit's rename, keep it true."""
    ordre = lambda r: [n for n in noms(r) if n in ("BERNARD", "DUPONT", "EVRARD", "FABRE", "NOEL")]  # noqa: E731
    # Created in a unit by « Ajouter un gestionnaire »: among that unit's accounts.
    form = {**FORM, "nom": "Noel", "courriel": "noel@example.fr", "confirmation_courriel": "noel@example.fr", "unite": str(liste["paie"])}
    assert (await poster(client, "/habilitations/ajouter", "/habilitations/ajouter", form)).status_code == 303
    assert ordre(await client.get("/habilitations?tri=unite")) == ["DUPONT", "FABRE", "NOEL", "BERNARD", "EVRARD"]
    # « Paie » renamed « Salaires »: after « Ressources humaines » now.
    assert (await poster(client, "/parametres", f"/parametres/unites/{liste['paie']}", {"nom": "Salaires"})).status_code == 303
    assert ordre(await client.get("/habilitations?tri=unite")) == ["BERNARD", "EVRARD", "DUPONT", "FABRE", "NOEL"]
    # NOEL moved to « Ressources humaines » by its dialog.
    noel = await Utilisateur.objects().where(Utilisateur.nom == "NOEL").first()
    r = await poster(client, f"/habilitations/{noel.id}", f"/habilitations/{noel.id}", {**form, "unite": str(liste["rh"])})
    assert r.status_code == 303
    assert ordre(await client.get("/habilitations?tri=unite")) == ["BERNARD", "EVRARD", "NOEL", "DUPONT", "FABRE"]
    # Accents and case do not move a unit: « école » sorts as « ECOLE », before « Salaires ».
    assert (await poster(client, "/parametres", f"/parametres/unites/{liste['rh']}", {"nom": "école"})).status_code == 303
    assert ordre(await client.get("/habilitations?tri=unite")) == ["BERNARD", "EVRARD", "NOEL", "DUPONT", "FABRE"]


def test_le_tri_par_niveau_et_le_compte_des_inactifs_sont_les_expressions_indexees():
    """The level's rank and « inactif depuis » are read by the very text their indexes hold, or the
    indexes would not be used."""
    from importlib import import_module

    migration = import_module("migrations.portail_2026_11_28t11_00_01_000000")
    assert (migration.RANG_NIVEAU, migration.INACTIF_DEPUIS) == (service.RANG_NIVEAU, service.INACTIF_DEPUIS)


async def test_egalite_departagee_de_facon_stable(client, liste, settings):
    # Same name, same first name: the order is the accounts' creation order, the same on every page.
    ids = [(await creer_gestionnaire(settings, liste["principal"].organisme_id, prenom="Zoe", nom="ZOLA")).id for _ in range(3)]
    r = await client.get("/habilitations?nom=zola")
    assert [int(i) for i in re.findall(r'<td><a href="/habilitations/(\d+)">ZOLA', r.text)] == ids
    r = await client.get("/habilitations?nom=zola&ordre=desc")
    assert [int(i) for i in re.findall(r'<td><a href="/habilitations/(\d+)">ZOLA', r.text)] == ids[::-1]


async def test_les_criteres_restent_dans_l_url(client, liste, settings):
    for i in range(21):
        await creer_gestionnaire(settings, liste["principal"].organisme_id, prenom=f"P{i:02d}", nom="PAGE")
    r = await client.get("/habilitations?nom=page&statut=jamais&tri=nom&ordre=desc&inactif=")
    # The form shows the criteria chosen (bookmarkable, without JavaScript).
    assert re.search(r'<option value="jamais" selected>Jamais connecté</option>', r.text)
    assert re.search(r'<option value="desc" selected>Décroissant</option>', r.text)
    # The next page and the export keep them; defaults and empty ones are left out.
    assert 'href="/habilitations?nom=page&amp;statut=jamais&amp;ordre=desc&amp;page=2"' in r.text
    assert 'href="/habilitations/export?nom=page&amp;statut=jamais&amp;ordre=desc"' in r.text
    assert noms(await client.get("/habilitations?nom=page&statut=jamais&ordre=desc&page=2")) == ["PAGE"]


async def test_le_compte_s_arrete_au_plafond(client, liste, monkeypatch):
    assert "7 gestionnaires trouvés" in t(await client.get("/habilitations"))
    monkeypatch.setattr(service, "PLAFOND_COMPTE", 5)
    monkeypatch.setattr(service, "PAR_PAGE", 2)
    r = await client.get("/habilitations")
    assert "plus de 5 gestionnaires trouvés" in t(r)
    assert "Page 1 Page suivante" in t(r)  # how many pages is not known: no « sur N »
    # Further on, the count reaches the page shown: the last page is known.
    r = await client.get("/habilitations?page=4")
    assert noms(r) == ["MARTIN"] and "7 gestionnaires trouvés" in t(r) and "Page 4 sur 4" in t(r)


# --- « Exporter la liste » ----------------------------------------------------------------------


def lire_csv(reponse) -> list[list[str]]:
    assert reponse.status_code == 200, reponse.text
    assert reponse.headers["content-type"].startswith("text/csv")
    assert reponse.headers["content-disposition"].startswith("attachment;")
    assert reponse.content.startswith(b"\xef\xbb\xbf")  # UTF-8 with BOM: French spreadsheets read the accents
    texte = reponse.content.decode("utf-8-sig")
    assert "\r\n" in texte and "\n" not in texte.replace("\r\n", "")
    return list(csv.reader(io.StringIO(texte, newline=""), delimiter=";"))


async def test_export_de_ce_que_montrent_les_filtres(client, liste):
    lignes = lire_csv(await client.get("/habilitations/export?statut=actif&niveau=consultation&ordre=desc"))
    assert lignes[0] == service.COLONNES_EXPORT
    assert [(ligne[2], ligne[9], ligne[10], ligne[11]) for ligne in lignes[1:]] == [
        ("GIRARD", "Consultation", "GESTIONNAIRE", "Actif"),
        ("BERNARD", "Consultation", "GESTIONNAIRE", "Actif"),
    ]
    bernard = lignes[2]
    assert bernard[8] == "Ressources humaines" and bernard[5] == "01 23 45 67 89"
    assert re.fullmatch(r"\d\d/\d\d/\d{4} \d\d:\d\d", bernard[13])
    assert len(lire_csv(await client.get("/habilitations/export"))) == 1 + 7


async def test_export_neutralise_les_formules(client, liste):
    await Utilisateur.update({Utilisateur.fonction: '=HYPERLINK("http://x")', Utilisateur.prenom: "@Lea"}).where(
        Utilisateur.nom == "BERNARD"
    )
    await Utilisateur.update({Utilisateur.fonction: "-2+3"}).where(Utilisateur.nom == "CARON")
    await Utilisateur.update({Utilisateur.fonction: "+33 chef; « adjoint »"}).where(Utilisateur.nom == "DUPONT")
    await Utilisateur.update({Utilisateur.fonction: "\tTab"}).where(Utilisateur.nom == "EVRARD")
    lignes = {ligne[2]: ligne for ligne in lire_csv(await client.get("/habilitations/export"))[1:]}
    assert lignes["BERNARD"][7] == '\'=HYPERLINK("http://x")' and lignes["BERNARD"][1] == "'@Lea"
    assert lignes["CARON"][7] == "'-2+3"
    assert lignes["DUPONT"][7] == "'+33 chef; « adjoint »"  # the separator inside a cell is quoted
    assert lignes["EVRARD"][7] == "'\tTab"
    assert lignes["FABRE"][7] == ""


def test_neutraliser():
    for dangereux in ("=1+1", "+1", "-1", "@SUM(A1)", "\t=1", "\r=1"):
        assert service.neutraliser(dangereux) == "'" + dangereux
    for sur in ("Chef", "", "1-2", "a=b", "'déjà"):
        assert service.neutraliser(sur) == sur


async def test_export_en_plusieurs_lots(client, liste, monkeypatch):
    # Streamed: read and sent batch by batch (here 2 lines), never the whole list at once.
    monkeypatch.setattr(service, "LOT_EXPORT", 2)
    p = liste["principal"]
    flux = await service.exporter(Acteur(p.id, p.organisme_id), FormFiltres.lire({}))
    morceaux = [m async for m in flux]
    assert [m.count(b"\r\n") for m in morceaux] == [1, 2, 2, 2, 1]
    texte = b"".join(morceaux).decode("utf-8-sig")
    assert [ligne.split(";")[2] for ligne in texte.split("\r\n")[1:-1]] == [
        "BERNARD",
        "CARON",
        "DUPONT",
        "EVRARD",
        "FABRE",
        "GIRARD",
        "MARTIN",
    ]


async def test_export_journalise(client, liste):
    await client.get("/habilitations/export?statut=suspendu&nom=dup")
    j = await Journal.select(Journal.type, Journal.acteur, Journal.detail).order_by(Journal.id, ascending=False).first()
    assert j["type"] == "liste_exportee" and j["acteur"] == liste["principal"].id
    assert j["detail"] == "1 gestionnaire ; Nom (saisi), Statut : Suspendu"
    assert "dup" not in j["detail"].lower()  # what was typed stays out of the journal
    r = await client.get("/habilitations/journal?type=liste_exportee")
    assert "Liste des gestionnaires exportée" in t(r)


async def test_export_reserve_aux_administrateurs(client, settings):
    p = await creer_organisme(settings)
    g = await creer_gestionnaire(settings, p.organisme_id)
    await connecte(client, g)
    assert (await client.get("/habilitations/export")).status_code == 403
    client.cookies.clear()
    r = await client.get("/habilitations/export", follow_redirects=False)
    assert r.status_code == 303
    assert not await Journal.exists().where(Journal.type == "liste_exportee")


# --- The gestionnaire page's history ------------------------------------------------------------


async def test_historique_du_compte(client, settings):
    p = await creer_organisme(settings)
    await connecte(client, p)
    r = await poster(client, "/habilitations/ajouter", "/habilitations/ajouter", FORM)
    g = await Utilisateur.objects().where(Utilisateur.courriel == FORM["courriel"]).first()
    page = f"/habilitations/{g.id}"
    texte = t(await client.get(page))
    assert f"Créé par Anne MARTIN ({p.identifiant})" in texte
    assert "Dernière connexion Jamais connecté" in texte
    assert "Dernier changement de mot de passe Jamais : mot de passe temporaire" in texte
    assert "Aucun changement de statut." in texte
    # Status changes, newest first, with who made them; a bounded list, then the journal.
    for _ in range(3):
        assert (await poster(client, page, f"{page}/suspendre", {})).status_code == 303
        assert (await poster(client, page, f"{page}/reactiver", {})).status_code == 303
    le = dt.datetime(2026, 3, 4, 9, 30, tzinfo=dt.UTC)
    await Utilisateur.update({Utilisateur.derniere_connexion: le, Utilisateur.mot_de_passe_modifie_le: le - JOUR}).where(
        Utilisateur.id == g.id
    )
    r = await client.get(page)
    texte = t(r)
    assert "Dernière connexion 04/03/2026 à 09:30" in texte
    assert "Dernier changement de mot de passe 03/03/2026 à 09:30" in texte
    changements = re.findall(r"<li>[^<]* : (Gestionnaire \w+) par (\w+)</li>", r.text)
    assert changements == [("Gestionnaire réactivé", p.identifiant), ("Gestionnaire suspendu", p.identifiant)] * 2 + [
        ("Gestionnaire réactivé", p.identifiant)
    ]
    assert f'<a href="/habilitations/journal?personne={g.identifiant}">Tous les événements de ce compte</a>' in r.text
    journal = (await client.get(f"/habilitations/journal?personne={g.identifiant}")).text
    assert journal.count("<td>Gestionnaire suspendu</td>") == 3


async def test_la_liste_se_lit_aussi_dans_une_transaction(liste):
    # The page and the count are read at the same time on two connections; inside a transaction
    # (one connection, which PostgreSQL's driver cannot share) one after the other, same result.
    from web.db import ecriture

    c = FormFiltres.lire({"statut": "actif", "tri": "connexion"})
    dehors = await service.rechercher(liste["principal"].organisme_id, c)
    async with ecriture():
        dedans = await service.rechercher(liste["principal"].organisme_id, c)
    assert dedans == dehors
    assert [ligne.nom for ligne in dehors[0]] == ["CARON", "FABRE", "EVRARD", "GIRARD", "BERNARD", "MARTIN"]
    assert dehors[1] == service.Compte(6, False)
