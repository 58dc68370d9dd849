"""Where a request's time goes: each measured path profiled with pyinstrument, in-process.

    python -m bench.profil [--echelle 0.02] [--requetes 300] [--connexions 20] [--sans-generer]

The portal is built as `portail serve` builds it (PORTAIL_ENV=production, no Server-Timing) on a
small data set from bench.generer (in var/profil/, a database of its own: PORTAIL_DATABASE_URL
when set, as under scripts/avec-postgresql, else var/profil/portail.sqlite), and called directly
as an ASGI application, one request at a time, by a client of a few lines: neither uvicorn's HTTP
parsing nor a load client is in the profile, only what the portal does for each request.

Paths: sign-in (the form's GET, then its POST, for accounts without a second factor, argon2id as
configured), the home page, « Gérer les habilitations », the gestionnaire search fragment and the
« Ajouter un gestionnaire » dialog, the four last signed in as the large organisation's principal
(session opened directly: the sign-in is profiled on its own).

For each path it writes var/profil/<path>.txt (the top costs: share of the request time by area,
by function including callees, by function alone), <path>.html (pyinstrument's interactive view)
and, for all paths, var/profil/profil.json. On a busy machine read the shares, not the durations.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import sys
import time
from collections import defaultdict
from dataclasses import dataclass, field
from http.cookies import SimpleCookie
from pathlib import Path
from urllib.parse import urlencode

from web.settings import VAR

SORTIE = VAR / "profil"
JETON_CSRF = b'name="_csrf_token" value="'


@dataclass
class Reponse:
    statut: int
    entetes: dict[str, str]
    corps: bytes

    def jeton_csrf(self) -> str:
        debut = self.corps.index(JETON_CSRF) + len(JETON_CSRF)
        return self.corps[debut : self.corps.index(b'"', debut)].decode()


@dataclass
class ClientAsgi:
    """A browser of a few lines talking ASGI to the application: its cookies, one request at a time."""

    app: object
    cookies: dict[str, str] = field(default_factory=dict)

    async def requete(self, methode: str, chemin: str, *, formulaire: dict | None = None, entetes: dict | None = None) -> Reponse:
        path, _, query = chemin.partition("?")
        corps = urlencode(formulaire).encode() if formulaire is not None else b""
        h = [(b"host", b"127.0.0.1:8000"), (b"content-length", str(len(corps)).encode())]
        if formulaire is not None:
            h.append((b"content-type", b"application/x-www-form-urlencoded"))
        if self.cookies:
            h.append((b"cookie", "; ".join(f"{k}={v}" for k, v in self.cookies.items()).encode()))
        h += [(k.lower().encode(), v.encode()) for k, v in (entetes or {}).items()]
        scope = {
            "type": "http",
            "asgi": {"version": "3.0"},
            "http_version": "1.1",
            "method": methode,
            "scheme": "http",
            "path": path,
            "raw_path": path.encode(),
            "query_string": query.encode(),
            "root_path": "",
            "headers": h,
            "client": ("127.0.0.1", 50000),
            "server": ("127.0.0.1", 8000),
        }
        envoye = False
        recu: dict = {"corps": []}

        async def receive() -> dict:
            nonlocal envoye
            if envoye:
                await asyncio.sleep(3600)  # a client that stays connected
            envoye = True
            return {"type": "http.request", "body": corps, "more_body": False}

        async def send(message: dict) -> None:
            if message["type"] == "http.response.start":
                recu["statut"] = message["status"]
                recu["entetes"] = [(k.decode("latin-1").lower(), v.decode("latin-1")) for k, v in message["headers"]]
            elif message["type"] == "http.response.body":
                recu["corps"].append(message.get("body", b""))

        await self.app(scope, receive, send)  # type: ignore[operator]
        for nom, valeur in recu["entetes"]:
            if nom == "set-cookie":
                for morsel in SimpleCookie(valeur).values():
                    if morsel["max-age"] in ("0", "-1") or morsel.value in ("", '""'):
                        self.cookies.pop(morsel.key, None)
                    else:
                        self.cookies[morsel.key] = morsel.value
        return Reponse(recu["statut"], dict(recu["entetes"]), b"".join(recu["corps"]))


def verifier(r: Reponse, statuts: tuple[int, ...], quoi: str, attendu: bytes = b"") -> Reponse:
    if r.statut not in statuts or attendu not in r.corps:
        raise SystemExit(f"{quoi} : réponse {r.statut} inattendue")
    return r


# --- The paths --------------------------------------------------------------------------------------


HTMX = {"HX-Request": "true"}


def chemins(jeu: dict, comptes: list[str]):
    """(name, title, requests per call, the coroutine making one call) for each measured path."""
    recherche = "/habilitations?" + urlencode({"prenom": "", "nom": "MA", "identifiant": "", "unite": ""})

    async def connexion(cl: ClientAsgi, i: int) -> None:
        cl.cookies.clear()
        page = verifier(await cl.requete("GET", "/connexion"), (200,), "GET /connexion")
        donnees = {"_csrf_token": page.jeton_csrf(), "identifiant": comptes[i % len(comptes)], "mot_de_passe": jeu["mot_de_passe"]}
        r = await cl.requete("POST", "/connexion", formulaire=donnees)
        if r.statut != 303 or r.entetes.get("location") != "/":
            raise SystemExit(f"POST /connexion : {r.statut} {r.entetes.get('location')}")

    def page(chemin: str, attendu: bytes, entetes: dict | None = None):
        async def action(cl: ClientAsgi, i: int) -> None:
            verifier(await cl.requete("GET", chemin, entetes=entetes), (200,), f"GET {chemin}", attendu)

        return action

    return [
        ("connexion", "Connexion (GET /connexion puis POST /connexion)", 2, connexion),
        ("accueil", "Accueil « Rechercher un titulaire » (GET /)", 1, page("/", b"Rechercher un titulaire")),
        ("habilitations", "« Gérer les habilitations » (GET /habilitations)", 1, page("/habilitations", "Gérer les habil".encode())),
        (
            "recherche",
            "Recherche d'un gestionnaire, fragment htmx (nom « MA »)",
            1,
            page(recherche, b"trouv", {**HTMX, "HX-Target": "resultats"}),
        ),
        (
            "dialogue",
            "Dialogue « Ajouter un gestionnaire », fragment htmx",
            1,
            page("/habilitations/ajouter", b"<form", {**HTMX, "HX-Target": "dialogue-contenu"}),
        ),
    ]


# --- Reading a profile ------------------------------------------------------------------------------


def domaine(chemin: str) -> str:
    """The area a frame's file belongs to."""
    c = chemin.replace("\\", "/")
    if c.startswith("<template>") or "/components/" in c:
        return "gabarits (code Jinja compilé)"
    racine = str(Path(__file__).resolve().parent.parent)
    if c.startswith(racine + "/web/"):
        return "portail : " + c[len(racine) + 1 :].removesuffix(".py").replace("/", ".")
    if "site-packages/" in c:
        paquet = c.split("site-packages/", 1)[1].split("/", 1)[0].removesuffix(".py")
        return paquet.split("-")[0]
    if "/lib/python3" in c:
        return "bibliothèque standard : " + c.rsplit("/", 1)[-1].removesuffix(".py")
    return c.rsplit("/", 1)[-1]


def nom_de(frame) -> str:
    fichier = frame.file_path or ""
    if "site-packages/" in fichier:
        fichier = fichier.split("site-packages/", 1)[1]
    elif "/web/" in fichier or "/bench/" in fichier:
        fichier = fichier[fichier.rfind("/web/" if "/web/" in fichier else "/bench/") + 1 :]
    else:
        fichier = fichier.rsplit("/", 1)[-1]
    return f"{frame.function} ({fichier}:{frame.line_no})"


def couts(session) -> dict:
    """Shares of the profiled time: by area and by function alone (self time), and by function
    with what it calls (each function counted once per stack, recursion included)."""
    racine = session.root_frame()
    total = racine.time if racine else 0.0
    propre: dict[str, float] = defaultdict(float)
    par_domaine: dict[str, float] = defaultdict(float)
    cumule: dict[str, float] = defaultdict(float)

    def parcourir(frame, pile: frozenset[str], parent: str) -> None:
        if frame.is_synthetic:  # [await], [self]: counted with their parent
            return
        nom = nom_de(frame)
        # A built-in (str.join, dict.get…) counts in the area of the code that called it.
        ici = parent if (frame.file_path or "<built-in>").startswith("<built-in>") else domaine(frame.file_path or "")
        attente = sum(e.time for e in frame.children if e.identifier == "[await]")
        propre[nom] += frame.total_self_time - attente
        par_domaine[ici] += frame.total_self_time - attente
        if attente:  # awaiting the database's thread or connection, argon2id's thread
            propre["[attente] " + nom] += attente
            par_domaine["attente (base de données, fil d'argon2id)"] += attente
        if nom not in pile:
            cumule[nom] += frame.time
            pile = pile | {nom}
        for enfant in frame.children:
            parcourir(enfant, pile, ici)

    if racine is not None:
        parcourir(racine, frozenset(), "?")
    part = lambda d, n: [(k, round(100 * v / total, 1)) for k, v in sorted(d.items(), key=lambda kv: -kv[1])[:n] if v]  # noqa: E731
    # The driver and the middleware wrappers hold every request (≈100 %): they say nothing.
    cumule = {k: v for k, v in cumule.items() if v < 0.97 * total and not k.startswith(("traverser", "boucle"))}
    return {"domaines": part(par_domaine, 20), "cumule": part(cumule, 300), "propre": part(propre, 100), "total_s": total}


def texte(titre: str, n: int, duree: float, sans: float, c: dict, horloge: str = "processeur") -> str:
    lignes = [
        f"{titre}",
        f"{n} appels : {1000 * sans / n:.2f} ms par appel, {1000 * duree / n:.2f} ms sous le profileur "
        "(machine partagée : lire les parts, pas les durées).",
        "",
        "Parts du temps processeur du fil de la boucle (attentes exclues) :"
        if horloge == "processeur"
        else "Parts du temps mural des requêtes (attentes de la base et d'argon2id comprises) :",
        "",
        "Par domaine (temps propre des fonctions de chaque paquet) :",
        *(f"  {p:5.1f} %  {k}" for k, p in c["domaines"]),
        "",
        "Par fonction, avec ce qu'elle appelle :",
        *(f"  {p:5.1f} %  {k}" for k, p in c["cumule"][:40]),
        "",
        "Par fonction, temps propre :",
        *(f"  {p:5.1f} %  {k}" for k, p in c["propre"][:25]),
        "",
    ]
    return "\n".join(lignes)


# --- The run ----------------------------------------------------------------------------------------


async def comptes_sans_facteur(n: int) -> list[str]:
    """Sign-in accounts without a second factor (gestionnaires; the administrators have passkeys),
    active ones (bench.generer suspends a few, whose sign-in is refused)."""
    from web.tables import Utilisateur

    actifs = (Utilisateur.role == "gestionnaire") & (Utilisateur.statut == "actif")
    rows = await Utilisateur.select(Utilisateur.identifiant).where(actifs).order_by(Utilisateur.id).limit(n)
    return [r["identifiant"] for r in rows]


async def profiler(
    echelle: float,
    requetes: int,
    connexions: int,
    generer: bool,
    seulement: list[str] | None,
    sortie: Path = SORTIE,
    horloge: str = "processeur",
) -> dict:
    from pyinstrument import Profiler
    from pyinstrument.stack_sampler import get_stack_sampler

    from bench import generer as gen
    from web import sessions
    from web.app import create_app
    from web.db import moteur
    from web.settings import Settings
    from web.tables import Utilisateur

    jeu_json = sortie / "jeu.json"
    if generer or not jeu_json.exists():
        print(f"génération des données (échelle {echelle})…", flush=True)
        jeu = await gen.generer(echelle, sortie=jeu_json)
    else:
        jeu = json.loads(jeu_json.read_text())
    engine = moteur()
    pool = engine.engine_type == "postgres"
    if pool:  # as `portail serve` does (web.app, cycle)
        await engine.start_connection_pool(min_size=2, max_size=20)
    settings = Settings.from_env()
    app = create_app(settings, services=False)
    comptes = await comptes_sans_facteur(50)
    principal = await Utilisateur.select(Utilisateur.id).where(Utilisateur.identifiant == jeu["grand_principal"]).first()
    connecte = ClientAsgi(app, {sessions.COOKIE: await sessions.ouvrir(principal["id"], "127.0.0.1")})

    resultats: dict = {"moteur": engine.engine_type, "echelle": jeu["echelle"], "chemins": {}}
    try:
        for nom, titre, requetes_par_appel, action in chemins(jeu, comptes):
            if seulement and nom not in seulement:
                continue
            n = connexions if nom == "connexion" else requetes
            cl = ClientAsgi(app) if nom == "connexion" else connecte
            for i in range(min(20, n)):  # warm: templates compiled, connections open, caches filled
                await action(cl, i)
            debut = time.perf_counter()  # the same requests without the profiler, whose hook slows every call
            for i in range(n):
                await action(cl, i)
            sans = time.perf_counter() - debut
            p = Profiler(interval=0.0002, async_mode="enabled")
            # Processor time of the event loop's thread, by default: on a shared machine the wall
            # clock also counts the moments another process holds the core, charged to whatever
            # frame was running. (pyinstrument's stack sampler takes a timer function.)
            get_stack_sampler().timer_func = time.thread_time if horloge == "processeur" else None

            async def traverser(action=action, cl=cl, n=n) -> None:
                for i in range(n):
                    await action(cl, i)

            debut = time.perf_counter()
            p.start()
            await traverser()
            p.stop()
            get_stack_sampler().timer_func = None
            duree = time.perf_counter() - debut
            c = couts(p.last_session)
            rapport = texte(titre, n, duree, sans, c, horloge)
            (sortie / f"{nom}.txt").write_text(rapport)
            (sortie / f"{nom}.html").write_text(p.output_html())
            print(rapport, flush=True)
            resultats["chemins"][nom] = {
                "titre": titre,
                "appels": n,
                "requetes_par_appel": requetes_par_appel,
                "ms_par_appel": round(1000 * sans / n, 3),
                "ms_par_appel_profile": round(1000 * duree / n, 3),
                "horloge": horloge,
                **c,
            }
    finally:
        if pool:
            await engine.close_connection_pool()
    (sortie / "profil.json").write_text(json.dumps(resultats, ensure_ascii=False, indent=1))
    print(f"Profils : {sortie}/<chemin>.txt et .html", flush=True)
    return resultats


def main(argv: list[str] | None = None) -> None:
    p = argparse.ArgumentParser(description="Profil de chaque chemin mesuré du portail (pyinstrument).")
    p.add_argument("--echelle", type=float, default=0.02, help="taille des données (1 = l'échelle nationale de bench.generer)")
    p.add_argument("--requetes", type=int, default=300, help="requêtes profilées par page")
    p.add_argument("--connexions", type=int, default=20, help="connexions profilées (argon2id compris)")
    p.add_argument("--sans-generer", action="store_true", help="réutiliser les données de var/profil/")
    p.add_argument("--chemin", action="append", help="seulement ce chemin (connexion, accueil, habilitations, recherche, dialogue)")
    p.add_argument(
        "--horloge",
        choices=("processeur", "murale"),
        default="processeur",
        help="temps processeur du fil de la boucle (par défaut : ce que la requête coûte au processus, sans les attentes "
        "ni les moments où la machine sert d'autres processus) ou temps mural (attentes de la base et d'argon2id comprises)",
    )
    p.add_argument("--sortie", type=Path, default=SORTIE, help="dossier des profils (et de la base SQLite par défaut)")
    a = p.parse_args(argv)
    a.sortie.mkdir(parents=True, exist_ok=True)
    # Before anything reads the environment (piccolo_conf builds the engine on first use).
    os.environ.setdefault("PORTAIL_DATABASE_URL", f"sqlite:///{a.sortie.resolve() / 'portail.sqlite'}")
    os.environ.setdefault("PORTAIL_SECRET_KEY", "profil-" + "x" * 40)
    os.environ.setdefault("PORTAIL_COURRIELS_DIR", str(a.sortie / "courriels"))
    os.environ["PORTAIL_ENV"] = "production"
    os.environ["PORTAIL_SERVER_TIMING"] = "0"
    asyncio.run(profiler(a.echelle, a.requetes, a.connexions, not a.sans_generer, a.chemin, a.sortie, a.horloge))


if __name__ == "__main__":
    sys.exit(main())
