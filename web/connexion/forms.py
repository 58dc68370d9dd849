"""Forms of the sign-in journey: sign-in, new password (first sign-in, « Modifier mon mot de
passe », live checklist), CGU."""

from __future__ import annotations

from web.comptes.identifiant import normaliser_identifiant
from web.comptes.politique import Evaluation, evaluer_hors_boucle, message_erreur
from web.entrees import suite_locale
from web.formulaires import Brut, Case, Champ, Formulaire

MAX_MOT_DE_PASSE = 1024  # refused before hashing: argon2 on megabytes is a denial of service


class Identifiant(Champ):
    """An identifiant as typed (trimmed, bounded); its key is `normaliser_identifiant`'s."""

    def __init__(self) -> None:
        super().__init__("Identifiant", max_len=32, autocomplete="username")

    def lire(self, donnees, nom, erreurs):
        saisie = str(donnees.get(nom, ""))
        if not saisie.strip():
            erreurs[nom] = "Saisissez votre identifiant."
        elif not normaliser_identifiant(saisie):
            erreurs[nom] = "Cet identifiant n'est pas au bon format."
        return saisie.strip()[: self.max_len]


class MotDePasse(Champ):
    """A password exactly as typed; `requis`: "Saisissez <manquant>" when empty, bounded in length."""

    type = "password"

    def lire(self, donnees, nom, erreurs):
        valeur = str(donnees.get(nom, ""))
        if self.requis and not valeur:
            erreurs[nom] = self.manquant or f"Saisissez le champ « {self.libelle} »."
        elif len(valeur) > MAX_MOT_DE_PASSE:
            erreurs[nom] = "Ce mot de passe est trop long."
        return valeur


class Suite(Champ):
    """The page asked for before sign-in (web.entrees.suite_locale): a local path, or ""."""

    def __init__(self) -> None:
        super().__init__("Page demandée", requis=False)

    def lire(self, donnees, nom, erreurs):
        return suite_locale(donnees.get(nom, ""))


class FormConnexion(Formulaire):
    identifiant = Identifiant()
    mot_de_passe = MotDePasse("Mot de passe", manquant="Saisissez votre mot de passe.")
    suite = Suite()

    @property
    def cle(self) -> str:
        return normaliser_identifiant(self.identifiant)


class FormNouveauMotDePasse(Formulaire):
    """ "Modifier votre mot de passe": the old one proves who you are, the new one follows the policy."""

    identifiant = Identifiant()
    ancien = MotDePasse("Ancien mot de passe", manquant="Saisissez votre ancien mot de passe.")
    nouveau = MotDePasse("Nouveau mot de passe", requis=False)
    confirmation = MotDePasse("Confirmation", requis=False)
    evaluation: Evaluation | None = None

    async def evaluer(self, *, prenom: str = "", nom: str = "", organisme: str = "") -> None:
        """The policy, the strength, and the messages of the two password fields (zxcvbn runs on a
        thread of its own, off the event loop)."""
        self.evaluation = await evaluer_hors_boucle(
            self.nouveau[:200], identifiant=normaliser_identifiant(self.identifiant), prenom=prenom, nom=nom, organisme=organisme
        )
        self.erreurs.pop("nouveau", None)
        self.erreurs.pop("confirmation", None)
        if not self.nouveau:
            self.erreurs["nouveau"] = "Saisissez votre nouveau mot de passe."
        elif (message := message_erreur(self.evaluation)) is not None:
            self.erreurs["nouveau"] = message
        if not self.confirmation:
            self.erreurs["confirmation"] = "Confirmez votre nouveau mot de passe."
        elif self.confirmation != self.nouveau:
            self.erreurs["confirmation"] = "La confirmation ne correspond pas au nouveau mot de passe."

    @property
    def confirmation_ok(self) -> bool:
        return bool(self.confirmation) and self.confirmation == self.nouveau


class FormMotDePasseConnecte(FormNouveauMotDePasse):
    """The same, signed in (« Modifier mon mot de passe », the live checklist): the identifiant is
    the session's, never checked from the body."""

    identifiant = Brut("Identifiant", max_len=32)


class FormCgu(Formulaire):
    accepte = Case("J'accepte", manquant="Cochez la case pour accepter les Conditions Générales d'Utilisation.")
    suite = Suite()
