"""The second factor: what a person holds, the second step (throttled, journaled), enrolment,
removal, recovery codes and the hierarchy's reset. Every change mails the holder."""

from __future__ import annotations

import ipaddress
import json
import time
from dataclasses import dataclass
from urllib.parse import urlsplit

from webauthn import (
    generate_authentication_options,
    generate_registration_options,
    options_to_json,
    verify_authentication_response,
    verify_registration_response,
)
from webauthn.helpers import base64url_to_bytes, bytes_to_base64url, parse_authentication_credential_json, parse_authenticator_data
from webauthn.helpers.structs import (
    AuthenticatorSelectionCriteria,
    AuthenticatorTransport,
    PublicKeyCredentialDescriptor,
    ResidentKeyRequirement,
    UserVerificationRequirement,
)

from web import droits, file_d_envoi, sessions
from web.acteur import Acteur
from web.comptes.hachage import hacher, verifier
from web.comptes.service import nom_affiche
from web.connexion import verrou
from web.db import ecriture, verrouiller
from web.facteurs import totp
from web.journal import journaliser
from web.settings import Settings
from web.tables import CleAcces, CodeSecours, FacteurTotp, Organisme, Utilisateur
from web.temps import maintenant

ECHEC = "La vérification a échoué. Vérifiez votre saisie et réessayez, ou utilisez un autre moyen de vous identifier."
CLE_REFUSEE = "Cette clé d'accès n'a pas pu être vérifiée. Réessayez, ou utilisez un autre moyen de vous identifier."


def message_verrou(jusqua, now) -> str:
    n = verrou.minutes_restantes(jusqua, now)
    return f"Trop de tentatives : vous pourrez réessayer dans {n} minute{'s' if n > 1 else ''}."


class Refus(Exception):
    """A change to the factors that the rules forbid (the message says why, in French)."""


@dataclass
class Facteurs:
    cles: list[dict]
    totp: dict | None  # the confirmed one-time-code application
    codes_restants: int
    codes_emis: int  # used ones included: none means the first codes are still to be generated

    @property
    def aucun(self) -> bool:
        return not self.cles and self.totp is None


async def facteurs(utilisateur_id: int) -> Facteurs:
    cles = (
        await CleAcces.select(CleAcces.id, CleAcces.nom, CleAcces.cree_le, CleAcces.utilise_le)
        .where(CleAcces.utilisateur == utilisateur_id)
        .order_by(CleAcces.id)
    )
    t = (
        await FacteurTotp.select(FacteurTotp.cree_le, FacteurTotp.utilise_le)
        .where(
            (FacteurTotp.utilisateur == utilisateur_id) & (FacteurTotp.confirme == True)  # noqa: E712 - Piccolo's column comparison
        )
        .first()
    )
    restants = await CodeSecours.count().where((CodeSecours.utilisateur == utilisateur_id) & CodeSecours.utilise_le.is_null())
    return Facteurs(cles, t, restants, await CodeSecours.count().where(CodeSecours.utilisateur == utilisateur_id))


async def a_un_facteur(utilisateur_id: int) -> bool:
    confirme = (FacteurTotp.utilisateur == utilisateur_id) & (FacteurTotp.confirme == True)  # noqa: E712
    return await CleAcces.exists().where(CleAcces.utilisateur == utilisateur_id) or await FacteurTotp.exists().where(confirme)


# What a_un_facteur and the organisation's setting tell, in one query (every sign-in asks, and
# three queries were a tenth of a sign-in besides argon2id).
_SQL_ETAPE = (
    "SELECT (EXISTS (SELECT 1 FROM cle_acces WHERE utilisateur = {}) "
    "OR EXISTS (SELECT 1 FROM facteur_totp WHERE utilisateur = {} AND confirme)) AS facteur, "
    "(SELECT second_facteur_requis FROM organisme WHERE id = {}) AS requis"
)


async def etape_apres_mot_de_passe(u: Utilisateur) -> str:
    """The session's step once the password is right: the second step, the required enrolment, or
    none ("")."""
    row = (await Organisme.raw(_SQL_ETAPE, u.id, u.id, u.organisme))[0]
    if row["facteur"]:
        return "second_facteur"
    # The organisation as far as the rule reads it (its setting), when the person has one.
    org = Organisme(id=u.organisme, second_facteur_requis=bool(row["requis"])) if row["requis"] is not None else None
    return "enrolement" if droits.second_facteur_requis(u, org) else ""


def _courriel(settings: Settings, u: Utilisateur, quoi: str) -> tuple[str, str]:
    return (
        f"{settings.nom_service} : sécurité de votre compte",
        f"Bonjour {nom_affiche(u)},\n\n{quoi} (compte {u.identifiant}, le {maintenant():%d/%m/%Y à %H:%M} UTC).\n\n"
        "Si vous n'êtes pas à l'origine de ce changement, prévenez sans attendre votre administrateur "
        f"(ou, pour un administrateur principal, {settings.nom_operateur}).\n\n"
        f"Adresse du portail : {settings.base_url}/connexion\n\n"
        "Ce message est envoyé automatiquement, merci de ne pas y répondre.\n",
    )


async def _prevenir(settings: Settings, u: Utilisateur, quoi: str) -> None:
    await file_d_envoi.mettre_en_file(u.courriel, *_courriel(settings, u, quoi), concerne=u.id)


# --- The second step ------------------------------------------------------------------------


async def _reserver(u: Utilisateur, acteur: Acteur) -> tuple[verrou.Reservation | None, str | None]:
    """One attempt of the second step, reserved before any check (web.connexion.verrou)."""
    now = maintenant()
    r = await verrou.reserver(f"f|{u.id}", now)
    if not r.admise:
        await journaliser("second_facteur_refuse", acteur, cible=u.id, detail="blocage en cours")
        return None, message_verrou(r.verrou_jusqua, now)
    return r, None


async def _echec(u: Utilisateur, acteur: Acteur, r: verrou.Reservation, detail: str) -> str:
    now = maintenant()
    verrouille = r.verrouille_si_echec(now)
    async with ecriture():
        await journaliser("second_facteur_echec", acteur, cible=u.id, detail=detail)
        if verrouille:
            await journaliser("second_facteur_verrou", acteur, cible=u.id, detail=f"{verrou.minutes_restantes(r.verrou_jusqua, now)} min")
    return message_verrou(r.verrou_jusqua, now) if verrouille else ECHEC


async def verifier_code(settings: Settings, u: Utilisateur, saisie: str, acteur: Acteur, *, secours_seulement: bool = False) -> str | None:
    """A one-time code or a recovery code, throttled; None when accepted, else the message (which
    never says which factor failed). Each TOTP step and each recovery code is used once only."""
    r, refus = await _reserver(u, acteur)
    if r is None:
        return refus
    code = totp.normaliser_code(saisie)
    ok = False
    if totp.est_code_totp(code) and not secours_seulement:
        ok = await _utiliser_totp(settings, u.id, code)
    elif totp.est_code_secours(code):
        ok = await _utiliser_secours(u.id, code)
    if not ok:
        return await _echec(u, acteur, r, "code")
    await verrou.effacer(r.cle)
    await journaliser(
        "second_facteur", acteur, cible=u.id, detail="code de secours" if totp.est_code_secours(code) else "code à usage unique"
    )
    return None


async def _utiliser_totp(settings: Settings, utilisateur_id: int, code: str) -> bool:
    row = (
        await FacteurTotp.select(FacteurTotp.secret)
        .where(
            (FacteurTotp.utilisateur == utilisateur_id) & (FacteurTotp.confirme == True)  # noqa: E712
        )
        .first()
    )
    secret = totp.ouvrir(settings.secret_key, row["secret"]) if row else None
    pas = totp.pas_du_code(secret, code) if secret else None
    if pas is None:
        return False
    # Each step once only: the last accepted step moves forward or nothing happens.
    rows = await FacteurTotp.raw(
        "UPDATE facteur_totp SET dernier_pas = {}, utilise_le = {} WHERE utilisateur = {} AND dernier_pas < {} RETURNING id",
        pas, maintenant(), utilisateur_id, pas,
    )  # fmt: skip
    return bool(rows)


async def _utiliser_secours(utilisateur_id: int, code: str) -> bool:
    restants = await CodeSecours.select(CodeSecours.id, CodeSecours.hash).where(
        (CodeSecours.utilisateur == utilisateur_id) & CodeSecours.utilise_le.is_null()
    )
    for row in restants:
        if await verifier(row["hash"], code):
            pris = await CodeSecours.raw(
                "UPDATE code_secours SET utilise_le = {} WHERE id = {} AND utilise_le IS NULL RETURNING id", maintenant(), row["id"]
            )
            return bool(pris)
    return False


# --- Passkeys (WebAuthn, py_webauthn) -----------------------------------------------------------


def rp_id(settings: Settings) -> str:
    """The relying party: the host of PORTAIL_BASE_URL (WebAuthn refuses IP addresses)."""
    return urlsplit(settings.base_url).hostname or ""


def _attendu(settings: Settings, defi: str) -> dict:
    """What py_webauthn checks in every ceremony: our challenge, relying party and origin, and
    user verification."""
    return {
        "expected_challenge": base64url_to_bytes(defi),
        "expected_rp_id": rp_id(settings),
        "expected_origin": settings.base_url,
        "require_user_verification": True,
    }


def cles_possibles(settings: Settings) -> bool:
    """Browsers refuse passkeys for a site named by an IP address (the development default
    http://127.0.0.1:8000): the portal then does not offer them."""
    try:
        ipaddress.ip_address(rp_id(settings))
    except ValueError:
        return bool(rp_id(settings))
    return False


async def options_authentification(u: Utilisateur) -> tuple[str, str]:
    """(options as JSON for navigator.credentials.get, the challenge to keep server-side)."""
    cles = await CleAcces.select(CleAcces.credential_id, CleAcces.transports).where(CleAcces.utilisateur == u.id)
    settings = Settings.from_env()
    options = generate_authentication_options(
        rp_id=rp_id(settings),
        allow_credentials=[_descripteur(c) for c in cles],
        user_verification=UserVerificationRequirement.REQUIRED,
    )
    return options_to_json(options), bytes_to_base64url(options.challenge)


def _descripteur(c: dict) -> PublicKeyCredentialDescriptor:
    transports = [AuthenticatorTransport(t) for t in c["transports"].split(",") if t in AuthenticatorTransport._value2member_map_]
    return PublicKeyCredentialDescriptor(id=base64url_to_bytes(c["credential_id"]), transports=transports or None)


async def verifier_cle(settings: Settings, u: Utilisateur, reponse: str, defi: str | None, acteur: Acteur) -> str | None:
    """A passkey assertion, throttled like codes; None when accepted. A sign counter that does not
    move forward (a cloned authenticator) refuses the sign-in, is journaled and mailed."""
    r, refus = await _reserver(u, acteur)
    if r is None:
        return refus
    try:
        credential = parse_authentication_credential_json(reponse)
    except Exception:  # noqa: BLE001 - whatever the browser (or anyone) sent: a refusal, never a 500
        return await _echec(u, acteur, r, "clé d'accès illisible")
    cle = (
        await CleAcces.objects()
        .where((CleAcces.credential_id == bytes_to_base64url(credential.raw_id)) & (CleAcces.utilisateur == u.id))
        .first()
    )
    if cle is None or defi is None:
        return await _echec(u, acteur, r, "clé d'accès inconnue ou défi expiré")
    try:
        verifie = verify_authentication_response(
            credential=credential,
            credential_public_key=base64url_to_bytes(cle.cle_publique),
            credential_current_sign_count=cle.compteur,
            **_attendu(settings, defi),
        )
    except Exception:  # noqa: BLE001 - InvalidAuthenticationResponse and the parsers' own errors
        if _compteur_recule(credential, cle.compteur):
            await _clone(settings, u, cle, acteur)
        return await _echec(u, acteur, r, "clé d'accès refusée")
    # The counter moves forward only (a concurrent use with the same count is a clone too).
    rows = await CleAcces.raw(
        "UPDATE cle_acces SET compteur = {}, utilise_le = {} WHERE id = {} AND (compteur < {} OR compteur = 0) RETURNING id",
        verifie.new_sign_count, maintenant(), cle.id, verifie.new_sign_count,
    )  # fmt: skip
    if not rows:
        await _clone(settings, u, cle, acteur)
        return await _echec(u, acteur, r, "clé d'accès refusée")
    await verrou.effacer(r.cle)
    await journaliser("second_facteur", acteur, cible=u.id, detail=f"clé d'accès « {cle.nom} »")
    return None


def _compteur_recule(credential, compteur: int) -> bool:
    try:
        donnees = parse_authenticator_data(credential.response.authenticator_data)
    except Exception:  # noqa: BLE001 - unreadable data is no clone, only a refusal
        return False
    return (donnees.sign_count > 0 or compteur > 0) and donnees.sign_count <= compteur


async def _clone(settings: Settings, u: Utilisateur, cle: CleAcces, acteur: Acteur) -> None:
    async with ecriture():
        await journaliser("cle_clonee", acteur, cible=u.id, detail=f"clé d'accès « {cle.nom} » : compteur de signatures en recul")
        await _prevenir(
            settings, u,
            f"Votre clé d'accès « {cle.nom} » a été présentée avec un compteur de signatures en recul : elle a peut-être "
            "été copiée. La connexion a été refusée. Supprimez cette clé dans « Sécurité du compte » et ajoutez-en une nouvelle",
        )  # fmt: skip
    file_d_envoi.reveiller()


async def options_enregistrement(settings: Settings, u: Utilisateur) -> tuple[str, str]:
    cles = await CleAcces.select(CleAcces.credential_id, CleAcces.transports).where(CleAcces.utilisateur == u.id)
    options = generate_registration_options(
        rp_id=rp_id(settings),
        rp_name=settings.nom_service,
        user_name=u.identifiant,
        user_id=f"portail-{u.id}".encode(),
        user_display_name=f"{u.prenom} {u.nom}",
        exclude_credentials=[_descripteur(c) for c in cles],
        authenticator_selection=AuthenticatorSelectionCriteria(
            resident_key=ResidentKeyRequirement.PREFERRED, user_verification=UserVerificationRequirement.REQUIRED
        ),
    )
    return options_to_json(options), bytes_to_base64url(options.challenge)


async def enregistrer_cle(settings: Settings, u: Utilisateur, reponse: str, defi: str | None, nom: str, acteur: Acteur) -> bool:
    """A new passkey, verified by py_webauthn (user verification required, origin and RP id of
    PORTAIL_BASE_URL); False when refused."""
    if defi is None:
        return False
    try:
        verifie = verify_registration_response(credential=reponse, **_attendu(settings, defi))
        transports = json.loads(reponse).get("response", {}).get("transports") or []
    except Exception:  # noqa: BLE001 - InvalidRegistrationResponse and the parsers' own errors: a refusal, never a 500
        return False
    transports = ",".join(t for t in transports if isinstance(t, str) and t in AuthenticatorTransport._value2member_map_)[:200]
    async with ecriture():
        await verrouiller(Utilisateur, u.id)
        if await CleAcces.exists().where(CleAcces.credential_id == bytes_to_base64url(verifie.credential_id)):
            return False
        await CleAcces.insert(
            CleAcces(utilisateur=u.id, credential_id=bytes_to_base64url(verifie.credential_id), cle_publique=bytes_to_base64url(
                verifie.credential_public_key), compteur=verifie.sign_count, transports=transports, nom=nom, cree_le=maintenant())
        )  # fmt: skip
        await journaliser("facteur_ajoute", acteur, cible=u.id, detail=f"clé d'accès « {nom} »")
        await _prevenir(settings, u, f"Une clé d'accès « {nom} » a été ajoutée à votre compte")
    file_d_envoi.reveiller()
    return True


# --- One-time codes: enrolment ---------------------------------------------------------------


async def secret_en_cours(settings: Settings, u: Utilisateur) -> str | None:
    """The secret being enrolled (created on first ask, the same until confirmed), or None when an
    application is already confirmed."""
    async with ecriture():
        await verrouiller(Utilisateur, u.id)
        row = await FacteurTotp.select(FacteurTotp.secret, FacteurTotp.confirme).where(FacteurTotp.utilisateur == u.id).first()
        if row and row["confirme"]:
            return None
        if row:
            secret = totp.ouvrir(settings.secret_key, row["secret"])
            if secret:
                return secret
            await FacteurTotp.delete().where(FacteurTotp.utilisateur == u.id)
        secret = totp.nouveau_secret()
        await FacteurTotp.insert(FacteurTotp(utilisateur=u.id, secret=totp.sceller(settings.secret_key, secret), cree_le=maintenant()))
    return secret


async def confirmer_totp(settings: Settings, u: Utilisateur, saisie: str, acteur: Acteur) -> tuple[bool, list[str]]:
    """The first code confirms the application (throttled as the second step). Returns (accepted,
    the recovery codes to show once: new ones when the person had none)."""
    r, refus = await _reserver(u, acteur)
    if r is None:
        return False, []
    code = totp.normaliser_code(saisie)
    row = await FacteurTotp.select(FacteurTotp.secret).where((FacteurTotp.utilisateur == u.id) & (FacteurTotp.confirme == False)).first()  # noqa: E712
    secret = totp.ouvrir(settings.secret_key, row["secret"]) if row else None
    pas = totp.pas_du_code(secret, code) if secret else None
    if pas is None:
        await _echec(u, acteur, r, "code de confirmation")
        return False, []
    await verrou.effacer(r.cle)
    codes: list[str] = []
    async with ecriture():
        await verrouiller(Utilisateur, u.id)
        rows = await FacteurTotp.raw(
            "UPDATE facteur_totp SET confirme = {}, dernier_pas = {}, utilise_le = {}, cree_le = {} "
            "WHERE utilisateur = {} AND confirme = {} RETURNING id",
            True, pas, maintenant(), maintenant(), u.id, False,
        )  # fmt: skip
        if not rows:
            return False, []
        if not await CodeSecours.exists().where(CodeSecours.utilisateur == u.id):
            codes = await _nouveaux_codes(u.id)
        await journaliser("facteur_ajoute", acteur, cible=u.id, detail="application d'authentification")
        await _prevenir(settings, u, "Une application d'authentification (codes à usage unique) a été associée à votre compte")
    file_d_envoi.reveiller()
    return True, codes


async def _nouveaux_codes(utilisateur_id: int) -> list[str]:
    """Inside a transaction: ten new recovery codes replace the old ones."""
    codes = totp.codes_de_secours()
    hashes = [await hacher(c) for c in codes]
    await CodeSecours.delete().where(CodeSecours.utilisateur == utilisateur_id)
    await CodeSecours.insert(*[CodeSecours(utilisateur=utilisateur_id, hash=h) for h in hashes])
    return [totp.affiche_secours(c) for c in codes]


async def codes_si_absents(u: Utilisateur) -> list[str]:
    """After a first passkey: the recovery codes, when the person has none yet."""
    async with ecriture():
        await verrouiller(Utilisateur, u.id)
        if await CodeSecours.exists().where(CodeSecours.utilisateur == u.id):
            return []
        return await _nouveaux_codes(u.id)


async def regenerer_codes(settings: Settings, u: Utilisateur, acteur: Acteur) -> list[str]:
    async with ecriture():
        await verrouiller(Utilisateur, u.id)
        codes = await _nouveaux_codes(u.id)
        await journaliser("codes_secours_regeneres", acteur, cible=u.id)
        await _prevenir(settings, u, "De nouveaux codes de secours ont été générés pour votre compte ; les anciens ne sont plus valables")
    file_d_envoi.reveiller()
    return codes


# --- Removal, renaming, reset ----------------------------------------------------------------


async def _requis(u: Utilisateur) -> bool:
    org = await Organisme.objects().where(Organisme.id == u.organisme).first() if u.organisme else None
    return droits.second_facteur_requis(u, org)


async def supprimer(settings: Settings, u: Utilisateur, quoi: str, cle_id: int | None, acteur: Acteur) -> None:
    """Removes a passkey (`quoi` = "cle") or the application ("totp"); never the last factor of a
    person who must have one."""
    async with ecriture():
        await verrouiller(Utilisateur, u.id)
        f = await facteurs(u.id)
        restants = len(f.cles) + (1 if f.totp else 0)
        if quoi == "cle":
            cle = next((c for c in f.cles if c["id"] == cle_id), None)
            if cle is None:
                raise Refus("Cette clé d'accès n'existe pas ou a déjà été supprimée.")
            libelle = f"clé d'accès « {cle['nom']} »"
            message = f"La clé d'accès « {cle['nom']} » a été retirée de votre compte"
        else:
            if f.totp is None:
                raise Refus("Aucune application d'authentification n'est associée à votre compte.")
            libelle = "application d'authentification"
            message = "L'application d'authentification a été retirée de votre compte"
        if restants <= 1 and await _requis(u):
            raise Refus("Votre compte doit garder au moins un second facteur : ajoutez-en un autre avant de supprimer celui-ci.")
        if quoi == "cle":
            await CleAcces.delete().where((CleAcces.id == cle_id) & (CleAcces.utilisateur == u.id))
        else:
            await FacteurTotp.delete().where(FacteurTotp.utilisateur == u.id)
        if restants <= 1:  # no factor left: the recovery codes stand for nothing any more
            await CodeSecours.delete().where(CodeSecours.utilisateur == u.id)
        await journaliser("facteur_supprime", acteur, cible=u.id, detail=libelle)
        await _prevenir(settings, u, message)
    file_d_envoi.reveiller()


async def renommer_cle(u: Utilisateur, cle_id: int, nom: str, acteur: Acteur) -> bool:
    rows = await CleAcces.raw("UPDATE cle_acces SET nom = {} WHERE id = {} AND utilisateur = {} RETURNING id", nom, cle_id, u.id)
    if rows:
        await journaliser("facteur_renomme", acteur, cible=u.id, detail=f"clé d'accès renommée « {nom} »")
    return bool(rows)


async def reinitialiser(settings: Settings, acteur: Acteur, cible: Utilisateur) -> None:
    """Losing every factor: all of them and the recovery codes removed, every session of the holder
    ended; at the next sign-in they enrol again. Journaled, mailed."""
    async with ecriture():
        await verrouiller(Utilisateur, cible.id)
        await CleAcces.delete().where(CleAcces.utilisateur == cible.id)
        await FacteurTotp.delete().where(FacteurTotp.utilisateur == cible.id)
        await CodeSecours.delete().where(CodeSecours.utilisateur == cible.id)
        await sessions.fermer_toutes(cible.id)
        await verrou.effacer(f"f|{cible.id}")
        await journaliser("facteurs_reinitialises", acteur, cible=cible.id, organisme=cible.organisme)
        await _prevenir(
            settings, cible,
            "Les seconds facteurs de votre compte (clés d'accès, application d'authentification, codes de secours) ont été "
            "réinitialisés. À votre prochaine connexion, vous en configurerez un nouveau",
        )  # fmt: skip
    file_d_envoi.reveiller()


# --- Demo (development only: `portail demo`, `portail demo code`) -----------------------------------


async def totp_demo(settings: Settings, u: Utilisateur) -> None:
    """A confirmed one-time-code application for a demo administrator (kept when it exists), so
    that the demo is usable in one step: `portail demo code IDENTIFIANT` prints its current code."""
    if await FacteurTotp.exists().where(FacteurTotp.utilisateur == u.id):
        return
    secret = totp.sceller(settings.secret_key, totp.nouveau_secret())
    await FacteurTotp.insert(FacteurTotp(utilisateur=u.id, secret=secret, confirme=True, cree_le=maintenant()))


async def code_demo(settings: Settings, identifiant: str) -> tuple[str, int] | None:
    """The current code of this identifiant's application and the seconds it stays valid, or None."""
    u = await Utilisateur.objects().where(Utilisateur.identifiant == identifiant.strip().upper()).first()
    if u is None:
        return None
    confirme = (FacteurTotp.utilisateur == u.id) & (FacteurTotp.confirme == True)  # noqa: E712
    row = await FacteurTotp.select(FacteurTotp.secret).where(confirme).first()
    secret = totp.ouvrir(settings.secret_key, row["secret"]) if row else None
    if secret is None:
        return None
    maintenant_s = time.time()
    return totp.code_du_pas(secret, totp.pas_courant(maintenant_s)), totp.PERIODE - int(maintenant_s) % totp.PERIODE
