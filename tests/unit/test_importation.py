"""« Importer des gestionnaires »: the file's limits, the per-line report (the rules of « Ajouter un
gestionnaire »), nothing saved before « Créer les comptes », each line whole or not at all,
idempotence, the background creation, the identifiants' CSV, the purge, the command line."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from click.testing import CliRunner

from tests.unit.conftest import connecte, creer_gestionnaire, creer_organisme, jeton, t
from web import menage
from web.habilitations import service as habilitations
from web.importation import service
from web.importation.forms import LIGNES_MAX, TAILLE_MAX
from web.tables import Courriel, ImportGestionnaires, Journal, LigneImport, Organisme, Unite, Utilisateur
from web.temps import maintenant

EN_TETE = "civilite;prenom;nom;courriel;telephone_fixe;telephone_portable;fonction;unite;niveau;administrateur_delegue"
BONNE = "Mme;Lucie;Delahaie;lucie.delahaie@exemple.fr;01 23 45 67 89;;Chargée de formation;Service RH;creation;non"
AUTRE = "M.;Paul;Martin;paul.martin@exemple.fr;;06 12 34 56 78;;;Consultation;"


def fichier(*lignes: str, en_tete: str = EN_TETE) -> bytes:
    return ("\r\n".join([en_tete, *lignes]) + "\r\n").encode()


async def deposer(client, contenu: bytes, nom: str = "gestionnaires.csv"):
    page = await client.get("/habilitations/importer")
    return await client.post(
        "/habilitations/importer",
        data={"_csrf_token": jeton(page.text)},
        files={"fichier": (nom, contenu, "text/csv")},
        follow_redirects=False,
    )


async def verifier(client, contenu: bytes) -> tuple[str, str]:
    """Uploads the file: (the report's address, its text)."""
    r = await deposer(client, contenu)
    assert r.status_code == 303, t(r)
    lieu = r.headers["location"]
    return lieu, t(await client.get(lieu))


async def confirmer(client, lieu: str):
    page = await client.get(lieu)
    return await client.post(f"{lieu}/confirmer", data={"_csrf_token": jeton(page.text)}, follow_redirects=False)


@pytest.fixture
async def principal(client, settings):
    p = await creer_organisme(settings)
    await connecte(client, p)
    return p


async def comptes(organisme_id: int) -> int:
    return await Utilisateur.count().where(Utilisateur.organisme == organisme_id)


async def test_rapport_ligne_par_ligne_sans_rien_enregistrer(client, principal):
    avant = (await comptes(principal.organisme_id), await Courriel.count(), await Unite.count())
    contenu = fichier(
        BONNE,
        AUTRE,
        "Mme;;Sans Prenom;sans.prenom@exemple.fr;0123456789;;;;;",
        "Mme;Anne;Pasmail;pas-un-courriel;0123456789;;;;;",
        "Mme;Rose;Doublon;LUCIE.DELAHAIE@exemple.fr;0123456789;;;;;",
        "Mme;Sans;Telephone;sans.tel@exemple.fr;;;;;;",
        "Mme;Niv;Eau;niv.eau@exemple.fr;0123456789;;;;expert;",
        "Dr;Civ;Ilite;civ@exemple.fr;0123456789;;;;;",
        "Mme;Del;Egue;del@exemple.fr;0123456789;;;;;peut-être",
        "Mme;Trop;Long;trop@exemple.fr;0123456789;;;;;;en trop",
    )
    lieu, rapport = await verifier(client, contenu)
    assert "2 lignes acceptées, 8 refusées, 0 déjà présente. Rien n'a encore été enregistré." in rapport
    attendus = [
        "3 M. Paul MARTIN paul.martin@exemple.fr Accepté",
        "4 Mme SANS PRENOM sans.prenom@exemple.fr Refusé Saisissez le champ « Prénom ».",
        "n'est pas une adresse de courriel valide",
        "Ce courriel figure déjà ligne 2 du fichier.",
        "Au moins un numéro de téléphone doit être indiqué.",
        "Choisissez un des niveaux d'habilitation proposés.",
        "« Civilité » : choisissez une des valeurs proposées.",
        "« administrateur_delegue » : indiquez oui ou non.",
        "11 Refusé La ligne compte plus de colonnes que l'en-tête",
    ]
    for attendu in attendus:
        assert attendu in rapport, attendu
    assert (await comptes(principal.organisme_id), await Courriel.count(), await Unite.count()) == avant


async def test_confirmer_cree_chaque_ligne_et_montre_les_identifiants(client, principal):
    lieu, _ = await verifier(client, fichier(BONNE, AUTRE, "Mme;;Refusee;refusee@exemple.fr;0123456789;;;;;"))
    r = await confirmer(client, lieu)
    assert r.status_code == 303 and r.headers["location"] == lieu
    page = t(await client.get(lieu))
    assert "Import terminé : 2 comptes créés, 1 ligne non créée." in page
    lucie = await Utilisateur.objects().where(Utilisateur.courriel == "lucie.delahaie@exemple.fr").first()
    paul = await Utilisateur.objects().where(Utilisateur.courriel == "paul.martin@exemple.fr").first()
    assert f"2 Mme Lucie DELAHAIE lucie.delahaie@exemple.fr {lucie.identifiant}" in page
    assert f"3 M. Paul MARTIN paul.martin@exemple.fr {paul.identifiant}" in page
    # As the dialog creates them: level, unit created on the fly, creator, one temporary-password mail each.
    unite = await Unite.objects().where(Unite.id == lucie.unite).first()
    assert (lucie.niveau, unite.nom, lucie.cree_par, lucie.fonction, lucie.role) == (
        "creation", "Service RH", principal.id, "Chargée de formation", "gestionnaire",
    )  # fmt: skip
    assert (paul.niveau, paul.unite, paul.telephone_portable) == ("consultation", None, "06 12 34 56 78")
    for u in (lucie, paul):
        assert await Courriel.count().where(Courriel.destinataire == u.courriel) == 1
        assert await Journal.count().where((Journal.type == "gestionnaire_cree") & (Journal.cible == u.id)) == 1
    assert await Journal.count().where(Journal.type == "gestionnaires_importes") == 1
    # The identifiants to hand over, as CSV (UTF-8 with BOM, ;), journaled.
    r = await client.get(f"{lieu}/identifiants.csv")
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/csv")
    assert r.content.startswith("\ufeff".encode())
    lignes = r.content.decode("utf-8-sig").split("\r\n")
    assert lignes[0] == "ligne;civilite;prenom;nom;courriel;identifiant"
    assert lignes[1] == f"2;Mme;Lucie;DELAHAIE;lucie.delahaie@exemple.fr;{lucie.identifiant}"
    assert await Journal.count().where(Journal.type == "identifiants_telecharges") == 1
    # A second click creates nothing more.
    await confirmer(client, lieu)
    assert await comptes(principal.organisme_id) == 3


async def test_le_meme_fichier_deux_fois_ne_cree_rien_deux_fois(client, principal):
    contenu = fichier(BONNE, AUTRE)
    lieu, _ = await verifier(client, contenu)
    await confirmer(client, lieu)
    assert await comptes(principal.organisme_id) == 3
    lieu2, rapport = await verifier(client, contenu)
    assert lieu2 != lieu
    assert "0 ligne acceptée, 0 refusée, 2 déjà présentes." in rapport
    assert "Déjà présent : un gestionnaire actif de l'organisme a ce courriel." in rapport
    assert "Créer le" not in rapport  # nothing to confirm
    assert (await confirmer(client, lieu2)).status_code == 303
    assert await comptes(principal.organisme_id) == 3
    assert await Unite.count().where(Unite.nom == "Service RH") == 1


async def test_chaque_ligne_entiere_ou_pas_du_tout(client, principal, monkeypatch):
    """The account of line 3 cannot be written: neither it, nor its new unit, nor its mail, nor its
    journal line are kept; lines 2 and 4 are created."""
    from web.habilitations import service as habilitations

    vraie = habilitations.inserer

    async def inserer(settings, acteur, f, origine=""):
        u = await vraie(settings, acteur, f, origine)
        if f.prenom == "Paul":
            raise RuntimeError("disque plein")
        return u

    monkeypatch.setattr(habilitations, "inserer", inserer)
    paul = AUTRE.replace(";;Consultation;", ";Unité de Paul;Consultation;")
    lieu, _ = await verifier(client, fichier(BONNE, paul, "Mme;Zoé;Dernière;zoe@exemple.fr;0123456789;;;;;"))
    await confirmer(client, lieu)
    page = t(await client.get(lieu))
    assert "Import terminé : 2 comptes créés, 1 ligne non créée." in page
    assert "3 M. Paul MARTIN paul.martin@exemple.fr Non créé " + service.ECHEC_LIGNE in page
    assert not await Utilisateur.exists().where(Utilisateur.courriel == "paul.martin@exemple.fr")
    assert not await Courriel.exists().where(Courriel.destinataire == "paul.martin@exemple.fr")
    assert not await Unite.exists().where(Unite.nom == "Unité de Paul")
    assert await Journal.count().where(Journal.type == "gestionnaire_cree") == 2
    assert await Utilisateur.exists().where(Utilisateur.courriel == "zoe@exemple.fr")


async def test_un_courriel_pris_entre_la_verification_et_la_confirmation(client, principal, settings):
    lieu, _ = await verifier(client, fichier(BONNE))
    g = await creer_gestionnaire(settings, principal.organisme_id)
    await Utilisateur.update({Utilisateur.courriel: "lucie.delahaie@exemple.fr"}).where(Utilisateur.id == g.id)
    await confirmer(client, lieu)
    assert "Import terminé : 0 compte créé, 1 déjà présent." in t(await client.get(lieu))


async def test_un_delegue_importe_dans_ses_limites(client, settings):
    p = await creer_organisme(settings)
    d = await creer_gestionnaire(settings, p.organisme_id, role="administrateur_delegue", prenom="Denis", nom="Delegue", niveau="creation")
    await connecte(client, d)
    lieu, rapport = await verifier(
        client,
        fichier(
            BONNE,
            "M.;Haut;Niveau;haut@exemple.fr;0123456789;;;;validation;",
            "M.;Autre;Delegue;autre.delegue@exemple.fr;0123456789;;;;;oui",
        ),
    )
    assert "1 ligne acceptée, 2 refusées" in rapport
    assert "Vous ne pouvez pas accorder un niveau d'habilitation supérieur au vôtre." in rapport
    assert "Seul l'administrateur principal peut nommer un administrateur délégué." in rapport
    # The délégué column is the principal's alone: not shown to a délégué.
    assert "administrateur_delegue" not in t(await client.get("/habilitations/importer"))


async def test_le_principal_nomme_un_delegue(client, principal):
    lieu, _ = await verifier(client, fichier(BONNE.replace(";non", ";oui")))
    await confirmer(client, lieu)
    u = await Utilisateur.objects().where(Utilisateur.courriel == "lucie.delahaie@exemple.fr").first()
    assert u.role == "administrateur_delegue"


@pytest.mark.parametrize(
    ("contenu", "message"),
    [
        ("civilite;prenom".encode("utf-16"), "n'est pas encodé en UTF-8"),
        ("é".encode("latin-1") + fichier(BONNE), "n'est pas encodé en UTF-8"),
        (fichier(BONNE).replace(b";", b"\t"), "Les colonnes doivent être séparées par des points-virgules (;)"),
        (fichier(BONNE, en_tete="civilite;prenom;nom;mail"), "Colonnes absentes : courriel. Colonnes inconnues : mail."),
        (b"", "Choisissez le fichier CSV"),
        (b"\r\n\r\n", "Le fichier est vide"),
        (fichier(), "aucune ligne après l'en-tête"),
        (fichier(BONNE) + b'Mme;"Lucie;x\r\n', "n'a pas pu être lu comme un CSV"),
        (fichier(*[BONNE] * (LIGNES_MAX + 1)), f"plus de {LIGNES_MAX} lignes"),
        (b"x" * (TAILLE_MAX + 1), "dépasse la taille maximale de 1 Mo"),
    ],
)
async def test_fichier_refuse_avec_un_message_clair(client, principal, contenu, message):
    r = await deposer(client, contenu, nom="" if not contenu else "f.csv")
    assert r.status_code == 422, r.status_code
    assert message in t(r)
    assert await ImportGestionnaires.count() == 0


async def test_un_envoi_bien_trop_gros_est_refuse_en_francais(client, principal):
    r = await deposer(client, b"x" * (3 * TAILLE_MAX))
    assert r.status_code == 413 and "dépasse la taille permise (1 Mo pour un fichier à importer)" in t(r)


async def test_virgule_et_bom_et_libelles_acceptes(client, principal):
    contenu = "\ufeffCivilité,Prénom,Nom,Courriel,Téléphone fixe,Niveau\r\nMadame,Lucie,Delahaie,l@exemple.fr,0123456789,Clôture\r\n"
    lieu, rapport = await verifier(client, contenu.encode())
    assert "1 ligne acceptée" in rapport
    await confirmer(client, lieu)
    assert (await Utilisateur.objects().where(Utilisateur.courriel == "l@exemple.fr").first()).niveau == "cloture"


async def test_un_import_n_est_vu_que_par_son_auteur(client, principal, settings):
    lieu, _ = await verifier(client, fichier(BONNE))
    d = await creer_gestionnaire(settings, principal.organisme_id, role="administrateur_delegue", prenom="Denis", nom="Delegue")
    from litestar.testing import AsyncTestClient

    from web.app import create_app

    async with AsyncTestClient(app=create_app(settings, services=False)) as autre:
        await connecte(autre, d)
        for url in (lieu, f"{lieu}/identifiants.csv"):
            assert (await autre.get(url)).status_code == 404
        assert (
            await autre.post(f"{lieu}/confirmer", data={"_csrf_token": jeton((await autre.get("/habilitations")).text)})
        ).status_code == 404
    assert await comptes(principal.organisme_id) == 2  # the principal and the délégué only


async def test_un_long_fichier_est_cree_en_arriere_plan(client, principal, settings):
    n = service.SEUIL_ARRIERE_PLAN + 1
    lignes = [f"Mme;Agent;Numero{i};agent{i}@exemple.fr;0123456789;;;;;" for i in range(n)]
    lieu, _ = await verifier(client, fichier(*lignes))
    assert (await confirmer(client, lieu)).status_code == 303
    page = await client.get(lieu)
    assert f"Création des comptes : 0 ligne traitée sur {n}" in t(page)
    assert 'hx-trigger="every 2s"' in page.text and f'<a href="{lieu}">Actualiser</a>' in page.text
    assert await comptes(principal.organisme_id) == 1
    # The background task of `portail serve` claims it (once), then creates every line.
    imp_id = int(lieu.rsplit("/", 1)[1])
    assert await service.traiter_en_attente(habilitations, settings) == 1
    assert await service.traiter_en_attente(habilitations, settings) == 0
    assert await comptes(principal.organisme_id) == 1 + n
    # The polled region, asked for by htmx, is now the result.
    r = await client.get(lieu, headers={"HX-Request": "true", "HX-Target": "progression"})
    assert f"Import terminé : {n} comptes créés." in t(r) and "<h1>" not in r.text and "every 2s" not in r.text
    assert (await ImportGestionnaires.objects().where(ImportGestionnaires.id == imp_id).first()).faites == n


async def test_un_seul_travailleur_prend_un_import(client, principal, settings):
    lieu, _ = await verifier(client, fichier(BONNE))
    imp_id = int(lieu.rsplit("/", 1)[1])
    imp = await ImportGestionnaires.objects().where(ImportGestionnaires.id == imp_id).first()
    assert await service.confirmer(imp, "127.0.0.1")
    assert not await service.confirmer(imp, "127.0.0.1")
    assert await service.prendre(imp_id) and not await service.prendre(imp_id)
    # A worker that stopped giving news is taken over.
    assert await service.prendre(imp_id, maintenant() + service.ABANDON + timedelta(seconds=1))


async def test_le_menage_purge_les_imports_expires(client, principal):
    lieu, _ = await verifier(client, fichier(BONNE, AUTRE))
    assert await LigneImport.count() == 2
    await ImportGestionnaires.update({ImportGestionnaires.expire_le: maintenant() - timedelta(seconds=1)}).where(ImportGestionnaires.id > 0)
    assert (await client.get(lieu)).status_code == 404
    resultats = await menage.executer()
    assert resultats["imports_gestionnaires_expires"] == 2
    assert await LigneImport.count() == 0 and await ImportGestionnaires.count() == 0


def test_commande_importer(tmp_path, settings, base_vide, monkeypatch):
    import asyncio

    from web.cli import main

    async def preparer():
        p = await creer_organisme(settings)
        d = await creer_gestionnaire(
            settings, p.organisme_id, role="administrateur_delegue", prenom="Denis", nom="Delegue", niveau="creation"
        )
        return (await Organisme.objects().where(Organisme.id == p.organisme_id).first()).siret, d.identifiant

    siret, delegue = asyncio.run(preparer())
    chemin = tmp_path / "gestionnaires.csv"
    chemin.write_bytes(fichier(BONNE, AUTRE, "Mme;;Sans Prenom;sans.prenom@exemple.fr;0123456789;;;;;"))
    r = CliRunner().invoke(main, ["gestionnaires", "importer", str(chemin), "--siret", siret])
    assert r.exit_code == 2, r.output
    assert "Ligne 4 refusée : Saisissez le champ « Prénom »." in r.output
    assert re.search(r"Ligne 2 : [A-Z0-9]{8} Mme Lucie DELAHAIE lucie.delahaie@exemple.fr", r.output)
    assert "2 compte(s) créé(s), 0 déjà présent(s), 1 ligne(s) refusée(s)." in r.output
    # Again: nothing created twice; on behalf of a délégué, his limits apply.
    chemin.write_bytes(fichier(BONNE, AUTRE))
    r = CliRunner().invoke(main, ["gestionnaires", "importer", str(chemin), "--siret", siret, "--par", delegue])
    assert r.exit_code == 0, r.output
    assert "0 compte(s) créé(s), 2 déjà présent(s), 0 ligne(s) refusée(s)." in r.output
    r = CliRunner().invoke(main, ["gestionnaires", "importer", str(chemin), "--siret", siret, "--par", "ZZZZZZZZ"])
    assert r.exit_code == 1 and "ZZZZZZZZ n'est pas un administrateur actif de cet organisme." in r.output
    chemin.write_bytes(b"\xff\xfe")
    r = CliRunner().invoke(main, ["gestionnaires", "importer", str(chemin), "--siret", siret])
    assert r.exit_code == 1 and "n'est pas encodé en UTF-8" in r.output


async def test_deux_travailleurs_sur_le_meme_import_ne_creent_rien_deux_fois(client, principal, settings):
    """A worker taken over while still running (or two at once): each line is created by one of them only."""
    import asyncio

    lieu, _ = await verifier(client, fichier(BONNE, AUTRE))
    imp_id = int(lieu.rsplit("/", 1)[1])
    imp = await ImportGestionnaires.objects().where(ImportGestionnaires.id == imp_id).first()
    assert await service.confirmer(imp, "127.0.0.1") and await service.prendre(imp_id)
    await asyncio.gather(*(service.executer(habilitations, settings, imp_id) for _ in range(2)))
    assert await comptes(principal.organisme_id) == 3
    assert await Courriel.count().where(Courriel.destinataire.is_in(["lucie.delahaie@exemple.fr", "paul.martin@exemple.fr"])) == 2
    imp = await ImportGestionnaires.objects().where(ImportGestionnaires.id == imp_id).first()
    assert (imp.statut, imp.faites) == ("termine", 2)
    assert await Journal.count().where(Journal.type == "gestionnaires_importes") == 1


@pytest.mark.parametrize(
    "modif",
    [{"prenom": ""}, {"courriel": "x@"}, {"telephone_fixe": ""}, {"telephone_fixe": "123"}, {"nom": "x" * 300}, {"niveau": "tout"},
     {"civilite": ""}, {"civilite": "Dr"}],
)  # fmt: skip
async def test_les_memes_refus_que_le_dialogue(client, principal, modif):
    """One form for both: a line refused by the import says what « Ajouter un gestionnaire » says."""
    from tests.unit.conftest import poster
    from tests.unit.test_habilitations import FORM

    saisie = {**FORM, **modif}
    saisie["confirmation_courriel"] = saisie["courriel"]
    r = await poster(client, "/habilitations/ajouter", "/habilitations/ajouter", saisie)
    messages = re.findall(r'<li><a href="#[a-z_]+">([^<]+)</a></li>', r.text)
    assert r.status_code == 422 and messages
    ligne = ";".join(saisie.get(c, "") for c in EN_TETE.split(";"))
    _, rapport = await verifier(client, fichier(ligne))
    assert "0 ligne acceptée, 1 refusée" in rapport
    for message in messages:
        assert t_html(message) in rapport
    assert await comptes(principal.organisme_id) == 1


def t_html(fragment: str) -> str:
    import html

    return " ".join(html.unescape(fragment).split())


async def test_les_identifiants_en_csv_neutralisent_les_formules(client, principal):
    lieu, _ = await verifier(client, fichier('Mme;=HYPERLINK("http://x");@Nom;formule@exemple.fr;0123456789;;;;;'))
    await confirmer(client, lieu)
    r = await client.get(f"{lieu}/identifiants.csv")
    ligne = r.content.decode("utf-8-sig").split("\r\n")[1]
    assert ligne.startswith('2;Mme;"\'=HYPERLINK(""http://x"")";\'@NOM;formule@exemple.fr;')
