"""NIR (numéro de sécurité sociale): typed with or without spaces, key checked by python-stdnum."""

from __future__ import annotations

from stdnum.exceptions import InvalidChecksum, InvalidFormat, InvalidLength
from stdnum.fr import nir as stdnum_nir

LIBELLE = "Nº de sécurité sociale"


def lire_nir(saisie: str) -> tuple[str, str | None]:
    """(compact NIR, None) or (what was typed, the French message saying what is wrong)."""
    valeur = " ".join(str(saisie or "").split())
    if not valeur:
        return valeur, f"Saisissez le {LIBELLE}."
    if len(valeur) > 30:
        return valeur[:30], f"Le {LIBELLE} doit compter 15 caractères : 13 chiffres puis la clé de 2 chiffres."
    compact = stdnum_nir.compact(valeur)
    if len(compact) != 15 and compact.replace("2A", "00", 1).replace("2B", "00", 1).isdigit():
        # stdnum reports a short number as a format error: say what is really wrong.
        return (
            valeur,
            f"Le {LIBELLE} doit compter 15 caractères (13 chiffres puis la clé de 2 chiffres) : vous en avez saisi {len(compact)}.",
        )
    try:
        return stdnum_nir.validate(valeur), None
    except InvalidFormat:
        return valeur, f"Le {LIBELLE} ne doit contenir que des chiffres (et 2A ou 2B pour un département de Corse)."
    except InvalidLength:
        n = len(stdnum_nir.compact(valeur))
        return valeur, f"Le {LIBELLE} doit compter 15 caractères (13 chiffres puis la clé de 2 chiffres) : vous en avez saisi {n}."
    except InvalidChecksum:
        return valeur, f"La clé du {LIBELLE} (ses 2 derniers chiffres) ne correspond pas aux 13 premiers : vérifiez votre saisie."
    except Exception:  # noqa: BLE001 - any other stdnum refusal
        return valeur, f"Ce {LIBELLE} n'est pas valide."


def formater(nir: str) -> str:
    """1 85 01 75 123 456 09, as printed on the carte Vitale."""
    if len(nir) != 15:
        return nir
    return " ".join((nir[0], nir[1:3], nir[3:5], nir[5:7], nir[7:10], nir[10:13], nir[13:]))


def avec_cle(debut: str) -> str:
    """The 15-character NIR for 13 characters (demo and tests)."""
    return debut + stdnum_nir.calc_check_digits(debut)
