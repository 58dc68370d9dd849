"""Forms of the second factor: the codes of the second step and of a confirmation, a passkey's name."""

from __future__ import annotations

from web.connexion.forms import Suite
from web.formulaires import Brut, Champ, Formulaire


class Code(Champ):
    """A code as typed (trimmed, bounded): web.facteurs.totp reads it."""

    def __init__(self, libelle: str, manquant: str, aide: str) -> None:
        super().__init__(libelle, max_len=40, manquant=manquant, aide=aide, autocomplete="one-time-code",
                         attrs={"inputmode": "text", "autocapitalize": "characters", "spellcheck": "false", "maxlength": "40"})  # fmt: skip


class FormCodeTotp(Formulaire):
    code = Code(
        "Code à usage unique", "Saisissez le code à 6 chiffres affiché par votre application.",
        "Les 6 chiffres affichés par votre application d'authentification.",
    )  # fmt: skip
    suite = Suite()  # at the required enrolment: the page asked for before sign-in


class FormCodeSecours(Formulaire):
    secours = Code(
        "Code de secours",
        "Saisissez un de vos codes de secours.",
        "Un des dix codes remis lors de la configuration, par exemple ABCDE-23456.",
    )  # fmt: skip


class FormConfirmation(Formulaire):
    """A step-up before removing a factor: a one-time code or a recovery code (left empty when the
    second factor was verified a few minutes ago)."""

    confirmation = Code(
        "Code à usage unique ou code de secours", "Saisissez un code de votre application ou un code de secours.",
        "Pour confirmer qu'il s'agit bien de vous.",
    )  # fmt: skip


class FormNomCle(Formulaire):
    nom = Champ("Nom de la clé d'accès", max_len=64, manquant="Donnez un nom à cette clé d'accès (par exemple « Ordinateur du bureau »).")


class FormReponseCle(Formulaire):
    """What the browser's WebAuthn call returned, as JSON (py_webauthn parses it), and a name."""

    reponse = Brut("Réponse", max_len=20_000)
    nom = Brut("Nom de la clé d'accès", max_len=64)
    suite = Suite()  # the page asked for before sign-in
