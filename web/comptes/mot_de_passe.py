"""Changing a password: history check, hashing, journal, and every session ended."""

from __future__ import annotations

from web import sessions
from web.acteur import Acteur
from web.comptes.hachage import hacher, verifier
from web.db import ecriture
from web.journal import journaliser
from web.tables import AncienMotDePasse, Utilisateur
from web.temps import maintenant

HISTORIQUE = 5
DEJA_UTILISE = "Choisissez un mot de passe que vous n'avez pas déjà utilisé."


async def deja_utilise(u: Utilisateur, nouveau: str) -> bool:
    """The current password or one of the last five."""
    if await verifier(u.mot_de_passe, nouveau):
        return True
    anciens = (
        await AncienMotDePasse.select(AncienMotDePasse.hash)
        .where(AncienMotDePasse.utilisateur == u.id)
        .order_by(AncienMotDePasse.id, ascending=False)
        .limit(HISTORIQUE)
    )
    for row in anciens:
        if await verifier(row["hash"], nouveau):
            return True
    return False


async def changer(u: Utilisateur, nouveau: str, acteur: Acteur) -> None:
    nouveau_hash = await hacher(nouveau)
    async with ecriture():
        # Only the previous chosen passwords count as history, not a temporary one.
        if not u.mot_de_passe_temporaire:
            await AncienMotDePasse.insert(AncienMotDePasse(utilisateur=u.id, hash=u.mot_de_passe, cree_le=maintenant()))
            garder = (
                await AncienMotDePasse.select(AncienMotDePasse.id)
                .where(AncienMotDePasse.utilisateur == u.id)
                .order_by(AncienMotDePasse.id, ascending=False)
                .limit(HISTORIQUE)
            )
            await AncienMotDePasse.delete().where(
                (AncienMotDePasse.utilisateur == u.id) & AncienMotDePasse.id.not_in([r["id"] for r in garder])
            )
        await Utilisateur.update(
            {
                Utilisateur.mot_de_passe: nouveau_hash,
                Utilisateur.mot_de_passe_temporaire: False,
                Utilisateur.mot_de_passe_expire_le: None,
                Utilisateur.mot_de_passe_modifie_le: maintenant(),
            }
        ).where(Utilisateur.id == u.id)
        await sessions.fermer_toutes(u.id)
        await journaliser("mot_de_passe_modifie", acteur, cible=u.id)
