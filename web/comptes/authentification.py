"""Proving who one is (sign-in, first password change, password change): the failure counters,
the password check, the journal lines and the owner's alert. The routes only read the form and
the device cookie, then ask `verifier_identite`."""

from __future__ import annotations

from web import file_d_envoi, observabilite
from web.acteur import Acteur
from web.comptes.hachage import verifier
from web.comptes.service import nom_affiche
from web.connexion import verrou
from web.db import ecriture
from web.journal import journaliser
from web.settings import Settings
from web.tables import ACTIF, Organisme, Utilisateur
from web.temps import maintenant

INCORRECT = "Identifiant ou mot de passe incorrect."
TEMPORAIRE_EXPIRE = "Votre mot de passe temporaire a expiré (il est valable 72 heures). Demandez à votre administrateur de le renouveler."
SUSPENDU = "Ce compte est suspendu. Contactez votre administrateur."
ADRESSE_SATUREE = "Trop de tentatives depuis votre poste. Réessayez dans quelques minutes."


# The account of an identifiant, every column, as Utilisateur.objects() reads it, and whether its
# organisation is no longer active: hand-written queries, as for the session (web.sessions), since
# building Piccolo's select and exists cost more of a sign-in than running them.
_SQL_COMPTE = "SELECT * FROM utilisateur WHERE identifiant = {}"
_SQL_ORGANISME_INACTIF = "SELECT 1 FROM organisme WHERE id = {} AND statut <> {}"


def message_verrou(jusqua, now) -> str:
    n = verrou.minutes_restantes(jusqua, now)
    return (
        f"Trop de tentatives pour cet identifiant : vous pourrez réessayer dans {n} minute{'s' if n > 1 else ''}. "
        "Si vous avez oublié votre mot de passe, utilisez « Mot de passe oublié » : votre administrateur pourra le renouveler."
    )


async def verifier_identite(
    settings: Settings, saisie_cle: str, mot_de_passe: str, *, adresse: str, appareil: str | None
) -> tuple[Utilisateur | None, str | None]:
    """Returns (person, None) on success, else (None, the message to show). Unknown identifiants and
    wrong passwords take the same path, the same time and get the same message.

    `appareil`: this browser's device nonce for the identifiant (web.connexion.appareil), or None.
    A known device has its own counter; any other client counts against the identifiant's "unknown
    device" counter and its address. Each counter is reserved before argon2 runs (web.connexion.verrou)."""
    now = maintenant()
    anonyme = Acteur(adresse=adresse)
    fenetre = None if appareil else verrou.cle_adresse(adresse)
    if fenetre and not await verrou.reserver_fenetre(fenetre, verrou.MAX_PAR_ADRESSE, verrou.FENETRE_ADRESSE, now):
        await journaliser("connexion_refusee", anonyme, identifiant_saisi=saisie_cle, detail="limite par adresse atteinte")
        observabilite.connexion("limite_adresse")
        return None, ADRESSE_SATUREE
    r = await verrou.reserver(verrou.cle_identifiant(saisie_cle, appareil), now)
    poste = "poste reconnu" if appareil else "poste inconnu"
    if not r.admise:
        if fenetre:  # no password was checked: the address keeps its attempt
            await verrou.rendre(fenetre)
        await journaliser("connexion_refusee", anonyme, identifiant_saisi=saisie_cle, detail=f"identifiant bloqué ({poste})")
        observabilite.connexion("verrouillee")
        return None, message_verrou(r.verrou_jusqua, now)
    rows = await Utilisateur.raw(_SQL_COMPTE, saisie_cle)
    u = Utilisateur(_exists_in_db=True, **rows[0]) if rows else None
    ok = await verifier(u.mot_de_passe if u else None, mot_de_passe)
    if not ok:
        verrouille = r.verrouille_si_echec(now)
        async with ecriture():
            ids = {"cible": u.id, "organisme": u.organisme} if u else {}
            await journaliser("connexion_echec", anonyme, identifiant_saisi=saisie_cle, detail=poste, **ids)
            if verrouille:
                minutes = verrou.minutes_restantes(r.verrou_jusqua, now)
                await journaliser("connexion_verrou", anonyme, identifiant_saisi=saisie_cle, detail=f"{minutes} min, {poste}", **ids)
                # The owner hears of a stranger's guesses, once a day at most; nobody for an unknown identifiant.
                if not appareil and await verrou.reclamer_alerte(r.cle, now) and u is not None and u.statut == ACTIF:
                    await file_d_envoi.mettre_en_file(u.courriel, *courriel_alerte(settings, u, adresse, now))
        if verrouille:
            file_d_envoi.reveiller()
        observabilite.connexion("verrouillee" if verrouille else "echec")
        return None, message_verrou(r.verrou_jusqua, now) if verrouille else INCORRECT
    await verrou.effacer(r.cle)
    if fenetre:
        await verrou.rendre(fenetre)
    # Past this point the password was right: saying why the account cannot be used
    # reveals nothing to someone who does not already hold it.
    if u.statut != ACTIF or (u.organisme and await Organisme.raw(_SQL_ORGANISME_INACTIF, u.organisme, ACTIF)):
        observabilite.connexion("refusee")
        return None, SUSPENDU
    if u.mot_de_passe_temporaire and (u.mot_de_passe_expire_le is None or u.mot_de_passe_expire_le < now):
        observabilite.connexion("refusee")
        return None, TEMPORAIRE_EXPIRE
    return u, None


def courriel_alerte(settings: Settings, u: Utilisateur, ip: str, now) -> tuple[str, str]:
    return (
        f"{settings.nom_service} : tentatives de connexion à votre compte",
        f"Bonjour {nom_affiche(u)},\n\n"
        f"Plusieurs mots de passe erronés ont été saisis pour votre identifiant {u.identifiant} depuis un poste "
        f"où vous ne vous êtes jamais connecté (adresse {ip}, le {now:%d/%m/%Y à %H:%M} UTC). Les essais depuis "
        "les postes inconnus sont maintenant ralentis ; le poste d'où vous vous connectez habituellement n'est pas bloqué.\n\n"
        "Si c'était vous, vous pouvez réessayer plus tard ou utiliser « Mot de passe oublié ». Sinon, votre mot de passe "
        "n'a pas été trouvé : vous n'avez rien à faire, mais vous pouvez prévenir votre administrateur.\n\n"
        f"Adresse du portail : {settings.base_url}/connexion\n\n"
        "Ce message est envoyé automatiquement, merci de ne pas y répondre.\n",
    )


async def raison_sociale(u: Utilisateur) -> str:
    """The organisation's name, which a password may not contain either."""
    if not u.organisme:
        return ""
    row = await Organisme.select(Organisme.raison_sociale).where(Organisme.id == u.organisme).first()
    return row["raison_sociale"] if row else ""
