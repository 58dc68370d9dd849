"""« Mes informations professionnelles »: only these four fields, so nothing in a request body can
reach unit, level or role; each checked as it is left."""

from __future__ import annotations

from web.formulaires import Confirmation, Courriel, Formulaire, Telephone


def _telephone(libelle: str, placeholder: str | None = None) -> Telephone:
    attrs = {"placeholder": placeholder} if placeholder else None
    return Telephone(libelle, en_ligne=True, autocomplete="tel", decrit="aide-telephone", journal=libelle.lower(), attrs=attrs)


class FormMesCoordonnees(Formulaire):
    courriel = Courriel(en_ligne=True, autocomplete="email", journal="courriel")
    confirmation_courriel = Confirmation(
        "Confirmation courriel", max_len=254, manquant="Confirmez le courriel.", en_ligne=True, autocomplete="email"
    )
    telephone_fixe = _telephone("Téléphone fixe")
    telephone_portable = _telephone("Téléphone portable", "N° de téléphone portable")  # the guide's placeholder

    def verifier(self) -> None:
        e = self.erreurs
        if "confirmation_courriel" not in e and "courriel" not in e and self.confirmation_courriel.lower() != self.courriel:
            e["confirmation_courriel"] = "La confirmation ne correspond pas au courriel."
        if not (self.telephone_fixe or self.telephone_portable or "telephone_fixe" in e or "telephone_portable" in e):
            e["telephone_fixe"] = "Un numéro de téléphone est obligatoire."
