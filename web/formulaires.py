"""Field checks shared by every form, with the French messages users read."""

from __future__ import annotations

import phonenumbers
from email_validator import EmailNotValidError, validate_email
from stdnum.exceptions import InvalidChecksum, InvalidFormat, InvalidLength
from stdnum.fr import siret as stdnum_siret

LONGUEUR_MAX = 200
# C0 control characters but tab, newline and carriage return: PostgreSQL refuses NUL and
# none of them belongs in a form field.
_CONTROLES = dict.fromkeys(c for c in range(32) if c not in (9, 10, 13))


async def lire_formulaire(request) -> dict[str, str]:
    """The url-encoded body as str -> str (the last value of a repeated field), without
    control characters."""
    data = await request.form()
    return {k: v.translate(_CONTROLES) for k, v in data.items() if isinstance(v, str)}


class Erreurs(dict[str, str]):
    """Field name -> French message, in the order of the form."""


def texte(donnees: dict[str, str], nom: str, libelle: str, erreurs: Erreurs, *, requis: bool = True, max_len: int = 100) -> str:
    valeur = " ".join(str(donnees.get(nom, "")).split())
    if requis and not valeur:
        erreurs[nom] = f"Saisissez le champ « {libelle} »."
    elif len(valeur) > max_len:
        erreurs[nom] = f"« {libelle} » doit compter {max_len} caractères au maximum."
    return valeur


def choix(donnees: dict[str, str], nom: str, libelle: str, valeurs: dict[str, str], erreurs: Erreurs) -> str:
    valeur = str(donnees.get(nom, "")).strip()
    if not valeur:
        erreurs[nom] = f"Sélectionnez le champ « {libelle} »."
    elif valeur not in valeurs:
        erreurs[nom] = f"« {libelle} » : choisissez une des valeurs proposées."
    return valeur


def courriel(donnees: dict[str, str], nom: str, libelle: str, erreurs: Erreurs) -> str:
    valeur = texte(donnees, nom, libelle, erreurs, max_len=254)
    if nom in erreurs:
        return valeur
    try:
        # Lower-cased: one person, one address, whatever the case typed.
        return validate_email(valeur, check_deliverability=False).normalized.lower()
    except EmailNotValidError:
        erreurs[nom] = f"« {libelle} » n'est pas une adresse de courriel valide (exemple : prenom.nom@exemple.fr)."
        return valeur


def telephone(donnees: dict[str, str], nom: str, libelle: str, erreurs: Erreurs, *, requis: bool = False) -> str:
    """A French number, stored in its national form (01 23 45 67 89)."""
    valeur = texte(donnees, nom, libelle, erreurs, requis=requis, max_len=30)
    if not valeur or nom in erreurs:
        return valeur
    try:
        numero = phonenumbers.parse(valeur, "FR")
    except phonenumbers.NumberParseException:
        numero = None
    if numero is None or not phonenumbers.is_valid_number_for_region(numero, "FR"):
        erreurs[nom] = f"« {libelle} » n'est pas un numéro de téléphone français valide (exemple : 01 23 45 67 89)."
        return valeur
    return phonenumbers.format_number(numero, phonenumbers.PhoneNumberFormat.NATIONAL)


def est_portable(numero: str) -> bool:
    try:
        return phonenumbers.number_type(phonenumbers.parse(numero, "FR")) == phonenumbers.PhoneNumberType.MOBILE
    except phonenumbers.NumberParseException:
        return False


def siret(donnees: dict[str, str], nom: str, erreurs: Erreurs) -> str:
    valeur = "".join(str(donnees.get(nom, "")).split())
    if not valeur:
        erreurs[nom] = "Saisissez le SIRET."
        return valeur
    try:
        return stdnum_siret.validate(valeur)
    except InvalidLength:
        erreurs[nom] = "Le SIRET doit compter 14 chiffres."
    except InvalidFormat:
        erreurs[nom] = "Le SIRET ne doit contenir que des chiffres."
    except InvalidChecksum:
        erreurs[nom] = "Ce SIRET n'existe pas : sa clé de contrôle est fausse. Vérifiez votre saisie."
    except Exception:  # noqa: BLE001 - any other stdnum refusal
        erreurs[nom] = "Ce SIRET n'est pas valide."
    return valeur
