"""« Importer des gestionnaires »: the CSV file's format and limits, and each line read into the
very form of « Ajouter un gestionnaire » (FormGestionnaire): one set of rules for both."""

from __future__ import annotations

import csv
import io

from web.droits import NIVEAUX
from web.recherche import cle
from web.tables import CIVILITES

TAILLE_MAX = 1024 * 1024  # bytes: « 1 Mo »
LIGNES_MAX = 2000
COLONNES = {
    "civilite": "Mme ou M. (obligatoire)",
    "prenom": "prénom (obligatoire)",
    "nom": "nom (obligatoire)",
    "courriel": "adresse de courriel (obligatoire, une seule fois par organisme)",
    "telephone_fixe": "numéro français (au moins un des deux téléphones)",
    "telephone_portable": "numéro français",
    "fonction": "facultatif",
    "unite": "nom de l'unité (facultatif ; créée si l'organisme ne l'a pas encore)",
    "niveau": "consultation, creation, validation ou cloture (facultatif)",
    "administrateur_delegue": "oui ou non (facultatif ; administrateur principal seulement)",
}
OBLIGATOIRES = ("civilite", "prenom", "nom", "courriel")
OUI, NON = {"oui", "o", "1", "x", "vrai"}, {"", "non", "n", "0", "faux"}
_CIVILITES = {"mme": "Mme", "madame": "Mme", "m.": "M.", "m": "M.", "monsieur": "M."}
_NIVEAUX = {cle(k): k for k in NIVEAUX} | {cle(v): k for k, v in NIVEAUX.items()}
# C0 control characters but tab, newline and carriage return (as web.formulaires.lire_formulaire).
_CONTROLES = dict.fromkeys(c for c in range(32) if c not in (9, 10, 13))


class FichierRefuse(Exception):
    """The whole file is refused (encoding, separator, header, size, lines): the French reason."""


def _colonne(nom: str) -> str:
    """« Prénom », « administrateur délégué » -> prenom, administrateur_delegue."""
    return "_".join(cle(nom).lower().split())


def lire_fichier(contenu: bytes) -> list[tuple[int, dict[str, str] | None]]:
    """[(line number in the file, {column: cell} or None when the line has more cells than the
    header)], blank lines left out. Raises FichierRefuse with the reason."""
    if len(contenu) > TAILLE_MAX:
        raise FichierRefuse("Le fichier dépasse la taille maximale de 1 Mo : découpez-le en plusieurs fichiers.")
    try:
        texte = contenu.decode("utf-8-sig").translate(_CONTROLES)
    except UnicodeDecodeError:
        raise FichierRefuse(
            "Le fichier n'est pas encodé en UTF-8. Dans votre tableur, enregistrez-le au format « CSV UTF-8 » et recommencez."
        ) from None
    premiere = texte.lstrip("\r\n").split("\n", 1)[0]
    if not premiere.strip():
        raise FichierRefuse("Le fichier est vide : il doit commencer par la ligne d'en-tête des colonnes.")
    separateur = ";" if ";" in premiere else ","
    if separateur == "," and not set(OBLIGATOIRES) <= {_colonne(c) for c in premiere.split(",")}:
        raise FichierRefuse(
            "Les colonnes doivent être séparées par des points-virgules (;), et la première ligne doit nommer les colonnes : "
            + ";".join(COLONNES)
            + "."
        )
    lecteur = csv.reader(io.StringIO(texte, newline=""), delimiter=separateur, strict=True)
    lignes: list[tuple[int, dict[str, str] | None]] = []
    try:
        en_tete = [_colonne(c) for c in next(lecteur)]
        inconnues = [c for c in en_tete if c not in COLONNES]
        manquantes = [c for c in OBLIGATOIRES if c not in en_tete]
        if manquantes or inconnues or len(set(en_tete)) != len(en_tete):
            detail = (f" Colonnes absentes : {', '.join(manquantes)}." if manquantes else "") + (
                f" Colonnes inconnues : {', '.join(inconnues)}." if inconnues else ""
            )
            raise FichierRefuse(
                "La première ligne doit nommer les colonnes, chacune une fois, séparées par des points-virgules : "
                + ";".join(COLONNES)
                + "."
                + detail
            )
        for cellules in lecteur:
            if not any(c.strip() for c in cellules):
                continue
            if len(lignes) == LIGNES_MAX:
                raise FichierRefuse(f"Le fichier compte plus de {LIGNES_MAX} lignes : découpez-le en plusieurs fichiers.")
            if len(cellules) > len(en_tete):
                lignes.append((lecteur.line_num, None))
            else:
                lignes.append((lecteur.line_num, {c: v for c, v in zip(en_tete, cellules, strict=False)}))
    except csv.Error:
        raise FichierRefuse("Le fichier n'a pas pu être lu comme un CSV (un guillemet n'est-il pas refermé ?).") from None
    if not lignes:
        raise FichierRefuse("Le fichier ne contient aucune ligne après l'en-tête.")
    return lignes


def valeurs_du_formulaire(cellules: dict[str, str]) -> dict[str, str]:
    """The line as « Ajouter un gestionnaire » posts it (civilité and level as codes, the courriel
    confirmed by itself, the délégué box), the unit's name apart (`nom_unite`), and `erreur` when
    the délégué column says neither oui nor non."""
    d = {k: " ".join(v.split()) for k, v in cellules.items()}
    valeurs = {nom: d.get(nom, "") for nom in ("prenom", "nom", "courriel", "telephone_fixe", "telephone_portable", "fonction")}
    valeurs["civilite"] = _CIVILITES.get(d.get("civilite", "").lower(), d.get("civilite", ""))
    valeurs["niveau"] = _NIVEAUX.get(cle(d.get("niveau", "")), d.get("niveau", "")[:20])
    valeurs["confirmation_courriel"] = d.get("courriel", "")
    delegue = d.get("administrateur_delegue", "").lower()
    valeurs["delegue"] = "on" if delegue in OUI else ""
    valeurs["nom_unite"] = d.get("unite", "")
    if delegue not in OUI | NON:
        valeurs["erreur"] = "« administrateur_delegue » : indiquez oui ou non."
    return valeurs


assert set(CIVILITES) <= set(_CIVILITES.values())
