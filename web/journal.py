"""The append-only journal (SPEC §2 "Journal"). Only inserts, never updates."""

from __future__ import annotations

from web.tables import Journal

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
    # Titulaires et dossiers (issue 5)
    "titulaire_modifie": "Coordonnées d'un titulaire modifiées",
    "dossier_cree": "Dossier de formation créé",
    "dossier_modifie": "Dossier de formation modifié",
    "dossier_supprime": "Dossier de formation supprimé",
    "dossier_valide": "Dossier de formation validé",
    "dossier_rejete": "Dossier de formation rejeté",
    "dossier_renvoye": "Dossier de formation renvoyé en élaboration",
    "dossier_cloture": "Dossier de formation clôturé",
}


async def journaliser(
    type_: str,
    *,
    acteur: int | None = None,
    cible: int | None = None,
    organisme: int | None = None,
    adresse: str = "",
    detail: str = "",
    identifiant_saisi: str = "",
) -> None:
    assert type_ in TYPES, type_
    await Journal.insert(
        Journal(
            type=type_,
            acteur=acteur,
            cible=cible,
            organisme=organisme,
            adresse=adresse[:45],
            detail=detail[:2000],
            identifiant_saisi=identifiant_saisi[:32],
        )
    )
