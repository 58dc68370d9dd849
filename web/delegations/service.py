""" "Mes délégations": who granted a person their rights, and whom they granted rights to."""

from __future__ import annotations

from web.tables import Utilisateur, cle_etrangere


async def personne(uid) -> dict | None:
    uid = cle_etrangere(uid)
    if uid is None:
        return None
    return (
        await Utilisateur.select(Utilisateur.prenom, Utilisateur.nom, Utilisateur.identifiant, Utilisateur.role)
        .where(Utilisateur.id == uid)
        .first()
    )


async def accordees(moi: Utilisateur) -> list[dict]:
    """Those whose level or flag this person set last (or whose account they opened, before any change)."""
    return await Utilisateur.select(
        Utilisateur.id, Utilisateur.prenom, Utilisateur.nom, Utilisateur.identifiant, Utilisateur.role,
        Utilisateur.niveau, Utilisateur.statut, Utilisateur.habilite_le, Utilisateur.cree_le,
    ).where(
        (Utilisateur.organisme == moi.organisme)
        & (Utilisateur.id != moi.id)
        & ((Utilisateur.habilite_par == moi.id) | (Utilisateur.habilite_par.is_null() & (Utilisateur.cree_par == moi.id)))
    ).order_by(Utilisateur.nom).order_by(Utilisateur.prenom)  # fmt: skip
