"""The append-only journal (docs/regles.md, « Journal »). Only inserts, never updates."""

from __future__ import annotations

from typing import TYPE_CHECKING

from web.db import lire_planifie
from web.tables import Journal

if TYPE_CHECKING:
    from web.acteur import Acteur

# Kinds of event, with the label administrators read.
TYPES = {
    "connexion": "Connexion réussie",
    "connexion_echec": "Échec de connexion",
    "connexion_verrou": "Compte temporairement bloqué",
    "connexion_refusee": "Connexion refusée sans vérification (blocage en cours)",
    "deconnexion": "Déconnexion",
    "mot_de_passe_modifie": "Mot de passe modifié",
    "mot_de_passe_renouvele": "Mot de passe renouvelé",
    "cgu_acceptees": "Conditions générales acceptées",
    "organisme_inscrit": "Organisme inscrit",
    "gestionnaire_cree": "Gestionnaire créé",
    "gestionnaire_modifie": "Gestionnaire modifié",
    "gestionnaire_suspendu": "Gestionnaire suspendu",
    "gestionnaire_reactive": "Gestionnaire réactivé",
    "unite_creee": "Unité créée",
    "unite_renommee": "Unité renommée",
    "unite_supprimee": "Unité supprimée",
    "profil_modifie": "Informations professionnelles modifiées",
    "renouvellement_demande": "Renouvellement de mot de passe demandé",
    "agent_cree": "Agent de la Caisse des Dépôts créé",
    "courriel_non_remis": "Courriel non remis (échec définitif)",
    "role_principal_transfere": "Rôle d'administrateur principal transféré",
    "organisme_suspendu": "Organisme suspendu",
    "organisme_reactive": "Organisme réactivé",
    # Second facteur (issue 16)
    "second_facteur": "Second facteur vérifié",
    "second_facteur_echec": "Échec du second facteur",
    "second_facteur_verrou": "Second facteur temporairement bloqué",
    "second_facteur_refuse": "Second facteur refusé sans vérification (blocage en cours)",
    "cle_clonee": "Clé d'accès refusée (compteur en recul : clé peut-être copiée)",
    "facteur_ajoute": "Second facteur ajouté",
    "facteur_supprime": "Second facteur supprimé",
    "facteur_renomme": "Clé d'accès renommée",
    "codes_secours_regeneres": "Codes de secours régénérés",
    "facteurs_reinitialises": "Seconds facteurs réinitialisés",
    "second_facteur_exige": "Second facteur exigé pour les gestionnaires (paramètre modifié)",
    # Importer des gestionnaires (issue 15)
    "gestionnaires_importes": "Gestionnaires importés",
    "identifiants_telecharges": "Identifiants d'un import téléchargés",
    # Revue des habilitations, inactivité (issue 15)
    "revue_commencee": "Revue des habilitations commencée",
    "habilitation_confirmee": "Habilitation confirmée (revue des habilitations)",
    "revue_terminee": "Revue des habilitations terminée",
    "avis_inactivite": "Avis de suspension pour inactivité envoyé",
    "suspension_inactivite": "Compte suspendu automatiquement (inactivité)",
    # Titulaires et dossiers (issue 5)
    "titulaire_modifie": "Coordonnées d'un titulaire modifiées",
    "dossier_cree": "Dossier de formation créé",
    "dossier_modifie": "Dossier de formation modifié",
    "dossier_supprime": "Dossier de formation supprimé",
    "dossier_valide": "Dossier de formation validé",
    "dossier_rejete": "Dossier de formation rejeté",
    "dossier_renvoye": "Dossier de formation renvoyé en élaboration",
    "dossier_cloture": "Dossier de formation clôturé",
    # Nous contacter (issue 14)
    "contact_envoye": "Message envoyé à la Caisse des Dépôts",
    "contact_repondu": "Réponse de la Caisse des Dépôts à un message",
    # Listes à l'échelle (issue 15)
    "liste_exportee": "Liste des gestionnaires exportée",
}


_SQL_LIGNE = (
    "INSERT INTO journal (cree_le, type, acteur, cible, organisme, identifiant_saisi, detail, adresse) "
    "VALUES ({}, {}, {}, {}, {}, {}, {}, {})"
)


async def journaliser(
    type_: str,
    acteur: Acteur,
    *,
    cible: int | None = None,
    organisme: int | None = None,
    detail: str = "",
    identifiant_saisi: str = "",
) -> None:
    """One line: what (`type_`), who and from where (`acteur`), about whom (`cible`), in which
    organisation (the actor's unless another is named: the Caisse des Dépôts acts on others')."""
    assert type_ in TYPES, type_
    # Hand-written, as every query of a sign-in: building Piccolo's insert (a Journal instance,
    # then each column's value) cost more than running it (bench/RESULTS.md, « Où passe le temps »).
    await Journal.raw(
        _SQL_LIGNE,
        Journal.cree_le.default.python(), type_, acteur.id, cible, organisme if organisme is not None else acteur.organisme,
        identifiant_saisi[:32], detail[:2000], acteur.adresse[:45],
    )  # fmt: skip


async def page(organisme_id: int, pagination, *, personne: str = "", type_: str = "") -> tuple[list[dict], int]:
    """One page of an organisation's journal, newest first (web.pagination.Pagination), and the
    number of lines; `personne`: an identifiant, as actor or as target; `type_`: a key of TYPES."""
    filtre = Journal.organisme == organisme_id
    if type_:
        filtre &= Journal.type == type_
    if personne:
        filtre &= (Journal.acteur.identifiant == personne) | (Journal.cible.identifiant == personne)
    selection = (
        Journal.select(
            Journal.cree_le, Journal.type, Journal.detail, Journal.adresse, Journal.identifiant_saisi,
            Journal.acteur.identifiant.as_alias("acteur"), Journal.cible.identifiant.as_alias("cible"),
        )
        .where(filtre)
        .order_by(Journal.id, ascending=False)
        .limit(pagination.par_page)
        .offset(pagination.decalage)
    )  # fmt: skip
    # Planned for the organisation at hand (web.db.lire_planifie): the newest 20 lines of a large
    # employer's are read backwards by id, a small one's are sorted.
    total = (await lire_planifie(Journal.count().where(filtre).querystrings[0]))[0]["count"]
    return await lire_planifie(selection.querystrings[0]), total
