"""Forms of the sign-in journey: parse, validate, French messages."""

from __future__ import annotations

from dataclasses import dataclass, field

from web.comptes.identifiant import normaliser_identifiant
from web.comptes.politique import Evaluation, evaluer_hors_boucle, message_erreur
from web.formulaires import Erreurs

MAX_MOT_DE_PASSE = 1024  # refused before hashing: argon2 on megabytes is a denial of service


@dataclass
class FormConnexion:
    identifiant: str = ""
    mot_de_passe: str = ""
    erreurs: Erreurs = field(default_factory=Erreurs)

    @classmethod
    def lire(cls, donnees: dict[str, str]) -> FormConnexion:
        saisie = str(donnees.get("identifiant", ""))
        f = cls(identifiant=saisie.strip()[:32], mot_de_passe=str(donnees.get("mot_de_passe", "")))
        if not saisie.strip():
            f.erreurs["identifiant"] = "Saisissez votre identifiant."
        elif not normaliser_identifiant(saisie):
            f.erreurs["identifiant"] = "Cet identifiant n'est pas au bon format."
        if not f.mot_de_passe:
            f.erreurs["mot_de_passe"] = "Saisissez votre mot de passe."
        elif len(f.mot_de_passe) > MAX_MOT_DE_PASSE:
            f.erreurs["mot_de_passe"] = "Ce mot de passe est trop long."
        return f

    @property
    def cle(self) -> str:
        return normaliser_identifiant(self.identifiant)


@dataclass
class FormNouveauMotDePasse:
    """ "Modifier votre mot de passe": the old one proves who you are, the new one follows the policy."""

    identifiant: str = ""
    ancien: str = ""
    nouveau: str = ""
    confirmation: str = ""
    erreurs: Erreurs = field(default_factory=Erreurs)
    evaluation: Evaluation | None = None

    @classmethod
    def lire(cls, donnees: dict[str, str], *, avec_identifiant: bool = True) -> FormNouveauMotDePasse:
        f = cls(
            identifiant=str(donnees.get("identifiant", "")).strip()[:32],
            ancien=str(donnees.get("ancien", "")),
            nouveau=str(donnees.get("nouveau", "")),
            confirmation=str(donnees.get("confirmation", "")),
        )
        if avec_identifiant and not f.identifiant:
            f.erreurs["identifiant"] = "Saisissez votre identifiant."
        elif avec_identifiant and not normaliser_identifiant(f.identifiant):
            f.erreurs["identifiant"] = "Cet identifiant n'est pas au bon format."
        if not f.ancien:
            f.erreurs["ancien"] = "Saisissez votre ancien mot de passe."
        elif len(f.ancien) > MAX_MOT_DE_PASSE:
            f.erreurs["ancien"] = "Ce mot de passe est trop long."
        return f

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
