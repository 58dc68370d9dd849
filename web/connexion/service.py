"""Sessions opened and closed, and the CGU accepted: each with its journal line, in one transaction."""

from __future__ import annotations

from web import cgu, observabilite, sessions
from web.acteur import Acteur
from web.db import ecriture
from web.journal import journaliser
from web.tables import AcceptationCgu, Utilisateur
from web.temps import maintenant


async def changement_impose(u: Utilisateur, acteur: Acteur) -> None:
    """A temporary password opens nothing but the forced change."""
    observabilite.connexion("changement_impose")
    await journaliser("connexion", acteur, cible=u.id, detail="mot de passe temporaire : changement demandé")


async def ouvrir_session(u: Utilisateur, acteur: Acteur, ancien_jeton: str | None, etape: str = "") -> str | None:
    """A new session for `u` (the browser's previous one closed), or None when the account was
    suspended or its password renewed while it was being checked. `etape`: the second step or the
    enrolment still to come (web.facteurs), the session opening nothing else until then."""
    async with ecriture():
        await sessions.fermer(ancien_jeton)
        jeton = await sessions.ouvrir(u.id, acteur.adresse, hash_verifie=u.mot_de_passe, etape=etape)
        if jeton is not None:
            detail = {"second_facteur": "mot de passe vérifié, second facteur attendu",
                      "enrolement": "mot de passe vérifié, second facteur à configurer"}.get(etape, "")  # fmt: skip
            await journaliser("connexion", acteur, cible=u.id, detail=detail)
            if not etape:
                await sessions.connexion_faite(u.id)
    observabilite.connexion("reussie" if jeton else "refusee")
    return jeton


async def fermer_session(jeton: str | None, moi: Utilisateur | None, acteur: Acteur) -> None:
    async with ecriture():
        await sessions.fermer(jeton)
        if moi is not None:
            await journaliser("deconnexion", acteur, cible=moi.id)


async def accepter_cgu(moi: Utilisateur, acteur: Acteur) -> None:
    """The current version accepted (a replayed form records nothing twice: the caller checks
    `cgu_a_jour` first)."""
    async with ecriture():
        acceptation = AcceptationCgu(utilisateur=moi.id, version=cgu.VERSION, accepte_le=maintenant(), adresse=acteur.adresse)
        await AcceptationCgu.insert(acceptation)
        await Utilisateur.update({Utilisateur.cgu_version: cgu.VERSION}).where(Utilisateur.id == moi.id)
        await journaliser("cgu_acceptees", acteur, cible=moi.id, detail=f"version {cgu.VERSION}")
