"""Forms of the titulaires: the home page's search, and a titulaire's contact details."""

from __future__ import annotations

from web.formulaires import Champ, Courriel, Formulaire, Telephone
from web.titulaires.nir import LIBELLE, avec_cle, formater, lire_nir

NIR_AIDE = "15 caractères, avec ou sans espaces"
# The example's key is computed, so that it is one the search accepts.
NIR_EXEMPLE = formater(avec_cle("1850175123456"))


class Nir(Champ):
    """Typed with or without spaces, key checked (web.titulaires.nir): the compact NIR."""

    def __init__(self, aide: str = NIR_AIDE) -> None:
        super().__init__(LIBELLE, aide=aide, autocomplete="off", attrs={"inputmode": "numeric", "maxlength": "30"})

    def lire(self, donnees, nom, erreurs):
        valeur, erreur = lire_nir(donnees.get(nom, ""))
        if erreur:
            erreurs[nom] = erreur
        return valeur


def nom_titulaire() -> Champ:
    return Champ("Nom", aide="Nom de naissance ou nom d'usage", autocomplete="off", attrs={"maxlength": "100"})


class Recherche(Formulaire):
    """ "Rechercher un titulaire": NIR and name, both required, once the form was sent."""

    nir = Nir(aide=f"{NIR_AIDE} (exemple : {NIR_EXEMPLE})")
    nom = nom_titulaire()
    soumise = False

    @classmethod
    def lire(cls, params) -> Recherche:
        if "nir" not in params and "nom" not in params:
            return cls()
        r = super().lire(dict(params))
        r.soumise = True
        return r


class FormCoordonneesTitulaire(Formulaire):
    """What Consultation may change; each field checked as it is left."""

    courriel = Courriel(requis=False, en_ligne=True, autocomplete="off", journal="Courriel")
    telephone = Telephone("Téléphone", en_ligne=True, autocomplete="off", journal="Téléphone")
    adresse = Champ("Adresse", requis=False, max_len=300, en_ligne=True, autocomplete="off", journal="Adresse")
