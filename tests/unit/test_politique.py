import re
from unittest import mock

import pytest

from web.comptes import politique
from web.comptes.politique import (
    avec_historique,
    evaluer,
    generer_mot_de_passe_temporaire,
    message_erreur,
)

LUCIE = {"identifiant": "LDEL7X4Z", "prenom": "Lucie", "nom": "Delahaie"}


def non_respectees(mot_de_passe: str, **personne: str) -> set[str]:
    return {r.code for r in evaluer(mot_de_passe, **personne).regles if not r.respectee}


def test_checklist_lists_every_rule_in_french():
    libelles = [r.libelle for r in evaluer("").regles]
    assert libelles == [
        "Au moins 5 lettres",
        "Au moins une majuscule et une minuscule",
        "Au moins 3 chiffres",
        "128 caractères au maximum",
        "Ne contient ni votre identifiant, ni votre nom, ni votre prénom, ni le nom de votre organisme",
        "N'est pas un mot de passe courant ou trop prévisible",
    ]


@pytest.mark.parametrize(
    ("mot_de_passe", "manque"),
    [
        ("Abcde123", set()),  # 5 letters with both cases and 3 digits
        ("abcde123", {"casse"}),
        ("ABCDE123", {"casse"}),
        ("Abcd1234", {"lettres"}),
        ("Abcdef12", {"chiffres"}),
        ("Éléphant123", set()),  # accented letters count as letters
        ("Abcde١٢٣", {"chiffres"}),  # only 0-9 count as digits
    ],
)
def test_composition_rules(mot_de_passe, manque):
    composition = non_respectees(mot_de_passe) & {"lettres", "casse", "chiffres"}
    assert composition == manque


def test_random_looking_password_is_valid_and_strong():
    e = evaluer("Kq7vTz9mWr4p", **LUCIE)
    assert e.valide
    assert all(r.respectee for r in e.regles)
    assert (e.force, e.force_niveau) == ("Fort", 3)
    assert message_erreur(e) is None


def test_valid_but_guessable_password_is_medium():
    e = evaluer("Girafe2024")
    assert e.valide
    assert (e.force, e.force_niveau) == ("Moyen", 2)


@pytest.mark.parametrize("mot_de_passe", ["Azerty123", "Password123", "Abcde123"])
def test_common_or_predictable_password_refused(mot_de_passe):
    e = evaluer(mot_de_passe)
    assert non_respectees(mot_de_passe) == {"courant"}
    assert not e.valide
    assert e.force == "Très faible"
    assert message_erreur(e) == ("Ce mot de passe est trop courant ou trop prévisible : choisissez-en un autre.")


def test_identifiant_inside_refused_whatever_the_case():
    e = evaluer("xLdel7x4zAb123", **LUCIE)
    assert non_respectees("xLdel7x4zAb123", **LUCIE) == {"personnel"}
    assert not e.valide
    assert e.force == "Faible"  # policy not met, but not guessable
    assert message_erreur(e) == (
        "Le mot de passe ne doit contenir ni votre identifiant, ni votre nom, ni votre prénom, ni le nom de votre organisme."
    )
    # Same password, someone else: fine.
    assert evaluer("xLdel7x4zAb123", identifiant="JNDI8K2P").valide


@pytest.mark.parametrize(
    ("mot_de_passe", "prenom", "nom"),
    [
        ("Delahaie123A", "Lucie", "Delahaie"),
        ("Delahaie123A", "Lucie", "Délahaïe"),  # accents in the nom
        ("XdÉLAHAÏE987Q", "Lucie", "Delahaie"),  # accents in the password
        ("Qw9LUCIE47zt", "Lucie", "Delahaie"),  # the prénom
        ("Qw9diaye47Zt", "Aminata", "N'Diaye"),  # part of a compound nom
        ("Qw9luc47ZtPx", "Jean-Luc", "Martin"),
    ],
)
def test_nom_or_prenom_inside_refused(mot_de_passe, prenom, nom):
    assert "personnel" in non_respectees(mot_de_passe, prenom=prenom, nom=nom)


def test_names_under_three_letters_are_allowed():
    assert "personnel" not in non_respectees("Kq7LiTz9mWr4p", prenom="Li", nom="Wu")


def test_more_than_128_characters_refused():
    assert evaluer("Kq7vTz9mWr4p" + "a" * 116).valide  # 128
    trop_long = "Kq7vTz9mWr4p" + "a" * 117
    assert len(trop_long) == 129
    e = evaluer(trop_long)
    assert non_respectees(trop_long) == {"longueur_max"}
    assert message_erreur(e) == "Le mot de passe doit compter 128 caractères au maximum."


def test_zxcvbn_sees_at_most_72_characters_and_never_an_empty_password():
    with mock.patch.object(politique, "zxcvbn", wraps=politique.zxcvbn) as espion:
        evaluer("")
        espion.assert_not_called()
        evaluer("Kq7vTz9mWr4p" * 10)
        assert len(espion.call_args.args[0]) == 72


def test_strength_labels():
    assert (evaluer("").force, evaluer("").force_niveau) == ("Très faible", 0)
    assert evaluer("azerty").force == "Très faible"
    assert evaluer("Kq7vTz9mWr").force == "Faible"  # hard to guess, only 2 digits
    assert evaluer("Girafe2024").force == "Moyen"
    assert evaluer("Soleil2024").force == "Très faible"  # a common French password (issue 11)
    assert evaluer("Kq7vTz9mWr4p").force == "Fort"


@pytest.mark.parametrize(
    ("mot_de_passe", "message"),
    [
        (
            "",
            ("Le mot de passe doit compter au moins 5 lettres (majuscules et minuscules) et 3 chiffres."),
        ),
        (
            "kq7vtz9mwr4p",
            "Le mot de passe doit compter au moins 5 lettres (majuscules et minuscules).",
        ),
        ("Kq7vTz9mWr", "Le mot de passe doit compter au moins 3 chiffres."),
    ],
)
def test_message_lists_what_is_missing(mot_de_passe, message):
    assert message_erreur(evaluer(mot_de_passe)) == message


def test_history_rule_added_by_the_caller():
    e = evaluer("Kq7vTz9mWr4p")
    assert "historique" not in {r.code for r in e.regles}  # not in the live checklist

    deja = avec_historique(e, deja_utilise=True)
    assert not deja.valide
    assert deja.regle("historique").libelle == ("Différent de votre mot de passe actuel et des 5 précédents")
    assert message_erreur(deja) == ("Ce mot de passe a déjà été utilisé : choisissez-en un différent de vos 5 derniers.")
    assert avec_historique(e, deja_utilise=False).valide


def test_temporary_passwords():
    tirages = [generer_mot_de_passe_temporaire() for _ in range(200)]
    assert len(set(tirages)) == 200
    for mot_de_passe in tirages:
        assert len(mot_de_passe) == 14
        assert evaluer(mot_de_passe).valide, mot_de_passe
        assert not re.search(r"[0O1lI]", mot_de_passe)  # read in a mail and retyped


# --- Issue 11, finding 13: French passwords, the organisation's name ----------------------------


FRANCAIS = ["Motdepasse123", "Azerty123", "Soleil123", "Bonjour2024", "Doudou123", "Chocolat2024", "Jetaime123"]


@pytest.mark.parametrize("mot_de_passe", FRANCAIS)
def test_les_mots_de_passe_francais_courants_sont_refuses(mot_de_passe):
    assert "courant" in non_respectees(mot_de_passe)


def test_la_liste_francaise_est_celle_du_fichier_livre():
    assert len(politique.COURANTS_FR) > 19_000 and politique.COURANTS_FR[:3] == ["123456", "123456789", "azerty"]
    assert "motdepasse" in politique.COURANTS_FR and "soleil" in politique.COURANTS_FR


@pytest.mark.parametrize("mot_de_passe", ["Employeur2024ab", "xPUBLIC123yz", "Mairie123Abc", "EmployeurPublic12"])
def test_le_nom_de_l_organisme_est_refuse(mot_de_passe):
    organisme = "MAIRIE DE SAINT-DENIS" if mot_de_passe.startswith("Mairie") else "EMPLOYEUR PUBLIC"
    assert "personnel" in non_respectees(mot_de_passe, organisme=organisme)
    assert "personnel" not in non_respectees(mot_de_passe)


def test_les_petits_mots_du_nom_de_l_organisme_restent_permis():
    assert "personnel" not in non_respectees("Kq7deTz9mWr4p", organisme="MAIRIE DE SAINT-DENIS")


async def test_zxcvbn_ne_tourne_pas_sur_la_boucle_d_evenements():
    import asyncio
    import threading

    boucle = threading.current_thread()
    fils = []
    vrai = politique.zxcvbn

    def espion(*args, **kwargs):
        fils.append(threading.current_thread())
        return vrai(*args, **kwargs)

    with mock.patch.object(politique, "zxcvbn", espion):
        from web.connexion.forms import FormNouveauMotDePasse

        f = FormNouveauMotDePasse(nouveau="Kq7vTz9mWr4pX")
        await f.evaluer()
        await asyncio.sleep(0)
    assert fils and boucle not in fils
