"""Opening an account and issuing its temporary password (one path for every creator)."""

from __future__ import annotations

from datetime import timedelta

from web import droits, file_d_envoi, sessions
from web.acteur import Acteur
from web.comptes.hachage import hacher
from web.comptes.identifiant import generer_identifiant
from web.comptes.politique import generer_mot_de_passe_temporaire
from web.connexion import verrou
from web.db import ecriture
from web.journal import journaliser
from web.recherche import cle
from web.settings import Settings
from web.tables import ACTIF, ECHEC, Courriel, Unite, Utilisateur
from web.temps import maintenant

VALIDITE_TEMPORAIRE = timedelta(hours=72)


def nom_affiche(u: Utilisateur | dict) -> str:
    get = u.get if isinstance(u, dict) else lambda k: getattr(u, k)
    return f"{get('civilite')} {get('prenom').upper()} {get('nom').upper()}"


async def courriel_pris(organisme_id: int, courriel: str, sauf: int | None = None) -> bool:
    """A courriel is used once among the organisation's active gestionnaires."""
    filtre = (Utilisateur.organisme == organisme_id) & (Utilisateur.statut == ACTIF) & (Utilisateur.courriel == courriel.lower())
    if sauf is not None:
        filtre &= Utilisateur.id != sauf
    return await Utilisateur.exists().where(filtre)


COURRIEL_PRIS = "Cette adresse de courriel est déjà utilisée par un gestionnaire actif de votre organisme."


async def identifiant_libre(prenom: str, nom: str) -> str:
    """A fresh identifiant. Inside a write transaction the check is exact on SQLite; on
    PostgreSQL the unique constraint stays the last word and the caller retries."""
    for _ in range(50):
        candidat = generer_identifiant(prenom, nom)
        if not await Utilisateur.exists().where(Utilisateur.identifiant == candidat):
            return candidat
    raise RuntimeError("aucun identifiant libre")


def _courriel_mot_de_passe(settings: Settings, u: Utilisateur, mot_de_passe: str, *, renouvellement: bool) -> tuple[str, str]:
    sujet = f"{settings.nom_service} : votre mot de passe temporaire"
    motif = (
        f"Votre mot de passe du {settings.nom_service} a été renouvelé."
        if renouvellement
        else f"Un compte vient de vous être ouvert sur le {settings.nom_service}."
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


async def cle_unite(unite_id: int | None) -> str:
    """The sort key of an account's unit (Utilisateur.unite_cle): written with the unit, and
    again when the unit is renamed (web.parametres.service.renommer)."""
    if unite_id is None:
        return ""
    unite = await Unite.select(Unite.nom).where(Unite.id == unite_id).first()
    return cle(unite["nom"]) if unite else ""


async def ouvrir_compte(settings: Settings, u: Utilisateur) -> Utilisateur:
    """Insert `u` with a fresh identifiant and a temporary password sent by mail.
    Call inside a write transaction: the account and its mail are kept together or not at all."""
    mot_de_passe = generer_mot_de_passe_temporaire()
    u.nom_cle, u.prenom_cle, u.unite_cle = cle(u.nom), cle(u.prenom), await cle_unite(u.unite)
    u.identifiant = await identifiant_libre(u.prenom, u.nom)
    u.mot_de_passe = await hacher(mot_de_passe)
    u.mot_de_passe_temporaire = True
    u.mot_de_passe_expire_le = maintenant() + VALIDITE_TEMPORAIRE
    await u.save()
    sujet, corps = _courriel_mot_de_passe(settings, u, mot_de_passe, renouvellement=False)
    await file_d_envoi.mettre_en_file(u.courriel, sujet, corps, concerne=u.id, genre=file_d_envoi.MOT_DE_PASSE)
    return u


async def renouveler_mot_de_passe(settings: Settings, cible: Utilisateur, acteur: Acteur) -> None:
    """A new temporary password by mail, the change forced again, every session ended, the
    lock lifted. One transaction: nothing is kept if the mail cannot be queued.
    Who may call this is droits.peut_renouveler's answer, checked by the caller."""
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
        await file_d_envoi.mettre_en_file(cible.courriel, sujet, corps, concerne=cible.id, genre=file_d_envoi.MOT_DE_PASSE)
        await journaliser("mot_de_passe_renouvele", acteur, cible=cible.id, organisme=cible.organisme)
    file_d_envoi.reveiller()


async def courriels_non_remis(acteur: Utilisateur, **filtre) -> list[dict]:
    """Temporary passwords whose mail did not reach their owner, for those who may renew them
    (droits.peut_renouveler): an organisation's administrators, the Caisse des Dépôts for principals."""
    lignes = await non_remis(**filtre)
    if not lignes:  # the usual case: no second query (every « Gérer les habilitations » page asks)
        return []
    personnes = {u.id: u for u in await Utilisateur.objects().where(Utilisateur.id.is_in([r["id"] for r in lignes] or [0]))}
    return [r for r in lignes if droits.peut_renouveler(acteur, personnes[r["id"]])]


# --- Temporary passwords not delivered -------------------------------------------------------

# The last temporary-password message of each person concerned, when it was not delivered.
_SQL_NON_REMIS = """
SELECT c.concerne AS id, c.destinataire, c.statut, c.erreur, c.cree_le, c.prochain_essai, c.tentatives,
u.civilite, u.prenom, u.nom, u.identifiant, u.organisme, o.raison_sociale
FROM courriel c JOIN utilisateur u ON u.id = c.concerne LEFT JOIN organisme o ON o.id = u.organisme
WHERE c.genre = {} AND c.statut IN ('echec', 'a_envoyer') AND c.tentatives > 0 AND %s
AND c.id = (SELECT MAX(c2.id) FROM courriel c2 WHERE c2.concerne = c.concerne AND c2.genre = c.genre)
ORDER BY c.id DESC LIMIT 200
"""


async def non_remis(*, organisme: int | None = None, utilisateur: int | None = None, role: str | None = None) -> list[dict]:
    """Temporary-password messages not delivered (failed for good, or still retried after a
    failure), one per person: by organisation, by person, or by role (principals, for the CDC)."""
    conditions, args = [], [file_d_envoi.MOT_DE_PASSE]
    for colonne, valeur in (("u.organisme", organisme), ("u.id", utilisateur), ("u.role", role)):
        if valeur is not None:
            conditions.append(f"{colonne} = {{}}")
            args.append(valeur)
    rows = await Courriel.raw(_SQL_NON_REMIS % (" AND ".join(conditions) or "1 = 1"), *args)
    for r in rows:
        r["definitif"] = r["statut"] == ECHEC
    return rows
