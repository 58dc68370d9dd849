"""Runs every benchmark against real `portail serve` processes over loopback, for the engine of
PORTAIL_DATABASE_URL, and writes var/bench/resultats-<engine>.json (bench/rapport.py makes the
table). Every load is bounded in time and count and stops by itself.

    python -m bench.lancer [--echelle 1] [--duree 10] [--clients 8] [--deux-instances]
"""

from __future__ import annotations

import argparse
import asyncio
import functools
import gzip
import json
import os
import random
import re
import signal
import socket
import ssl
import subprocess
import sys
import threading
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from bench import SORTIES
from bench.client import ORIGINE, Charge, Client, EchecRequete, centile, charger, htmx
from tests.processus import lignes_du_journal
from web.settings import ROOT, Settings
from web.titulaires.nir import formater

PY = sys.executable


def port_libre() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Serveur:
    """A server process on loopback, stopped (SIGINT, then SIGKILL) when done."""

    def __init__(self, commande: list[str], env: dict[str, str], nom: str) -> None:
        """`commande` holds "{port}" where the port goes."""
        self.port = port_libre()
        self.nom = nom
        self.journal = open(SORTIES / f"{nom}.log", "w")  # noqa: SIM115 - closed in arreter()
        self.proc = subprocess.Popen(
            [a.replace("{port}", str(self.port)) for a in commande],
            env=env,
            cwd=ROOT,
            stdout=self.journal,
            stderr=subprocess.STDOUT,
        )

    async def pret(self, chemin: str = "/connexion", delai: float = 60) -> None:
        fin = time.monotonic() + delai
        while time.monotonic() < fin:
            if self.proc.poll() is not None:
                raise SystemExit(f"{self.nom} s'est arrêté (voir {self.journal.name})")
            try:
                r = await Client(self.port).requete("GET", chemin)
                if r.statut < 500:
                    return
            except (OSError, EchecRequete, asyncio.IncompleteReadError):
                pass
            await asyncio.sleep(0.1)
        raise SystemExit(f"{self.nom} ne répond pas (voir {self.journal.name})")

    def lignes_du_journal(self) -> list[dict]:
        self.journal.flush()
        return lignes_du_journal(Path(self.journal.name))

    async def workers_prets(self, n: int, delai: float = 60) -> None:
        """Until each of `n` workers has logged its start."""
        fin = time.monotonic() + delai
        while sum(x.get("event") == "Application startup complete." for x in self.lignes_du_journal()) < n:
            if time.monotonic() > fin:
                raise SystemExit(f"{self.nom} : {n} workers attendus (voir {self.journal.name})")
            await asyncio.sleep(0.1)

    def requetes_par_processus(self) -> list[int]:
        """How many requests each process served, most first (from the request journal)."""
        par = Counter(x["process"] for x in self.lignes_du_journal() if x.get("event") == "requête")
        return sorted(par.values(), reverse=True)

    def memoire(self) -> dict[str, float]:
        """Resident memory now and at its peak, in MiB (Linux /proc)."""
        etat = Path(f"/proc/{self.proc.pid}/status").read_text()
        lire = lambda cle: int(re.search(rf"{cle}:\s+(\d+) kB", etat).group(1)) / 1024  # noqa: E731
        return {"rss_mio": round(lire("VmRSS"), 1), "pic_mio": round(lire("VmHWM"), 1)}

    def arreter(self) -> None:
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGINT)
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self.journal.close()


def env_portail(**extra: str) -> dict[str, str]:
    """Production settings; two instances share the CSRF key; mail goes to files unless `extra`
    names a server."""
    env = {k: v for k, v in os.environ.items() if k != "PORTAIL_SMTP_URL"}
    return {
        **env,
        "PORTAIL_ENV": "production",  # what is measured is what would serve: templates not re-checked, and so on
        "PORTAIL_SERVER_TIMING": "1",  # the server's own time, read by the search percentiles; off unless asked for
        "PORTAIL_SECRET_KEY": "banc-d-essai-" + "x" * 40,
        "PORTAIL_COURRIELS_DIR": str(SORTIES / "courriels"),
        "PORTAIL_BASE_URL": ORIGINE,  # the passkeys' relying party (bench.client)
        **extra,
    }


def portail(nom: str, **extra: str) -> Serveur:
    return Serveur([PY, "-m", "web.cli", "serve", "--port", "{port}"], env_portail(**extra), nom)


def resume(c: Charge) -> dict:
    return {
        "reussies": c.reussies,
        "echecs": c.echecs,
        "secondes": round(c.secondes, 2),
        "par_seconde": round(c.par_seconde, 1),
        "client_p50_ms": round(centile(c.durees_ms, 50), 2),
        "client_p95_ms": round(centile(c.durees_ms, 95), 2),
        "serveur_p50_ms": round(centile(c.serveur_ms, 50), 2),
        "serveur_p95_ms": round(centile(c.serveur_ms, 95), 2),
        "serveur_p99_ms": round(centile(c.serveur_ms, 99), 2),
        "erreurs": c.erreurs,
    }


# --- 1. Sign-in against argon2id ------------------------------------------------------------------


def debit_argon2(secondes: float) -> dict:
    """Raw verifications per second at the portal's parameters, one thread per core (argon2-cffi
    releases the GIL), in this process: the ceiling a sign-in can reach on these cores. Then one
    thread alone, for half as long: what a second core adds to pure computation, nothing shared,
    is this machine's own ceiling for two processes."""
    from web.comptes.hachage import HASHER

    h = HASHER.hash("mot de passe de mesure")

    def debit(fils: int, duree: float) -> float:
        fin = time.perf_counter() + duree
        compte = [0] * fils

        def boucle(k: int) -> None:
            while time.perf_counter() < fin:
                HASHER.verify(h, "mot de passe de mesure")
                compte[k] += 1

        debut = time.perf_counter()
        with ThreadPoolExecutor(fils) as pool:
            list(pool.map(boucle, range(fils)))
        return sum(compte) / (time.perf_counter() - debut)

    coeurs = os.cpu_count() or 1
    tous = debit(coeurs, secondes)
    return {"threads": coeurs, "par_seconde": round(tous, 1), "un_fil_par_seconde": round(debit(1, secondes / 2), 1)}


async def banc_connexion(port: int, jeu: dict, clients: int, secondes: float) -> dict:
    comptes = jeu["connexions"]

    async def connexion(cl: Client, i: int):
        cl.cookies.clear()
        return await cl.se_connecter(comptes[i % len(comptes)], jeu["mot_de_passe"])

    return resume(await charger([Client(port) for _ in range(clients)], connexion, secondes))


# --- 2. Searches: server time percentiles and plans ----------------------------------------------


async def client_connecte(port: int, identifiant: str, mot_de_passe: str, tls: ssl.SSLContext | None = None) -> Client:
    cl = Client(port, tls=tls)
    await cl.se_connecter(identifiant, mot_de_passe)
    return cl


def frappes(rnd: random.Random, n: int) -> list[str]:
    """What a person types in "Nom", letter by letter: MA, MAR, MART… for random names."""
    from bench.generer import NOMS
    from web.recherche import cle

    sorties: list[str] = []
    while len(sorties) < n:
        nom = cle(rnd.choice(NOMS))
        sorties += [nom[:k] for k in range(1, min(len(nom), 6) + 1)]
    return sorties[:n]


async def banc_recherches(port: int, jeu: dict, n: int) -> dict:
    from urllib.parse import urlencode

    rnd = random.Random(7)
    admin = await client_connecte(port, jeu["grand_principal"], jeu["mot_de_passe"])
    saisies = frappes(rnd, n)

    async def gestionnaire(cl: Client, i: int):
        r = await cl.requete(
            "GET",
            "/habilitations?" + urlencode({"prenom": "", "nom": saisies[i], "identifiant": "", "unite": ""}),
            entetes=htmx("resultats"),
        )
        if r.statut != 200 or b"trouv" not in r.corps:
            raise EchecRequete(f"recherche de gestionnaire : {r.statut}")
        return r

    titulaires = jeu["titulaires"]

    async def titulaire(cl: Client, i: int):
        t = titulaires[i % len(titulaires)]
        saisie = formater(t["nir"]) if i % 2 else t["nir"]  # typed as on the carte Vitale, or compact
        r = await cl.requete("GET", "/?" + urlencode({"nir": saisie, "nom": t["nom"].lower()}), entetes=htmx("resultats-titulaire"))
        if r.statut != 200 or b"/titulaires/" not in r.corps:
            raise EchecRequete(f"recherche de titulaire : {r.statut}, titulaire non trouvé")
        return r

    # One request at a time: these are latencies, not throughput.
    g = await charger([admin], gestionnaire, 3600, plafond=n)
    t = await charger([admin], titulaire, 3600, plafond=n)
    filtres = await banc_filtres(admin, saisies, n)
    return {"gestionnaire": resume(g), "titulaire": resume(t), "filtres": filtres, "plans": await plans(jeu)}


# « Gérer les habilitations » with each filter and sort (issue 15), typed names included: a list
# an administrator of the large organisation would ask for.
VARIANTES = {
    "statut suspendu": {"statut": "suspendu"},
    "jamais connecté": {"statut": "jamais"},
    "rôle délégué": {"role": "delegue"},
    "niveau aucun": {"niveau": "aucun"},
    "unité": {"unite": "2"},
    "inactif 12 mois": {"inactif": "12"},
    "tri identifiant": {"tri": "identifiant"},
    "tri unité": {"tri": "unite"},
    "tri niveau": {"tri": "niveau", "ordre": "desc"},
    "tri dernière connexion": {"tri": "connexion", "ordre": "desc"},
    "suspendus inactifs par connexion": {"statut": "suspendu", "inactif": "6", "tri": "connexion"},
}


async def banc_filtres(admin: Client, saisies: list[str], n: int) -> dict:
    """Server-time percentiles of each variant, `n` requests each, half of them with no name typed
    (the whole organisation, filtered and sorted), half as the name is typed. The variants take
    turns, one request each: a slow spell of the machine (this VM's stolen time, another process)
    falls on all of them alike, where measured one after the other it fell on whichever ran then."""
    from urllib.parse import urlencode

    charges = {nom: Charge() for nom in VARIANTES}

    async def requete(cl: Client, j: int, nom: str, criteres: dict):
        q = {**criteres, "nom": saisies[j % len(saisies)] if j % 2 else ""}
        r = await cl.requete("GET", "/habilitations?" + urlencode(q), entetes=htmx("resultats"))
        if r.statut != 200 or b"trouv" not in r.corps:
            raise EchecRequete(f"liste filtrée ({nom}) : {r.statut}")
        return r

    for j in range(n):
        for nom, criteres in VARIANTES.items():
            await charges[nom].compter(admin, functools.partial(requete, nom=nom, criteres=criteres), j)
    for c in charges.values():
        c.secondes = sum(c.durees_ms) / 1000  # its own requests' time: the variants were interleaved
    return {nom: resume(c) for nom, c in charges.items()}


async def plans(jeu: dict) -> dict:
    """The query plans of both searches, from the engine itself."""
    from web.db import moteur
    from web.habilitations.service import Criteres, requetes_recherche
    from web.tables import Utilisateur
    from web.titulaires.service import requete_recherche

    engine = moteur()
    sqlite = engine.engine_type == "sqlite"
    prefixe = "EXPLAIN QUERY PLAN " if sqlite else "EXPLAIN "
    compte, page = requetes_recherche(1, Criteres(nom="MAR"))
    t = jeu["titulaires"][0]
    sorties = {}
    requetes = [("gestionnaire_compte", compte), ("gestionnaire_page", page), ("titulaire", requete_recherche(1, t["nir"], t["nom"]))]
    for variante, criteres in VARIANTES.items():
        compte, page = requetes_recherche(1, Criteres.lire(criteres))
        requetes += [(f"gestionnaire {variante} : compte", compte), (f"gestionnaire {variante} : page", page)]
    for nom, requete in requetes:
        # run_ddl: the query as the engine compiles it, values inlined (a plan, not a result).
        lignes = await engine.run_ddl(prefixe + str(requete)) if sqlite else await Utilisateur.raw(prefixe + str(requete))
        sorties[nom] = [r.get("detail") or r.get("QUERY PLAN") for r in lignes]
    return sorties


# --- 3. Pages against a bare route -----------------------------------------------------------------


async def banc_pages(port: int, port_nu: int, jeu: dict, clients: int, secondes: float) -> dict:
    connectes = [await client_connecte(port, jeu["grand_principal"], jeu["mot_de_passe"]) for _ in range(clients)]

    def page(chemin: str, attendu: bytes):
        async def action(cl: Client, i: int):
            r = await cl.requete("GET", chemin)
            if r.statut != 200 or attendu not in r.corps:
                raise EchecRequete(f"GET {chemin} : {r.statut}")
            return r

        return action

    return {
        "nu": resume(await charger([Client(port_nu) for _ in range(clients)], page("/nu", b"Route nue"), secondes)),
        "accueil": resume(await charger(connectes, page("/", b"Rechercher un titulaire"), secondes)),
        "habilitations": resume(await charger(connectes, page("/habilitations", "Gérer les habilitations".encode()), secondes)),
    }


# --- 4. Bytes: fragments against their pages, JavaScript and CSS -----------------------------------


def taille(corps: bytes) -> dict:
    return {"octets": len(corps), "gzip": len(gzip.compress(corps, 6))}


async def banc_octets(port: int, jeu: dict) -> dict:
    from urllib.parse import urlencode

    cl = await client_connecte(port, jeu["grand_principal"], jeu["mot_de_passe"])
    t = jeu["titulaires"][0]
    q_g = "/habilitations?" + urlencode({"prenom": "", "nom": "MAR", "identifiant": "", "unite": ""})
    q_t = "/?" + urlencode({"nir": t["nir"], "nom": t["nom"]})
    mesures = {}
    # (name, page, fragment): each a method, a path, the form fields sent (with the page's CSRF
    # token), and the htmx headers of the request the browser makes.
    mdp = {"identifiant": "", "nouveau": "Essai-de-mot-2026", "confirmation": ""}
    for nom, page, fragment in (
        ("Rechercher un gestionnaire (résultats)", ("GET", q_g, None, {}), ("GET", q_g, None, htmx("resultats"))),
        ("Rechercher un titulaire (résultats)", ("GET", q_t, None, {}), ("GET", q_t, None, htmx("resultats-titulaire"))),
        (
            "Ajouter un gestionnaire (dialogue)",
            ("GET", "/habilitations/ajouter", None, {}),
            ("GET", "/habilitations/ajouter", None, htmx("dialogue-contenu")),
        ),
        (
            "Ajouter un gestionnaire (vérification d'un champ)",
            ("GET", "/habilitations/ajouter", None, {}),
            ("POST", "/habilitations/ajouter", {"action": "verifier", "nom": ""}, {**htmx("champ-nom"), "HX-Trigger-Name": "nom"}),
        ),
        (
            "Mot de passe (vérification en direct)",
            ("GET", "/profil/mot-de-passe", None, {}),
            ("POST", "/mot-de-passe/evaluer", mdp, htmx("politique-mdp")),
        ),
    ):
        p = await cl.requete(page[0], page[1], entetes=page[3])
        formulaire = {"_csrf_token": p.jeton_csrf(), **fragment[2]} if fragment[2] else None
        f = await cl.requete(fragment[0], fragment[1], formulaire=formulaire, entetes=fragment[3])
        if p.statut != 200 or f.statut != 200:
            raise EchecRequete(f"{nom} : page {p.statut}, fragment {f.statut}")
        mesures[nom] = {"page": taille(p.corps), "fragment": taille(f.corps)}
    accueil = await cl.requete("GET", "/")
    statiques = {"js": [], "css": []}
    for chemin in re.findall(rb'<script[^>]+src="(/static/[^"]+)"', accueil.corps):
        statiques["js"].append(chemin.decode())
    for chemin in re.findall(rb'<link[^>]+href="(/static/[^"]+\.css)"', accueil.corps):
        statiques["css"].append(chemin.decode())
    fichiers = {}
    for genre, chemins in statiques.items():
        for chemin in chemins:
            r = await cl.requete("GET", chemin)
            if r.statut != 200:
                raise EchecRequete(f"GET {chemin} : {r.statut}")
            fichiers[chemin.split("?")[0]] = {"genre": genre, **taille(r.corps)}
    return {"fragments": mesures, "statiques": fichiers, "connexion": await octets_premiere_visite(port)}


async def octets_premiere_visite(port: int) -> dict:
    """The sign-in page on a first visit (its HTML, CSS and JavaScript, gzipped) and on the next
    ones: the static files' addresses are versioned and kept a year (Cache-Control immutable), so
    only the HTML travels again."""
    cl = Client(port)
    try:
        page = await cl.requete("GET", "/connexion")
        if page.statut != 200:
            raise EchecRequete(f"GET /connexion : {page.statut}")
        html = taille(page.corps)["gzip"]
        css = js = 0
        gardes = True
        for chemin in re.findall(rb'(?:src|href)="(/static/[^"]+\.(?:css|js)\?v=[^"]+)"', page.corps):
            r = await cl.requete("GET", chemin.decode())
            if r.statut != 200:
                raise EchecRequete(f"GET {chemin.decode()} : {r.statut}")
            gardes = gardes and "immutable" in r.entetes.get("cache-control", "")
            if chemin.split(b"?")[0].endswith(b".css"):
                css += taille(r.corps)["gzip"]
            else:
                js += taille(r.corps)["gzip"]
    finally:
        cl.fermer()
    premiere = html + css + js
    return {"html": html, "css": css, "js": js, "premiere_visite": premiere, "visites_suivantes": html if gardes else premiere}


# --- 5. A flood of /mot-de-passe/evaluer against another page -----------------------------------------


async def banc_evaluer(port: int, clients: int, secondes: float) -> dict:
    """/aide's latency seen by one client, alone, then while `clients` others flood the live
    password check (zxcvbn) from the same address, as fast as the server answers them."""

    async def aide(cl: Client, i: int):
        r = await cl.requete("GET", "/aide")
        if r.statut != 200:
            raise EchecRequete(f"GET /aide : {r.statut}")
        return r

    seule = await charger([Client(port)], aide, secondes)
    inondeurs = [Client(port) for _ in range(clients)]
    jetons = [(await cl.requete("GET", "/mot-de-passe/premiere-connexion")).jeton_csrf() for cl in inondeurs]
    refus = [0]

    async def evaluer(cl: Client, i: int):
        mot = f"Essai-{i}-Kq7vTz9mWr4pX"[: 8 + i % 24]
        r = await cl.requete("POST", "/mot-de-passe/evaluer", formulaire={"_csrf_token": jetons[inondeurs.index(cl)], "nouveau": mot})
        if r.statut == 429:
            refus[0] += 1  # the limit per address: an answer, not a failure
        elif r.statut != 200:
            raise EchecRequete(f"POST /mot-de-passe/evaluer : {r.statut}")
        return r

    inondation, pendant = await asyncio.gather(charger(inondeurs, evaluer, secondes), charger([Client(port)], aide, secondes))
    return {
        "aide_seule": resume(seule),
        "aide_pendant": resume(pendant),
        "inondation": {**resume(inondation), "refusees_429": refus[0], "clients": clients},
    }


# --- 6. Two instances on one PostgreSQL -------------------------------------------------------------


def relais_smtp(lenteur: float = 0.0):
    """An SMTP relay on loopback answering each message's data after `lenteur` seconds; returns
    it (started) and the list of recipients it accepted, filled from its own thread."""
    from aiosmtpd.controller import Controller

    recus: list[str] = []
    verrou = threading.Lock()

    class Relais:
        async def handle_DATA(self, server, session, envelope):  # noqa: N802 - aiosmtpd's name
            await asyncio.sleep(lenteur)
            with verrou:
                recus.extend(envelope.rcpt_tos)
            return "250 OK"

    smtp = Controller(Relais(), hostname="127.0.0.1", port=port_libre())
    smtp.start()
    return smtp, recus


async def banc_deux_instances(jeu: dict, clients: int, secondes: float, n_courriels: int) -> dict:
    smtp, recus = relais_smtp()
    a = portail("instance-a", PORTAIL_SMTP_URL=f"smtp://127.0.0.1:{smtp.port}")
    b = portail("instance-b", PORTAIL_SMTP_URL=f"smtp://127.0.0.1:{smtp.port}")
    try:
        await a.pret()
        await b.pret()
        # A session opened on A is used on B.
        cl = await client_connecte(a.port, jeu["grand_principal"], jeu["mot_de_passe"])
        sur_b = Client(b.port, cookies=dict(cl.cookies))
        r = await sur_b.requete("GET", "/habilitations")
        session_partagee = r.statut == 200 and "Gérer les habilitations".encode() in r.corps

        # Mails: renew passwords of gestionnaires of the large organisation, alternately on A and
        # B; both instances' senders deliver the outbox. Each mail must arrive exactly once.
        cibles = list(range(2, 2 + n_courriels))
        envoyes = 0
        for k, gid in enumerate(cibles):
            c = cl if k % 2 == 0 else sur_b
            page = await c.requete("GET", f"/habilitations/{gid}")
            r = await c.requete("POST", f"/habilitations/{gid}/renouveler", formulaire={"_csrf_token": page.jeton_csrf()})
            if r.statut in (200, 303):
                envoyes += 1
        fin = time.monotonic() + 60
        while len(recus) < envoyes and time.monotonic() < fin:  # noqa: ASYNC110 - another thread's list
            await asyncio.sleep(0.2)
        await asyncio.sleep(3)  # a duplicate would arrive now
        doublons = len(recus) - len(set(recus))

        # Load spread over both: signed-in clients, half on each instance.
        connectes = []
        for k in range(clients):
            c = await client_connecte(
                (a if k % 2 == 0 else b).port, jeu["principaux"][1 + k % (len(jeu["principaux"]) - 1)], jeu["mot_de_passe"]
            )
            connectes.append(c)

        async def accueil(c: Client, i: int):
            r = await c.requete("GET", "/")
            if r.statut != 200:
                raise EchecRequete(f"GET / : {r.statut}")
            return r

        await charger(connectes, accueil, 2.0)  # both warmed up first, as the one instance was by the loads before
        charge = await charge_mesuree(connectes, accueil, secondes, [a.proc.pid, b.proc.pid])
        return {
            "session_partagee": session_partagee,
            "courriels_demandes": envoyes,
            "courriels_recus": len(recus),
            "courriels_doublons": doublons,
            "charge": charge,
            "memoire": {"a": a.memoire(), "b": b.memoire()},
        }
    finally:
        a.arreter()
        b.arreter()
        smtp.stop()


# --- 6. One or two worker processes behind nginx ---------------------------------------------------


def cpu_processus(pid: int) -> float:
    """Processor seconds (user + system) used so far by a process and its descendants (Linux /proc)."""
    tic = os.sysconf("SC_CLK_TCK")
    total = 0.0
    pids = [pid]
    while pids:
        p = pids.pop()
        try:
            champs = Path(f"/proc/{p}/stat").read_text().rsplit(")", 1)[1].split()
            total += (int(champs[11]) + int(champs[12])) / tic  # utime, stime
            for tache in Path(f"/proc/{p}/task").iterdir():
                pids += [int(x) for x in (tache / "children").read_text().split()]
        except (OSError, ValueError):
            continue  # ended meanwhile
    return total


def cpu_machine() -> float:
    """Processor seconds the whole machine has been busy, all cores (/proc/stat: all but idle and
    I/O wait)."""
    champs = Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]
    user, nice, system, _idle, _iowait, irq, softirq, steal = (int(x) for x in champs[:8])
    return (user + nice + system + irq + softirq + steal) / os.sysconf("SC_CLK_TCK")


async def charge_mesuree(connectes: list[Client], action, secondes: float, portails: list[int], nginx: int | None = None) -> dict:
    """A load, with the processor time each side used meanwhile: the load client (this process),
    the portal's processes, nginx's, and the whole machine's (the rest: the database server, the
    system, other processes), beside the wall time: which of them fills the cores."""

    def releve() -> tuple[float, ...]:
        return time.process_time(), sum(map(cpu_processus, portails)), cpu_processus(nginx) if nginx else 0.0, cpu_machine()

    debut = time.perf_counter()
    avant = releve()
    charge = resume(await charger(connectes, action, secondes))
    apres = releve()
    duree = time.perf_counter() - debut  # a little over `secondes`: the last requests end
    for cle_, a, b in zip(("cpu_client_s", "cpu_portail_s", "cpu_nginx_s", "cpu_machine_s"), avant, apres, strict=True):
        charge[cle_] = round(b - a, 2)
    charge["cpu_capacite_s"] = round(duree * (os.cpu_count() or 1), 2)
    return charge


async def banc_workers(jeu: dict, clients: int, secondes: float) -> dict:
    """Signed-in pages through nginx (TLS, deploy/nginx/portail.conf) in front of one `portail serve`
    with --workers 1, then 2: what a second process adds on these cores."""
    from tests.processus import Nginx, nginx_disponible

    if nginx_disponible() is None:
        return {"absent": "nginx introuvable (apt-get install nginx)"}
    sorties: dict = {}
    for n in (1, 2):
        s = Serveur([PY, "-m", "web.cli", "serve", "--port", "{port}", "--workers", str(n)], env_portail(), f"workers-{n}")
        try:
            await s.pret()
            await s.workers_prets(n)  # nginx's connections opened before a worker listens would all go to the others
            nginx = Nginx([f"127.0.0.1:{s.port}"])
            try:
                tls = ssl.create_default_context(cafile=nginx.certificat)
                connectes = [
                    await client_connecte(nginx.port, jeu["principaux"][1 + k % (len(jeu["principaux"]) - 1)], jeu["mot_de_passe"], tls)
                    for k in range(clients)
                ]

                async def accueil(c: Client, i: int):
                    r = await c.requete("GET", "/")
                    if r.statut != 200 or b"Rechercher un titulaire" not in r.corps:
                        raise EchecRequete(f"GET / à travers nginx : {r.statut}")
                    return r

                await charger(connectes, accueil, 2.0)  # every worker warmed up (templates, connections) first
                charge = await charge_mesuree(connectes, accueil, secondes, [s.proc.pid], nginx.proc.pid)
                charge["requetes_par_processus"] = s.requetes_par_processus()  # warm-up included
                sorties[str(n)] = charge
            finally:
                nginx.arreter()
        finally:
            s.arreter()
    return sorties


# --- 7. Mail through a relay slower than the old 15 s client timeout -------------------------------


async def banc_relais_lent(jeu: dict, lenteur: float, n_courriels: int) -> dict:
    """A relay that answers each message's data after `lenteur` seconds (20 by default: more than the
    15 s the portal's client used to wait). Renewals ask for `n_courriels` mails; each must arrive
    once, none again after the lease."""
    smtp, recus = relais_smtp(lenteur)
    s = portail("relais-lent", PORTAIL_SMTP_URL=f"smtp://127.0.0.1:{smtp.port}")
    try:
        await s.pret()
        cl = await client_connecte(s.port, jeu["grand_principal"], jeu["mot_de_passe"])
        demandes = 0
        debut = time.monotonic()
        for gid in range(2, 2 + n_courriels):
            page = await cl.requete("GET", f"/habilitations/{gid}")
            r = await cl.requete("POST", f"/habilitations/{gid}/renouveler", formulaire={"_csrf_token": page.jeton_csrf()})
            demandes += r.statut in (200, 303)
        fin = time.monotonic() + 4 * lenteur + 60
        while len(recus) < demandes and time.monotonic() < fin:  # noqa: ASYNC110 - the relay's thread fills it
            await asyncio.sleep(0.2)
        duree = time.monotonic() - debut
        await asyncio.sleep(lenteur + 3)  # a second delivery of any of them would have begun by now
        return {
            "lenteur_s": lenteur,
            "courriels_demandes": demandes,
            "courriels_recus": len(recus),
            "courriels_doublons": len(recus) - len(set(recus)),
            "secondes_pour_tout_remettre": round(duree, 1),
        }
    finally:
        s.arreter()
        smtp.stop()


# --- The run -------------------------------------------------------------------------------------


async def moteur_et_jeu(echelle: float, generer: bool, titulaires: int | None = None) -> tuple[str, dict]:
    """The engine of PORTAIL_DATABASE_URL, and the data set: generated at `echelle` (with as many
    `titulaires`, when given), or the last one."""
    from bench import generer as gen

    SORTIES.mkdir(parents=True, exist_ok=True)
    moteur = "postgresql" if Settings.from_env().database_url.startswith("postgres") else "sqlite"
    if generer:
        print(f"[{moteur}] génération des données (échelle {echelle})…", flush=True)
        return moteur, await gen.generer(echelle, titulaires=titulaires)
    return moteur, json.loads(gen.JEU.read_text())


async def lancer(
    echelle: float,
    duree: float,
    clients: int,
    n_recherches: int,
    deux: bool,
    generer: bool,
    lenteur_relais: float = 20.0,
    titulaires: int | None = None,
) -> dict:
    moteur, jeu = await moteur_et_jeu(echelle, generer, titulaires)
    res: dict = {
        "moteur": moteur,
        "echelle": echelle,
        "duree_s": duree,
        "clients": clients,
        "generation": {"lignes": jeu["lignes"], "secondes": jeu["duree_s"]},
    }

    print(f"[{moteur}] argon2id brut…", flush=True)
    res["argon2"] = await asyncio.to_thread(debit_argon2, duree)
    serveur = portail(f"portail-{moteur}")
    nu = Serveur([PY, "-m", "bench.nu", "{port}"], env_portail(), "route-nue")
    etapes = res["memoire_etapes"] = {}  # the server's resident memory after each load
    try:
        await serveur.pret()
        await nu.pret("/nu")
        etapes["démarré"] = serveur.memoire()["rss_mio"]
        print(f"[{moteur}] connexions…", flush=True)
        res["connexion"] = await banc_connexion(serveur.port, jeu, clients, duree)
        etapes["connexions"] = serveur.memoire()["rss_mio"]
        print(f"[{moteur}] recherches…", flush=True)
        res["recherches"] = await banc_recherches(serveur.port, jeu, n_recherches)
        etapes["recherches"] = serveur.memoire()["rss_mio"]
        print(f"[{moteur}] export de la liste des gestionnaires…", flush=True)
        from bench.listes import banc_export

        res["export"] = await banc_export(serveur.port, serveur.proc.pid, jeu)
        etapes["export"] = serveur.memoire()["rss_mio"]
        print(f"[{moteur}] pages…", flush=True)
        res["pages"] = await banc_pages(serveur.port, nu.port, jeu, clients, duree)
        res["octets"] = await banc_octets(serveur.port, jeu)
        etapes["pages"] = serveur.memoire()["rss_mio"]
        print(f"[{moteur}] inondation de /mot-de-passe/evaluer…", flush=True)
        res["evaluer"] = await banc_evaluer(serveur.port, max(clients, 20), duree)
        res["memoire"] = serveur.memoire()
    finally:
        serveur.arreter()
        nu.arreter()
    print(f"[{moteur}] un ou deux processus derrière nginx…", flush=True)
    res["workers"] = await banc_workers(jeu, clients, duree)
    print(f"[{moteur}] courriels à travers un relais lent ({lenteur_relais:g} s)…", flush=True)
    res["relais_lent"] = await banc_relais_lent(jeu, lenteur_relais, n_courriels=4)
    if deux:
        print(f"[{moteur}] deux instances…", flush=True)
        res["deux_instances"] = await banc_deux_instances(jeu, clients, duree, n_courriels=max(4, min(50, n_recherches // 10)))
    sortie = SORTIES / f"resultats-{moteur}.json"
    sortie.write_text(json.dumps(res, ensure_ascii=False, indent=1))
    print(f"[{moteur}] résultats : {sortie}", flush=True)
    return res


def echecs(res: dict) -> int:
    """Every failed request of a run (the target is zero)."""
    total = 0
    for cle_, valeur in res.items():
        if isinstance(valeur, dict):
            total += echecs(valeur)
        elif cle_ == "echecs":
            total += valeur
    return total


def main(argv: list[str] | None = None) -> None:
    p = argparse.ArgumentParser(description="Bancs d'essai du portail sur le moteur de PORTAIL_DATABASE_URL.")
    p.add_argument("--echelle", type=float, default=1.0)
    p.add_argument("--duree", type=float, default=10.0, help="secondes de chaque charge")
    p.add_argument("--clients", type=int, default=8, help="clients simultanés")
    p.add_argument("--recherches", type=int, default=1000, help="requêtes de chaque recherche")
    p.add_argument("--deux-instances", action="store_true", help="deux `portail serve` sur la même base")
    p.add_argument("--sans-generer", action="store_true", help="réutiliser la base déjà générée")
    p.add_argument("--lenteur-relais", type=float, default=20.0, help="secondes du relais SMTP lent (l'ancien délai était de 15 s)")
    p.add_argument("--titulaires", type=int, help="autant de titulaires, quelle que soit l'échelle (6000000 : le pays entier)")
    a = p.parse_args(argv)
    res = asyncio.run(
        lancer(a.echelle, a.duree, a.clients, a.recherches, a.deux_instances, not a.sans_generer, a.lenteur_relais, a.titulaires)
    )
    n = echecs(res)
    d = res.get("deux_instances")
    lent = res["relais_lent"]
    if (
        n
        or (d and (not d["session_partagee"] or d["courriels_doublons"] or d["courriels_recus"] != d["courriels_demandes"]))
        or lent["courriels_doublons"]
        or lent["courriels_recus"] != lent["courriels_demandes"]
    ):
        print(f"Échec : {n} requête(s) en échec, ou deux instances incohérentes : voir var/bench/.", file=sys.stderr)
        sys.exit(1)


if __name__ == "__main__":
    main()
