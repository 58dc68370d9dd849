"""Password policy (docs/regles.md: 5 letters with both cases, 3 digits) and strength label. Pure, no I/O
but the word list read once at import.

zxcvbn's own dictionaries are English: the 20 000 most common French passwords are added as one
more ranked dictionary, so that "Motdepasse123" or "Soleil123" count as the guesses they are."""

from __future__ import annotations

import asyncio
import re
import secrets
import string
import unicodedata
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, replace
from pathlib import Path

from zxcvbn import zxcvbn
from zxcvbn.matching import add_frequency_lists

LONGUEUR_MAX = 128
# zxcvbn is super-linear in the length: never feed it more than this.
ZXCVBN_MAX = 72


def _liste_francaise() -> list[str]:
    """web/comptes/mots_de_passe_courants_fr.txt, most common first (its source and licence head the file)."""
    lignes = Path(__file__).with_name("mots_de_passe_courants_fr.txt").read_text(encoding="utf-8").splitlines()
    return list(dict.fromkeys(m.strip().lower() for m in lignes if m.strip() and not m.startswith("# ")))


COURANTS_FR = _liste_francaise()
_COURANTS_FR = frozenset(COURANTS_FR)
add_frequency_lists({"mots_de_passe_fr": COURANTS_FR})

FORCES = ("Très faible", "Faible", "Moyen", "Fort")

# Rule codes and checklist labels, in display order.
REGLES: tuple[tuple[str, str], ...] = (
    ("lettres", "Au moins 5 lettres"),
    ("casse", "Au moins une majuscule et une minuscule"),
    ("chiffres", "Au moins 3 chiffres"),
    ("longueur_max", "128 caractères au maximum"),
    ("personnel", "Ne contient ni votre identifiant, ni votre nom, ni votre prénom, ni le nom de votre organisme"),
    ("courant", "N'est pas un mot de passe courant ou trop prévisible"),
)
# Checked by the caller (needs the stored hashes), added with `avec_historique`.
REGLE_HISTORIQUE = ("historique", "Différent de votre mot de passe actuel et des 5 précédents")


@dataclass(frozen=True)
class Regle:
    code: str
    libelle: str
    respectee: bool


@dataclass(frozen=True)
class Evaluation:
    regles: tuple[Regle, ...]
    force: str
    force_niveau: int

    @property
    def valide(self) -> bool:
        return all(r.respectee for r in self.regles)

    def regle(self, code: str) -> Regle | None:
        return next((r for r in self.regles if r.code == code), None)


def _replier(texte: str) -> str:
    """Case- and accent-insensitive form: "Délahaïe" -> "delahaie"."""
    decompose = unicodedata.normalize("NFKD", texte)
    return "".join(c for c in decompose if not unicodedata.combining(c)).casefold()


def _termes_interdits(identifiant: str, prenom: str, nom: str, organisme: str = "") -> list[str]:
    termes = [_replier(identifiant.strip())] if identifiant.strip() else []
    for partie, minimum in ((prenom, 3), (nom, 3), (organisme, 4)):
        # "Jean-Luc" forbids "jean-luc", "jeanluc" and "jean"; parts under 3 letters are too
        # common to forbid ("Luc" is kept, "Li" is not). For the organisation's name, words
        # under 4 letters ("de", "la", "des") are left out.
        mots = re.findall(r"[^\W\d_]+", _replier(partie))
        candidats = [_replier(partie.strip()), "".join(mots)]
        termes += [t for t in candidats if sum(c.isalpha() for c in t) >= 3]
        termes += [m for m in mots if len(m) >= minimum]
    return termes


def evaluer(mot_de_passe: str, *, identifiant: str = "", prenom: str = "", nom: str = "", organisme: str = "") -> Evaluation:
    """Checklist for live feedback and form validation (history excluded, see `avec_historique`).
    CPU-bound (zxcvbn): call `evaluer_hors_boucle` from a request."""
    lettres = [c for c in mot_de_passe if c.isalpha()]
    chiffres = sum(c in string.digits for c in mot_de_passe)
    replie = _replier(mot_de_passe)
    personnel = not any(t in replie for t in _termes_interdits(identifiant, prenom, nom, organisme))

    score = 0
    if mot_de_passe and mot_de_passe.lower() not in _COURANTS_FR:
        entrees = [e for e in (identifiant, prenom, nom, *organisme.split()) if e]
        resultat = zxcvbn(mot_de_passe[:ZXCVBN_MAX], user_inputs=entrees, max_length=ZXCVBN_MAX)
        score = resultat["score"]

    etats = {
        "lettres": len(lettres) >= 5,
        "casse": any(c.isupper() for c in lettres) and any(c.islower() for c in lettres),
        "chiffres": chiffres >= 3,
        "longueur_max": len(mot_de_passe) <= LONGUEUR_MAX,
        "personnel": personnel,
        "courant": score >= 2,
    }
    regles = tuple(Regle(code, libelle, etats[code]) for code, libelle in REGLES)

    if not mot_de_passe:
        niveau = 0
    elif not all(etats.values()):
        niveau = 0 if score <= 1 else 1
    else:
        niveau = 2 if score == 2 else 3
    return Evaluation(regles=regles, force=FORCES[niveau], force_niveau=niveau)


# zxcvbn holds the interpreter for milliseconds per password: one thread of its own keeps that off
# the event loop, and a flood of evaluations queues there instead of delaying every other page.
_FIL = ThreadPoolExecutor(max_workers=1, thread_name_prefix="zxcvbn")


async def evaluer_hors_boucle(mot_de_passe: str, **personne: str) -> Evaluation:
    return await asyncio.get_running_loop().run_in_executor(_FIL, lambda: evaluer(mot_de_passe, **personne))


def avec_historique(evaluation: Evaluation, deja_utilise: bool) -> Evaluation:
    """Adds the history rule once the caller has checked the hashes (an async, costly step
    worth running only when `evaluation.valide`)."""
    code, libelle = REGLE_HISTORIQUE
    regle = Regle(code, libelle, not deja_utilise)
    return replace(evaluation, regles=(*evaluation.regles, regle))


def message_erreur(evaluation: Evaluation) -> str | None:
    """One sentence for the form error, the most basic problem first; None when valid."""
    manque = {r.code for r in evaluation.regles if not r.respectee}
    if not manque:
        return None
    if "longueur_max" in manque:
        return "Le mot de passe doit compter 128 caractères au maximum."
    composition = []
    if manque & {"lettres", "casse"}:
        composition.append("au moins 5 lettres (majuscules et minuscules)")
    if "chiffres" in manque:
        composition.append("3 chiffres" if composition else "au moins 3 chiffres")
    if composition:
        return f"Le mot de passe doit compter {' et '.join(composition)}."
    if "personnel" in manque:
        return "Le mot de passe ne doit contenir ni votre identifiant, ni votre nom, ni votre prénom, ni le nom de votre organisme."
    if "courant" in manque:
        return "Ce mot de passe est trop courant ou trop prévisible : choisissez-en un autre."
    return "Ce mot de passe a déjà été utilisé : choisissez-en un différent de vos 5 derniers."


# Temporary passwords are read in an e-mail and retyped: no 0/O/1/l/I.
_MAJUSCULES = "ABCDEFGHJKLMNPQRSTUVWXYZ"
_MINUSCULES = "abcdefghijkmnopqrstuvwxyz"
_CHIFFRES = "23456789"


def generer_mot_de_passe_temporaire() -> str:
    """14 random characters that always satisfy `evaluer(...).valide`."""
    hasard = secrets.SystemRandom()
    while True:
        caracteres = (
            [secrets.choice(_MAJUSCULES) for _ in range(3)]
            + [secrets.choice(_MINUSCULES) for _ in range(3)]
            + [secrets.choice(_CHIFFRES) for _ in range(4)]
            + [secrets.choice(_MAJUSCULES + _MINUSCULES + _CHIFFRES) for _ in range(4)]
        )
        hasard.shuffle(caracteres)
        mot_de_passe = "".join(caracteres)
        # zxcvbn may still spot a pattern by chance: draw again rather than send it.
        if evaluer(mot_de_passe).valide:
            return mot_de_passe
