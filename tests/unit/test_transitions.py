"""The dossier state machine: every action from every status, per level and per kind of organisation."""

from __future__ import annotations

from types import SimpleNamespace

import pytest

from web import droits
from web.dossiers import transitions as tr

STATUTS = [None, tr.ELABORATION, tr.VALIDE, tr.REJETE, tr.CLOTURE]
# What each action requires, written out once more by hand: the table IS the rule.
ATTENDU = {
    "consulter": (None, "consultation"),
    "modifier_coordonnees": (None, "consultation"),
    "creer": (None, "creation"),
    "modifier": (tr.ELABORATION, "creation"),
    "supprimer": (tr.ELABORATION, "creation"),
    "valider": (tr.ELABORATION, "validation"),
    "rejeter": (tr.ELABORATION, "validation"),
    "renvoyer": (tr.VALIDE, "validation"),
    "cloturer": (tr.VALIDE, "cloture"),
    "cloture_simplifiee": (None, "cloture"),
}
NIVEAUX = [None, "consultation", "creation", "validation", "cloture"]
RANG = {n: i for i, n in enumerate(NIVEAUX)}


def personne(niveau, role="gestionnaire", statut="actif"):
    return SimpleNamespace(id=1, role=role, niveau=niveau, statut=statut, organisme=7)


def organisme(type_):
    return SimpleNamespace(id=7, type=type_)


@pytest.mark.parametrize("statut", STATUTS)
@pytest.mark.parametrize("action", list(ATTENDU))
def test_chaque_action_depuis_chaque_statut(action, statut):
    de, _ = ATTENDU[action]
    assert tr.possible(statut, action) is (statut == de)
    if statut == de:
        assert tr.appliquer(statut, action, motif="raison") == tr.ACTIONS[action].vers
    else:
        with pytest.raises(tr.TransitionRefusee):
            tr.appliquer(statut, action, motif="raison")


def test_les_statuts_d_arrivee():
    assert tr.appliquer(tr.ELABORATION, "valider") == tr.VALIDE
    assert tr.appliquer(tr.ELABORATION, "rejeter", motif="Hors CPF") == tr.REJETE
    assert tr.appliquer(tr.VALIDE, "renvoyer", motif="Non éligible au CPF") == tr.ELABORATION
    assert tr.appliquer(tr.VALIDE, "cloturer") == tr.CLOTURE
    assert tr.appliquer(tr.ELABORATION, "supprimer") is None
    assert tr.appliquer(None, "creer") == tr.ELABORATION


@pytest.mark.parametrize("action", ["rejeter", "renvoyer"])
@pytest.mark.parametrize("motif", ["", "   "])
def test_rejet_et_renvoi_exigent_un_motif(action, motif):
    with pytest.raises(tr.TransitionRefusee, match="motif"):
        tr.appliquer(ATTENDU[action][0], action, motif=motif)


@pytest.mark.parametrize("final", [tr.CLOTURE, tr.REJETE])
def test_cloture_et_rejet_sont_definitifs(final):
    for action in tr.SUR_DOSSIER:
        with pytest.raises(tr.TransitionRefusee, match="ne peut plus changer"):
            tr.appliquer(final, action, motif="x")


def test_le_solde_ne_passe_jamais_sous_zero():
    tr.verifier_debit(30, 30)
    with pytest.raises(tr.SoldeInsuffisant) as exc:
        tr.verifier_debit(30, 31)
    assert "le solde disponible est de 30 h" in str(exc.value)


def test_action_inconnue():
    assert not tr.possible(tr.ELABORATION, "effacer")
    with pytest.raises(tr.TransitionRefusee):
        tr.appliquer(tr.ELABORATION, "effacer")


@pytest.mark.parametrize("niveau", NIVEAUX)
@pytest.mark.parametrize("action", list(ATTENDU))
def test_operateur_le_niveau_s_applique(niveau, action):
    _, requis = ATTENDU[action]
    attendu = niveau is not None and RANG[niveau] >= RANG[requis]
    assert droits.peut_dossier(personne(niveau), organisme("operateur"), action) is attendu


@pytest.mark.parametrize("niveau", NIVEAUX)
@pytest.mark.parametrize("action", list(ATTENDU))
def test_employeur_public_le_niveau_est_sans_consequence(niveau, action):
    assert droits.peut_dossier(personne(niveau), organisme("employeur_public"), action)


@pytest.mark.parametrize("type_", ["operateur", "employeur_public"])
def test_ni_agent_cdc_ni_compte_suspendu_ni_sans_organisme(type_):
    for action in ATTENDU:
        assert not droits.peut_dossier(personne("cloture", role="agent_cdc"), organisme(type_), action)
        assert not droits.peut_dossier(personne("cloture", statut="suspendu"), organisme(type_), action)
        assert not droits.peut_dossier(personne("cloture"), None, action)


@pytest.mark.parametrize("type_", ["operateur", "employeur_public"])
@pytest.mark.parametrize("niveau", NIVEAUX)
@pytest.mark.parametrize("statut", STATUTS[1:])
@pytest.mark.parametrize("action", list(tr.SUR_DOSSIER))
def test_transition_offerte_niveau_statut_et_organisme(type_, niveau, statut, action):
    de, requis = ATTENDU[action]
    dossier = SimpleNamespace(statut=statut, organisme=7)
    par_niveau = type_ == "employeur_public" or (niveau is not None and RANG[niveau] >= RANG[requis])
    assert droits.peut_transition(personne(niveau), organisme(type_), dossier, action) is (par_niveau and statut == de)
    autre = SimpleNamespace(statut=statut, organisme=8)  # another organisation's dossier: never
    assert not droits.peut_transition(personne(niveau), organisme(type_), autre, action)
