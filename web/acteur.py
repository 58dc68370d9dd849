"""Who acts: the person (None for an anonymous attempt or the `portail` command), for which
organisation, from which address. Built once per request (web.requete) and handed to services and
to the journal, which therefore never rebuild these three values."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Acteur:
    id: int | None = None
    organisme: int | None = None
    adresse: str = ""

    @classmethod
    def de(cls, personne, adresse: str) -> Acteur:
        """The signed-in person (or the one who just proved who they are) at `adresse`."""
        return cls(personne.id, getattr(personne.organisme, "id", personne.organisme), adresse)


# The `portail` command and the background tasks: no person, no client address.
PORTAIL = Acteur(adresse="portail")
