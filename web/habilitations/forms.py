"""The gestionnaire form of "Ajouter un gestionnaire" and of a gestionnaire's page."""

from __future__ import annotations

from web.droits import NIVEAUX
from web.entrees import entier
from web.formulaires import Brut, Case, Champ, Choix, Confirmation, Courriel, Filtre, Formulaire, NumeroDePage, Telephone
from web.tables import CIVILITES, DELEGUE, GESTIONNAIRE, PRINCIPAL

# Guide, "Ajouter un gestionnaire": what each level allows (cumulative).
DESCRIPTIONS_NIVEAUX = {
    # Only what the guide shows (its text here is partly illegible; no bank details exist in the portal).
    "consultation": "Ce profil permet de mettre à jour les coordonnées des titulaires, de consulter le compte d'heures du "
    "titulaire, ainsi que de consulter les dossiers de formation des titulaires.",
    "creation": "Ce profil cumule les droits du profil précédent et la possibilité de créer, d'enregistrer, de supprimer un "
    "dossier de formation « en cours d'élaboration ».",
    "validation": "Ce profil cumule les droits du profil précédent et la possibilité de valider et rejeter un dossier de "
    "formation ainsi que de pouvoir faire revenir à « en cours d'élaboration » un dossier de formation non éligible au CPF.",
    "cloture": "Ce profil cumule les droits du profil précédent et la possibilité de clore un dossier de formation.",
}
UNITE_INCONNUE = "Choisissez une des unités proposées."


def _texte(libelle: str, journal: str) -> Champ:
    return Champ(libelle, en_ligne=True, autocomplete="off", journal=journal)


def _telephone(libelle: str, placeholder: str | None = None) -> Telephone:
    attrs = {"placeholder": placeholder} if placeholder else None
    return Telephone(libelle, en_ligne=True, autocomplete="off", decrit="aide-telephone", journal=libelle.lower(), attrs=attrs)


class FormGestionnaire(Formulaire):
    """The fields checked as they are left are `en_ligne`; the unit, level and délégué flag are
    checked against the organisation and the actor by the service (verifier_references)."""

    civilite = Choix("Civilité", CIVILITES, journal="civilité")
    prenom = _texte("Prénom", "prénom")
    nom = _texte("Nom", "nom")
    courriel = Courriel(en_ligne=True, autocomplete="off", journal="courriel")
    confirmation_courriel = Confirmation(
        "Confirmation courriel", max_len=254, manquant="Confirmez le courriel.", en_ligne=True, autocomplete="off"
    )
    telephone_fixe = _telephone("Téléphone fixe")
    # The guide's placeholders, beside (never instead of) the labels.
    telephone_portable = _telephone("Téléphone portable", "Entrer le téléphone portable")
    fonction = Champ("Fonction", requis=False, autocomplete="off", journal="fonction", attrs={"placeholder": "Entrer la fonction"})
    unite = Brut("Unité", max_len=12, journal="unité")
    nouvelle_unite = Brut("Nouvelle unité", max_len=1000)
    niveau = Brut("Niveau d'habilitation", max_len=20)
    delegue = Case("Administrateur délégué", requis=False)

    def verifier(self) -> None:
        e = self.erreurs
        if "confirmation_courriel" not in e and "courriel" not in e and self.confirmation_courriel.lower() != self.courriel.lower():
            e["confirmation_courriel"] = "La confirmation ne correspond pas au courriel."
        if not self.telephone_fixe and not self.telephone_portable and "telephone_fixe" not in e and "telephone_portable" not in e:
            e["telephone_fixe"] = "Au moins un numéro de téléphone doit être indiqué."
        if self.niveau and self.niveau not in NIVEAUX:
            e["niveau"] = "Choisissez un des niveaux d'habilitation proposés."
        if self.unite and entier(self.unite, minimum=1) is None:
            e["unite"] = UNITE_INCONNUE

    @property
    def unite_id(self) -> int | None:
        return entier(self.unite, minimum=1) if self.unite else None


# --- "Rechercher un gestionnaire": every filter and the sort, read from the URL -----------------

NIVEAUX_FILTRE = {"aucun": "Aucun niveau", **NIVEAUX}
ROLES_FILTRE = {"gestionnaire": "Gestionnaire", "delegue": "Administrateur délégué", "principal": "Administrateur principal"}
ROLE_DE = {"gestionnaire": GESTIONNAIRE, "delegue": DELEGUE, "principal": PRINCIPAL}
STATUTS_FILTRE = {"actif": "Actif", "suspendu": "Suspendu", "jamais": "Jamais connecté"}
INACTIVITE = {"3": "Il y a plus de 3 mois", "6": "Il y a plus de 6 mois", "12": "Il y a plus de 12 mois", "24": "Il y a plus de 24 mois"}
TRIS = {"nom": "Nom", "identifiant": "Identifiant", "unite": "Unité", "niveau": "Niveau", "connexion": "Dernière connexion"}
ORDRES = {"asc": "Croissant", "desc": "Décroissant"}


class FormFiltres(Formulaire):
    """The list's criteria: names and identifiant by prefix, the choices bounded to their values,
    the sort with its direction; what is not one of the values is ignored (the whole list)."""

    prenom = Brut("Prénom", max_len=100)
    nom = Brut("Nom", max_len=100)
    identifiant = Brut("Identifiant", max_len=8)
    unite = Brut("Unité", max_len=12)
    niveau = Filtre("Niveau d'habilitation", NIVEAUX_FILTRE)
    role = Filtre("Rôle", ROLES_FILTRE)
    statut = Filtre("Statut", STATUTS_FILTRE)
    inactif = Filtre("Dernière connexion", INACTIVITE)
    tri = Filtre("Trier par", TRIS, defaut="nom")
    ordre = Filtre("Ordre", ORDRES, defaut="asc")
    page = NumeroDePage()

    @property
    def unite_id(self) -> int | None:
        return entier(self.unite, minimum=1) if self.unite else None

    def parametres(self) -> dict[str, str]:
        """The criteria as the URL carries them (pagination, export), defaults and page left out."""
        return {nom: str(getattr(self, nom)) for nom, c in self.champs.items() if nom != "page" and getattr(self, nom) not in ("", c.vide)}
