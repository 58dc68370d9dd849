"""Opening an account and issuing its temporary password (one path for every creator)."""

from __future__ import annotations

from datetime import timedelta

from web import courriels
from web.comptes.hachage import hacher
from web.comptes.identifiant import generer_identifiant
from web.comptes.politique import generer_mot_de_passe_temporaire
from web.recherche import cle
from web.settings import Settings
from web.tables import Utilisateur
from web.temps import maintenant

VALIDITE_TEMPORAIRE = timedelta(hours=72)
CIVILITES = {"Mme": "Madame", "M.": "Monsieur"}


def nom_affiche(u: Utilisateur | dict) -> str:
    get = u.get if isinstance(u, dict) else lambda k: getattr(u, k)
    return f"{get('civilite')} {get('prenom').upper()} {get('nom').upper()}"


async def identifiant_libre(prenom: str, nom: str) -> str:
    """A fresh identifiant. Inside a write transaction the check is exact on SQLite; on
    PostgreSQL the unique constraint stays the last word and the caller retries."""
    for _ in range(50):
        candidat = generer_identifiant(prenom, nom)
        if not await Utilisateur.exists().where(Utilisateur.identifiant == candidat):
            return candidat
    raise RuntimeError("aucun identifiant libre")


def _courriel_mot_de_passe(settings: Settings, u: Utilisateur, mot_de_passe: str, *, renouvellement: bool) -> tuple[str, str]:
    sujet = "Portail gestionnaire : votre mot de passe temporaire"
    motif = (
        "Votre mot de passe du Portail gestionnaire a été renouvelé."
        if renouvellement
        else "Un compte vient de vous être ouvert sur le Portail gestionnaire."
    )
    corps = (
        f"Bonjour {nom_affiche(u)},\n\n{motif}\n\n"
        f"Votre mot de passe temporaire : {mot_de_passe}\n\n"
        "Il est valable 72 heures et ne sert qu'à choisir votre propre mot de passe : "
        "à la connexion, le portail vous demandera de le changer immédiatement.\n"
        "Votre identifiant vous est communiqué séparément par votre administrateur.\n\n"
        f"Adresse du portail : {settings.base_url}/connexion\n\n"
        "Si vous n'êtes pas à l'origine de cette demande, prévenez votre administrateur.\n"
        "Ce message est envoyé automatiquement, merci de ne pas y répondre.\n"
    )
    return sujet, corps


async def ouvrir_compte(settings: Settings, u: Utilisateur) -> Utilisateur:
    """Insert `u` with a fresh identifiant and a temporary password sent by mail.
    Call inside a write transaction: the account and its mail are kept together or not at all."""
    mot_de_passe = generer_mot_de_passe_temporaire()
    u.nom_cle, u.prenom_cle = cle(u.nom), cle(u.prenom)
    u.identifiant = await identifiant_libre(u.prenom, u.nom)
    u.mot_de_passe = await hacher(mot_de_passe)
    u.mot_de_passe_temporaire = True
    u.mot_de_passe_expire_le = maintenant() + VALIDITE_TEMPORAIRE
    await u.save()
    sujet, corps = _courriel_mot_de_passe(settings, u, mot_de_passe, renouvellement=False)
    await courriels.mettre_en_file(u.courriel, sujet, corps, concerne=u.id, genre=courriels.MOT_DE_PASSE)
    return u


async def renouveler_mot_de_passe(settings: Settings, cible: Utilisateur, *, acteur: int | None, adresse: str = "") -> None:
    """A new temporary password by mail, the change forced again, every session ended, the
    lock lifted. One transaction: nothing is kept if the mail cannot be queued.
    Who may call this is droits.peut_renouveler's answer, checked by the caller."""
    from web import sessions
    from web.connexion import verrou
    from web.db import ecriture
    from web.journal import journaliser

    mot_de_passe = generer_mot_de_passe_temporaire()
    nouveau_hash = await hacher(mot_de_passe)
    async with ecriture():
        await Utilisateur.update(
            {
                Utilisateur.mot_de_passe: nouveau_hash,
                Utilisateur.mot_de_passe_temporaire: True,
                Utilisateur.mot_de_passe_expire_le: maintenant() + VALIDITE_TEMPORAIRE,
            }
        ).where(Utilisateur.id == cible.id)
        await sessions.fermer_toutes(cible.id)
        await verrou.effacer_identifiant(cible.identifiant)
        sujet, corps = _courriel_mot_de_passe(settings, cible, mot_de_passe, renouvellement=True)
        await courriels.mettre_en_file(cible.courriel, sujet, corps, concerne=cible.id, genre=courriels.MOT_DE_PASSE)
        await journaliser("mot_de_passe_renouvele", acteur=acteur, cible=cible.id, organisme=cible.organisme, adresse=adresse)
    courriels.reveiller()


async def courriels_non_remis(acteur: Utilisateur, **filtre) -> list[dict]:
    """Temporary passwords whose mail did not reach their owner, for those who may renew them
    (droits.peut_renouveler): an organisation's administrators, the Caisse des Dépôts for principals."""
    from web import droits

    lignes = await courriels.non_remis(**filtre)
    personnes = {u.id: u for u in await Utilisateur.objects().where(Utilisateur.id.is_in([r["id"] for r in lignes] or [0]))}
    return [r for r in lignes if droits.peut_renouveler(acteur, personnes[r["id"]])]
