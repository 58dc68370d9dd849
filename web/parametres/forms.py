"""Paramètres: a unit's name (added, renamed)."""

from __future__ import annotations

from web.formulaires import Case, Champ, Formulaire


class NomUnite(Champ):
    """Spaces folded; 100 characters at most."""

    def __init__(self, libelle: str, manquant: str) -> None:
        super().__init__(libelle, manquant=manquant, attrs={"maxlength": "100"})

    def lire(self, donnees, nom, erreurs):
        valeur = " ".join(str(donnees.get(nom, "")).split())
        if not valeur:
            erreurs[nom] = self.manquant
        elif len(valeur) > 100:
            erreurs[nom] = "Le nom de l'unité doit compter 100 caractères au maximum."
        return valeur


class FormUnite(Formulaire):
    nom = NomUnite("Nom de la nouvelle unité", manquant="Saisissez le nom de la nouvelle unité.")


class FormRenommer(Formulaire):
    nom = NomUnite("Nouveau nom de l'unité", manquant="Saisissez le nouveau nom de l'unité.")


class FormSecondFacteur(Formulaire):
    requis = Case("Exiger un second facteur de tous les gestionnaires", requis=False)
