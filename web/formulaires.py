"""The one form pattern: each field declared once (`Champ` and its kinds), with its label, kind and
bounds. That declaration feeds the parse and its French messages, the error summary (labels), the
inline checks (which fields, their input type: web.rendu.verifier_champ and the `champ_de` macro)
and the journal's "what changed" (`Formulaire.changements`).

A feature's forms live in `<feature>/forms.py`:

    class FormUnite(Formulaire):
        nom = Texte("Nom de l'unité")

    form = FormUnite.lire(await lire_formulaire(request))
    if form.erreurs: ...  # 422 with the form
    form.nom  # the value, parsed and bounded

Cross-field rules go in `verifier(self)`. Numbers and ids are read by web.entrees, the one way."""

from __future__ import annotations

import datetime as dt
from typing import Any, ClassVar

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


# --- Declared fields --------------------------------------------------------------------------


class Champ:
    """A text field (the default kind). `en_ligne`: checked as it is left; `journal`: how the
    journal names it in "what changed" (None: never named); `decrit`: the id of a shared hint;
    `autocomplete` and `attrs`: the input's attributes, the same on the page and in an inline check."""

    type = "text"
    vide: Any = ""
    # A value parsed into something else than text (a date, a number) is shown back as typed.
    garder_la_saisie = False

    def __init__(
        self,
        libelle: str,
        *,
        requis: bool = True,
        max_len: int = 100,
        en_ligne: bool = False,
        journal: str | None = None,
        decrit: str | None = None,
        aide: str | None = None,
        manquant: str | None = None,
        autocomplete: str | None = None,
        attrs: dict[str, str] | None = None,
    ) -> None:
        self.libelle, self.requis, self.max_len = libelle, requis, max_len
        self.autocomplete, self.attrs = autocomplete, attrs or {}
        self.en_ligne, self.journal, self.decrit, self.aide = en_ligne, journal, decrit, aide
        self.manquant = manquant  # the message when it is left empty, if not the generic one

    def lire(self, donnees: dict[str, str], nom: str, erreurs: Erreurs) -> Any:
        valeur = texte(donnees, nom, self.libelle, erreurs, requis=self.requis, max_len=self.max_len)
        if self.manquant and not valeur and nom in erreurs:
            erreurs[nom] = self.manquant
        return valeur


class Courriel(Champ):
    type = "email"

    def __init__(self, libelle: str = "Courriel", **kw) -> None:
        super().__init__(libelle, **{"max_len": 254, **kw})

    def lire(self, donnees, nom, erreurs):
        if not self.requis and not " ".join(str(donnees.get(nom, "")).split()):
            return ""
        return courriel(donnees, nom, self.libelle, erreurs)


class Confirmation(Champ):
    """What was typed again (compared by the form's `verifier`), kept as typed, bounded."""

    type = "email"

    def lire(self, donnees, nom, erreurs):
        valeur = " ".join(str(donnees.get(nom, "")).split())[: self.max_len]
        if self.requis and not valeur:
            erreurs[nom] = self.manquant or f"Saisissez le champ « {self.libelle} »."
        return valeur


class Telephone(Champ):
    type = "tel"

    def __init__(self, libelle: str, *, requis: bool = False, **kw) -> None:
        super().__init__(libelle, requis=requis, max_len=30, **kw)

    def lire(self, donnees, nom, erreurs):
        return telephone(donnees, nom, self.libelle, erreurs, requis=self.requis)


class Choix(Champ):
    type = "select"

    def __init__(self, libelle: str, valeurs: dict[str, str], **kw) -> None:
        super().__init__(libelle, **kw)
        self.valeurs = valeurs

    def lire(self, donnees, nom, erreurs):
        return choix(donnees, nom, self.libelle, self.valeurs, erreurs)


class Siret(Champ):
    def lire(self, donnees, nom, erreurs):
        return siret(donnees, nom, erreurs)


class Brut(Champ):
    """Kept as typed (trimmed, bounded): a value the form or the service checks itself."""

    def __init__(self, libelle: str, *, max_len: int = 20, **kw) -> None:
        super().__init__(libelle, requis=False, max_len=max_len, **kw)

    def lire(self, donnees, nom, erreurs):
        return str(donnees.get(nom, "")).strip()[: self.max_len]


class Reference(Champ):
    """An id chosen in a list: ASCII digits within the column's range (web.entrees), else None."""

    type = "select"

    def lire(self, donnees, nom, erreurs) -> int | None:
        from web.entrees import entier

        n = entier(str(donnees.get(nom, "")).strip(), minimum=1)
        if n is None and self.requis:
            erreurs[nom] = self.manquant or f"« {self.libelle} » : choisissez une des valeurs proposées."
        return n


class Case(Champ):
    type = "checkbox"
    vide = False

    def lire(self, donnees, nom, erreurs):
        coche = donnees.get(nom) == "on"
        if self.requis and not coche:
            erreurs[nom] = self.manquant or f"Cochez la case « {self.libelle} »."
        return coche


class Date(Champ):
    type = "date"
    garder_la_saisie = True

    def lire(self, donnees, nom, erreurs) -> dt.date | None:
        valeur = str(donnees.get(nom, "")).strip()
        if not valeur:
            erreurs[nom] = f"Saisissez le champ « {self.libelle} »."
            return None
        try:
            return dt.date.fromisoformat(valeur[:10]) if len(valeur) == 10 else dt.datetime.strptime(valeur, "%d/%m/%Y").date()
        except ValueError:
            erreurs[nom] = f"« {self.libelle} » n'est pas une date valide (exemple : 2025-03-31)."
            return None


class Heures(Champ):
    type = "number"
    garder_la_saisie = True

    def __init__(self, libelle: str, *, minimum: int = 1, maximum: int = 10_000, **kw) -> None:
        super().__init__(libelle, **kw)
        self.minimum, self.maximum = minimum, maximum

    def lire(self, donnees, nom, erreurs) -> int | None:
        from web.entrees import entier

        valeur = str(donnees.get(nom, "")).strip()
        if not valeur:
            erreurs[nom] = f"Saisissez le champ « {self.libelle} »."
            return None
        n = entier(valeur, maximum=10**9)
        if n is None:
            erreurs[nom] = f"« {self.libelle} » doit être un nombre entier d'heures."
            return None
        if n < self.minimum or n > self.maximum:
            erreurs[nom] = f"« {self.libelle} » doit être compris entre {self.minimum} et {self.maximum} heures."
            return None
        return n


class Formulaire:
    """Base of every form: the declared fields (class attributes), their values (instance
    attributes of the same names), `erreurs` (field -> message, in the form's order) and the
    `action` button that was pressed."""

    champs: ClassVar[dict[str, Champ]] = {}

    def __init_subclass__(cls, **kw) -> None:
        super().__init_subclass__(**kw)
        herites = {k: v for base in reversed(cls.__mro__[1:]) for k, v in getattr(base, "champs", {}).items()}
        cls.champs = {**herites, **{k: v for k, v in vars(cls).items() if isinstance(v, Champ)}}

    def __init__(self, **valeurs: Any) -> None:
        for nom, c in self.champs.items():
            setattr(self, nom, valeurs.pop(nom, c.vide))
        self.action = valeurs.pop("action", "")
        self.erreurs = Erreurs()
        self.saisies: dict[str, str] = {}
        assert not valeurs, f"champs inconnus : {sorted(valeurs)}"

    @classmethod
    def lire(cls, donnees: dict[str, str], **contexte: Any):
        f = cls()
        f.action = str(donnees.get("action", ""))[:20]
        for nom, c in cls.champs.items():
            setattr(f, nom, c.lire(donnees, nom, f.erreurs))
            if c.garder_la_saisie:
                f.saisies[nom] = str(donnees.get(nom, ""))[:20]
        f.verifier(**contexte)
        f.erreurs = Erreurs(sorted(f.erreurs.items(), key=lambda kv: list(cls.champs).index(kv[0]) if kv[0] in cls.champs else 999))
        return f

    def verifier(self, **contexte: Any) -> None:
        """Rules across fields, once each field is read (override)."""

    @classmethod
    def libelles(cls) -> dict[str, str]:
        return {nom: c.libelle for nom, c in cls.champs.items()}

    @classmethod
    def en_ligne(cls) -> list[str]:
        return [nom for nom, c in cls.champs.items() if c.en_ligne]

    def affiche(self, nom: str) -> str:
        """What the field shows: as typed when it was read from a request, else its value."""
        valeur = self.saisies.get(nom, getattr(self, nom))
        return "" if valeur is None else str(valeur)

    def valeurs(self) -> dict[str, Any]:
        return {nom: getattr(self, nom) for nom in self.champs}

    def changements(self, avant: dict[str, Any], apres: dict[str, Any] | None = None) -> list[str]:
        """The journal's names of the fields whose value differs from `avant` (never the values:
        administrators read the journal). `apres`: the values written, when the service stores
        them otherwise than typed (upper-cased, an id)."""
        apres = {**self.valeurs(), **(apres or {})}
        return [c.journal for nom, c in self.champs.items() if c.journal and nom in avant and avant[nom] != apres[nom]]


class Filtre(Champ):
    """A list's filter or sort, from the URL: one of `valeurs`, else `defaut` (a bookmarked or
    hand-edited URL with an unknown value shows the list unfiltered rather than an error)."""

    type = "select"

    def __init__(self, libelle: str, valeurs: dict[str, str], *, defaut: str = "", **kw) -> None:
        super().__init__(libelle, requis=False, **kw)
        self.valeurs, self.defaut, self.vide = valeurs, defaut, defaut

    def lire(self, donnees, nom, erreurs) -> str:
        valeur = str(donnees.get(nom, "")).strip()
        return valeur if valeur in self.valeurs else self.defaut


class NumeroDePage(Champ):
    """?page=…: ASCII digits within bounds (web.entrees.page), else 1."""

    vide = 1

    def __init__(self, libelle: str = "Page") -> None:
        super().__init__(libelle, requis=False)

    def lire(self, donnees, nom, erreurs) -> int:
        from web.entrees import page

        return page(str(donnees.get(nom, "")))
