"""A seeded fuzzer over every route of the application, enumerated from the app itself: every form
(POST) with the field names the pages show plus random ones, every path parameter, query strings,
htmx headers and CSRF tokens, malformed on purpose, as each role. No answer may be a 5xx.

Bounded (a fixed number of requests per role), reproducible (PORTAIL_FUZZ_GRAINE), and a new route
is fuzzed without editing this file. PORTAIL_FUZZ_REQUETES sets the requests per role."""

from __future__ import annotations

import os
import random
import re
import string
from dataclasses import dataclass, field
from urllib.parse import quote, urlencode

import pytest
from litestar.routes import HTTPRoute
from litestar.testing import AsyncTestClient

from tests.conftest import siret_valide
from tests.unit.conftest import creer_gestionnaire, creer_organisme
from web import cgu, sessions
from web.app import create_app
from web.renouvellement.service import traiter_demandes
from web.tables import AGENT_CDC, PRINCIPAL, DemandeRenouvellement, Dossier, MessageContact, Organisme, Titulaire, Unite, Utilisateur

GRAINE = int(os.environ.get("PORTAIL_FUZZ_GRAINE", "20261128"))
REQUETES = int(os.environ.get("PORTAIL_FUZZ_REQUETES", "350"))
# Routes a signed-in fuzzer skips: they end its own session (they are fuzzed anonymously).
FIN_DE_SESSION = {("POST", "/deconnexion"), ("POST", "/cgu")}
CIBLES_HTMX = ["resultats", "dialogue-contenu", "resultats-titulaire", "recherche-titulaire", "politique-mdp", "formulaire", "coordonnees"]

NOMBRES = ["0", "1", "2", "3", "7", "-1", "+1", " 1", "1 ", "01", "1_0", "1e3", "1.0", "0x10", "²", "٣", "१", "Ⅻ", "１",
           str(2**31 - 1), str(2**31), str(2**32), str(2**63 - 1), str(2**63), str(2**64), "9" * 30, "9" * 5000, "NaN", "inf"]  # fmt: skip
TEXTES = ["", " ", "\t", "a", "é", "<script>alert(1)</script>", "' OR 1=1 --", '"', "\\", "%", "_", "%00", "\x00", "a\x00b", "\x01\x1f",
          "\x7f", "\u200b", "\u202e", "\ufeff", "\U0010ffff", "a\U0010ffff", "\U0001f600", "ǅ", "ß", "İ", "ﬃ", "e\u0301",
          "\ud7ff", "\ue000",
          "x" * 300, "y" * 10_000, "..", "../..", "/", "//", "?a=b", "#", "&", "=", "+", "\r\n", "\n" * 5, "Œuf", "ÆSIR", "2A", "2B",
          "1 85 01 75 123 456 78", "285017512345678", "2024-02-30", "2024-02-29", "31/12/2024", "0000-00-00", "9999-12-31", "on", "off",
          "consultation", "creation", "validation", "cloture", "Mme", "M.", "employeur_public", "operateur", "verifier", "ajouter_unite",
          "annuler", "confirmer", "Kq7vTz9mWr4pX", "prenom.nom@exemple.fr", "a@b", "0123456789", "+33612345678"]  # fmt: skip


def valeur(rnd: random.Random) -> str:
    tirage = rnd.random()
    if tirage < 0.35:
        return rnd.choice(NOMBRES)
    if tirage < 0.8:
        return rnd.choice(TEXTES)
    alphabet = string.printable + "éèàçœ²٣\u0301\u200b\U0010ffff\x00\x1b€ÿĀ"
    return "".join(rnd.choice(alphabet) for _ in range(rnd.randint(1, 40)))


def jeton_csrf(rnd: random.Random, bon: str) -> str | None:
    tirage = rnd.random()
    if tirage < 0.85:
        return bon
    return rnd.choice([None, "", "faux", "é" * 128, bon[:-1] + "é", bon + "x", "\x00" * 128, "0" * 128, bon.upper()])


@dataclass
class Role:
    nom: str
    client: AsyncTestClient
    jeton: str = ""
    champs: set[str] = field(default_factory=set)


def routes(app) -> list[tuple[str, str, list[str]]]:
    """(method, path template, path parameters) of every route the portal serves."""
    sorties = []
    for r in app.routes:
        if not isinstance(r, HTTPRoute) or r.path.startswith(("/static", "/schema")):
            continue
        for methode in sorted(r.methods - {"OPTIONS", "HEAD"}):
            sorties.append((methode, r.path, list(r.path_parameters)))
    return sorties


async def monde(settings) -> dict[str, int | None]:
    """Both kinds of organisation with every role, titulaires, dossiers in every status, units,
    a pending renewal request. Returns the user ids of the roles to fuzz as (None: anonymous)."""
    from web.titulaires.demo import OPERATEUR_SIRET, creer_demo

    p = await creer_organisme(settings)
    d = await creer_gestionnaire(settings, p.organisme_id, role="administrateur_delegue", prenom="Denis", nom="Delegue", niveau="creation")
    g = await creer_gestionnaire(settings, p.organisme_id, prenom="Gaston", nom="Gestion")
    org = await Organisme.objects().where(Organisme.id == p.organisme_id).first()
    await creer_demo(settings, org.siret)
    operateur = await Organisme.objects().where(Organisme.siret == OPERATEUR_SIRET).first()
    op = await Utilisateur.objects().where((Utilisateur.organisme == operateur.id) & (Utilisateur.role == PRINCIPAL)).first()
    og = await creer_gestionnaire(settings, operateur.id, niveau="consultation", prenom="Olga", nom="Consulte")
    for nom in ("Service RH", "Paie"):
        await Unite.insert(Unite(organisme=p.organisme_id, nom=nom))
    agent = await creer_organisme(settings, prenom="Cyril", nom="Caisse", courriel=f"agent.{siret_valide()}@cdc.example")
    await Utilisateur.update({Utilisateur.role: AGENT_CDC, Utilisateur.organisme: None}).where(Utilisateur.id == agent.id)
    await DemandeRenouvellement.insert(DemandeRenouvellement(utilisateur=g.id, cree_le=org.cree_le))
    await MessageContact.insert(MessageContact(auteur=g.id, organisme=p.organisme_id, objet="Question", corps="Texte",
                                               cree_le=org.cree_le, maj_le=org.cree_le))  # fmt: skip
    assert await Titulaire.count() >= 4 and await Dossier.count() >= 8
    return {
        "anonyme": None, "principal": p.id, "delegue": d.id, "gestionnaire": g.id,
        "principal_operateur": op.id, "gestionnaire_operateur": og.id, "agent_cdc": agent.id,
    }  # fmt: skip


async def ouvrir(settings, nom: str, uid: int | None) -> Role:
    c = AsyncTestClient(app=create_app(settings, services=False))
    await c.__aenter__()
    if uid is not None:
        # Signed in directly: the sign-in itself is fuzzed by the anonymous role.
        await Utilisateur.update({Utilisateur.cgu_version: cgu.VERSION, Utilisateur.mot_de_passe_temporaire: False}).where(
            Utilisateur.id == uid
        )
        c.cookies.set(sessions.COOKIE, await sessions.ouvrir(uid, "fuzz"))
    role = Role(nom, c)
    await recolter(role, ["/connexion", "/", "/profil", "/habilitations", "/habilitations/ajouter", "/parametres", "/cdc",
                          "/cdc/inscrire", "/cloture-simplifiee", "/mot-de-passe/oublie", "/mot-de-passe/premiere-connexion",
                          "/titulaires/1", "/titulaires/1/dossiers/nouveau", "/dossiers/2", "/dossiers/1/modifier", "/habilitations/2",
                          "/cdc/organismes/1", "/profil/mot-de-passe", "/habilitations/journal", "/contact",
                          "/cdc/messages/1"])  # fmt: skip
    return role


async def recolter(role: Role, pages: list[str]) -> None:
    """The CSRF token and the names of the form fields the pages show this role."""
    for page in pages:
        r = await role.client.get(page)
        role.champs |= set(re.findall(r'name="([^"]+)"', r.text))
        if m := re.search(r'name="_csrf_token" value="([^"]+)"', r.text):
            role.jeton = m.group(1)
    role.champs.discard("_csrf_token")


async def fuzzer(role: Role, toutes: list[tuple[str, str, list[str]]], rnd: random.Random, n: int) -> list[str]:
    erreurs: list[str] = []
    candidates = [r for r in toutes if role.nom == "anonyme" or (r[0], r[1]) not in FIN_DE_SESSION]
    champs = sorted(role.champs | {"action", "nom", "nir", "identifiant", "page", "unite", "q", "motif", "heures_realisees"})
    for _ in range(n):
        methode, modele, params = rnd.choice(candidates)
        chemin = modele
        for p in params:
            brut = str(rnd.randint(1, 12)) if rnd.random() < 0.5 else rnd.choice(NOMBRES + TEXTES[:30])
            if p == "action":
                brut = rnd.choice(["valider", "rejeter", "renvoyer", "cloturer", "supprimer", "modifier", valeur(rnd)])
            morceau = quote(brut, safe="") or "x"
            chemin = re.sub(r"\{" + p + r":[^}]+\}", lambda _m, m=morceau: m, chemin)
        requete = {k: valeur(rnd) for k in rnd.sample(champs, rnd.randint(0, min(8, len(champs))))}
        entetes = {}
        if rnd.random() < 0.3:
            entetes = {"HX-Request": "true", "HX-Target": rnd.choice(CIBLES_HTMX), "HX-Trigger-Name": rnd.choice(champs)}
        try:
            if methode == "GET":
                url = chemin + ("?" + urlencode(requete) if requete else "")
                r = await role.client.get(url, headers=entetes, follow_redirects=False)
            else:
                jeton = jeton_csrf(rnd, role.jeton)
                corps = {**requete, **({"_csrf_token": jeton} if jeton is not None else {})}
                url = chemin
                r = await role.client.post(chemin, data=corps, headers=entetes, follow_redirects=False)
        except UnicodeEncodeError:
            continue  # not something a client can send
        if r.status_code >= 500:
            erreurs.append(f"{role.nom} {methode} {url[:200]!r} {requete!r:.300} -> {r.status_code}")
    return erreurs


ROLES = ["anonyme", "principal", "delegue", "gestionnaire", "principal_operateur", "gestionnaire_operateur", "agent_cdc"]


@pytest.mark.parametrize("nom", ROLES)
async def test_aucune_saisie_ne_donne_de_5xx(base_vide, settings, nom):
    ids = await monde(settings)
    role = await ouvrir(settings, nom, ids[nom])
    try:
        toutes = routes(role.client.app)
        assert len(toutes) >= 40  # every form and page of the portal, not a stale list
        erreurs = await fuzzer(role, toutes, random.Random(f"{GRAINE}-{nom}"), REQUETES)
        # What the requests queued ("Mot de passe oublié") goes through the background task too.
        await traiter_demandes(settings)
    finally:
        await role.client.__aexit__(None, None, None)
    assert not erreurs, f"{len(erreurs)} réponse(s) 5xx (graine {GRAINE}) :\n" + "\n".join(erreurs[:25])
