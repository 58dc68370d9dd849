"""The gestionnaire form of "Ajouter un gestionnaire" and of a gestionnaire's page."""

from __future__ import annotations

from dataclasses import dataclass, field

from web import formulaires
from web.comptes.service import CIVILITES
from web.droits import NIVEAUX
from web.entrees import entier
from web.formulaires import Erreurs

# Guide, "Ajouter un gestionnaire": what each level allows (cumulative).
DESCRIPTIONS_NIVEAUX = {
    "consultation": "Ce profil permet de mettre à jour les coordonnées des titulaires, de modifier les coordonnées bancaires "
    "selon les modalités en vigueur sur le portail, de consulter le compte d'heures du titulaire, ainsi que de consulter "
    "les dossiers de formation des titulaires.",
    "creation": "Ce profil cumule les droits du profil précédent et la possibilité de créer, d'enregistrer, de supprimer un "
    "dossier de formation « en cours d'élaboration ».",
    "validation": "Ce profil cumule les droits du profil précédent et la possibilité de valider et rejeter un dossier de "
    "formation ainsi que de pouvoir faire revenir à « en cours d'élaboration » un dossier de formation non éligible au CPF.",
    "cloture": "Ce profil cumule les droits du profil précédent et la possibilité de clore un dossier de formation.",
}

LIBELLES = {
    "civilite": "Civilité",
    "prenom": "Prénom",
    "nom": "Nom",
    "courriel": "Courriel",
    "confirmation_courriel": "Confirmation courriel",
    "telephone_fixe": "Téléphone fixe",
    "telephone_portable": "Téléphone portable",
    "fonction": "Fonction",
    "unite": "Unité",
    "nouvelle_unite": "Nouvelle unité",
    "niveau": "Niveau d'habilitation",
}

# The fields checked as they are left: (label, type, required, described by). Templates render
# them from here, and an inline check answers with one of them alone.
CHAMPS_EN_LIGNE = {
    nom: (LIBELLES[nom], *rest)
    for nom, *rest in (
        ("prenom", "text", True, None),
        ("nom", "text", True, None),
        ("courriel", "email", True, None),
        ("confirmation_courriel", "email", True, None),
        ("telephone_fixe", "tel", False, "aide-telephone"),
        ("telephone_portable", "tel", False, "aide-telephone"),
    )
}


@dataclass
class FormGestionnaire:
    civilite: str = ""
    prenom: str = ""
    nom: str = ""
    courriel: str = ""
    confirmation_courriel: str = ""
    telephone_fixe: str = ""
    telephone_portable: str = ""
    fonction: str = ""
    unite: str = ""
    niveau: str = ""
    delegue: bool = False
    erreurs: Erreurs = field(default_factory=Erreurs)

    @classmethod
    def lire(cls, d: dict[str, str]) -> FormGestionnaire:
        e = Erreurs()
        f = cls(
            civilite=formulaires.choix(d, "civilite", "Civilité", CIVILITES, e),
            prenom=formulaires.texte(d, "prenom", "Prénom", e),
            nom=formulaires.texte(d, "nom", "Nom", e),
            courriel=formulaires.courriel(d, "courriel", "Courriel", e),
            confirmation_courriel=" ".join(str(d.get("confirmation_courriel", "")).split())[:254],
            telephone_fixe=formulaires.telephone(d, "telephone_fixe", "Téléphone fixe", e),
            telephone_portable=formulaires.telephone(d, "telephone_portable", "Téléphone portable", e),
            fonction=formulaires.texte(d, "fonction", "Fonction", e, requis=False),
            unite=str(d.get("unite", "")).strip()[:12],
            niveau=str(d.get("niveau", "")).strip()[:20],
            delegue=d.get("delegue") == "on",
        )
        if not f.confirmation_courriel:
            e["confirmation_courriel"] = "Confirmez le courriel."
        elif "courriel" not in e and f.confirmation_courriel.lower() != f.courriel.lower():
            e["confirmation_courriel"] = "La confirmation ne correspond pas au courriel."
        if not f.telephone_fixe and not f.telephone_portable and "telephone_fixe" not in e and "telephone_portable" not in e:
            e["telephone_fixe"] = "Au moins un numéro de téléphone doit être indiqué."
        if f.niveau and f.niveau not in NIVEAUX:
            e["niveau"] = "Choisissez un des niveaux d'habilitation proposés."
        if f.unite and entier(f.unite, minimum=1) is None:
            e["unite"] = "Choisissez une des unités proposées."
        f.erreurs = e
        return f

    @property
    def unite_id(self) -> int | None:
        return entier(self.unite, minimum=1) if self.unite else None
