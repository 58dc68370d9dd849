"""`portail serve` as production runs it: several workers share sessions, send each mail once and
run the housekeeping once per period; a stop lets the mail being sent finish; an idle connection
is closed after --timeout-keep-alive."""

from __future__ import annotations

import asyncio
import os
import signal
import socket
import time
from pathlib import Path

import httpx

from tests.processus import Portail, port_libre
from tests.unit.conftest import connecte, creer_organisme
from tests.unit.test_courriels import Boite, Relais
from web import courriels
from web.tables import Courriel, Session, Tache, Utilisateur
from web.temps import maintenant


async def attendre(condition, delai: float = 20) -> None:
    fin = time.monotonic() + delai
    while not await condition():
        assert time.monotonic() < fin, "délai dépassé"
        await asyncio.sleep(0.2)


async def test_deux_workers_partagent_les_sessions_le_courrier_et_le_menage(base_vide, settings):
    from datetime import timedelta

    admin = await creer_organisme(settings)
    with Relais(Boite()) as r:
        env = {"PORTAIL_SMTP_URL": r.settings(settings).smtp_url, "PORTAIL_MENAGE_INTERVALLE": "1"}
        p = Portail("--workers", "2", env=env, nom="deux-workers")
        try:
            # Sessions: signed in once, then many requests on fresh connections, spread over both workers.
            async with httpx.AsyncClient(base_url=p.url, limits=httpx.Limits(max_keepalive_connections=0), timeout=30) as c:
                await connecte(c, admin)
                reponses = await asyncio.gather(*(c.get("/habilitations") for _ in range(60)))
            assert all(x.status_code == 200 and "Gérer les habilitations" in x.text for x in reponses)
            servi_par = {x["process"] for x in p.lignes() if x.get("event") == "requête" and x.get("route") == "/habilitations"}
            assert len(servi_par) == 2

            # Mail: each worker runs a sender; each message arrives once.
            for i in range(12):
                await courriels.mettre_en_file(f"p{i}@example.fr", "Sujet", "Corps")
            await attendre(_tous_envoyes)
            await asyncio.sleep(1)
            recus = [x for x in r.boite.recus if x.startswith("p")]
            assert sorted(recus) == sorted(f"p{i}@example.fr" for i in range(12))

            # Housekeeping: an expired session goes; one run per period between the two workers.
            u = (await Utilisateur.select(Utilisateur.id).first())["id"]
            vieux = maintenant() - timedelta(hours=1)
            await Session.insert(Session(jeton_hash="expiree", utilisateur=u, cree_le=vieux, vu_le=vieux))
            await attendre(lambda: _absente("expiree"))
            avant = (await Tache.objects().where(Tache.nom == "menage").first()).executions
            await asyncio.sleep(3)
            apres = (await Tache.objects().where(Tache.nom == "menage").first()).executions
            assert 2 <= apres - avant <= 4
        finally:
            p.arreter()
    # A run may start between the last read and the stop: count the claimed runs once both workers are gone.
    fin = (await Tache.objects().where(Tache.nom == "menage").first()).executions
    passages = [x for x in p.lignes() if x.get("event", "").startswith("ménage fait")]
    assert apres <= len(passages) <= fin  # each claimed run done (and logged) by one worker only
    assert len({x["process"] for x in passages}) >= 1


def ecoutes(port: int) -> int:
    """How many sockets listen on the loopback `port` (Linux: /proc/net/tcp, state 0A)."""
    n = 0
    for ligne in Path("/proc/net/tcp").read_text().splitlines()[1:]:
        champs = ligne.split()
        n += champs[1] == f"0100007F:{port:04X}" and champs[3] == "0A"
    return n


async def prets(p: Portail, n: int) -> bool:
    """Whether `n` workers of `p` have started, in all (one replaced counts again)."""
    return sum(x.get("event") == "Application startup complete." for x in p.lignes()) == n


async def test_chaque_worker_ecoute_sur_sa_propre_socket(base_vide, settings):
    """With one socket shared by the workers, whichever was awake took nginx's connections (which
    it keeps open and sends every request through): behind nginx one worker served 1,699 requests
    and the other 1 (bench/RESULTS.md). Each worker now listens on a socket of its own on the
    port (SO_REUSEPORT), and the kernel shares the connections out among them; a worker that dies
    is replaced, with its socket."""
    p = Portail("--workers", "2", nom="sockets")
    try:
        await attendre(lambda: prets(p, 2))
        assert ecoutes(p.port) == 2
        async with httpx.AsyncClient(base_url=p.url, limits=httpx.Limits(max_keepalive_connections=0), timeout=30) as c:
            reponses = await asyncio.gather(*(c.get("/connexion") for _ in range(40)))
        assert all(r.status_code == 200 for r in reponses)
        servi_par = {x["process"] for x in p.lignes() if x.get("event") == "requête" and x.get("route") == "/connexion"}
        assert len(servi_par) == 2

        # A worker that dies is replaced, and the port keeps answering meanwhile.
        os.kill(servi_par.pop(), signal.SIGKILL)
        await attendre(lambda: prets(p, 3))
        assert ecoutes(p.port) == 2
        async with httpx.AsyncClient(base_url=p.url, limits=httpx.Limits(max_keepalive_connections=0), timeout=30) as c:
            reponses = await asyncio.gather(*(c.get("/connexion") for _ in range(20)))
        assert all(r.status_code == 200 for r in reponses)
    finally:
        p.arreter()


def refus(port: int) -> str:
    return f"Erreur : le port {port} n'est pas disponible (déjà pris, par un autre programme ou un autre « portail serve »)."


async def repond_seul(p: Portail) -> None:
    """`p` alone listens on its port, with its two workers, and answers."""
    assert ecoutes(p.port) == 2
    async with httpx.AsyncClient(base_url=p.url, limits=httpx.Limits(max_keepalive_connections=0), timeout=30) as c:
        reponses = await asyncio.gather(*(c.get("/connexion") for _ in range(20)))
    assert all(r.status_code == 200 for r in reponses)


async def test_un_second_serve_sur_le_meme_port_est_refuse(base_vide, settings):
    """With SO_REUSEPORT the kernel lets another socket of the same user join the port: a second
    `portail serve --workers 2` started there by mistake shared the connections with the first,
    without a word. It is refused, as when another program holds the port, and the first goes on."""
    p = Portail("--workers", "2", nom="premier")
    try:
        await attendre(lambda: prets(p, 2))
        second = Portail("--workers", "2", port=p.port, nom="second", attendre=False)
        try:
            code = await asyncio.to_thread(second.proc.wait, 20)
        finally:
            second.arreter()
        assert code != 0
        assert refus(p.port) in second.journal.read_text()
        await repond_seul(p)
    finally:
        p.arreter()


def test_un_autre_programme_qui_partage_son_port_le_garde(base_migree):
    """Another program of the same user listening with SO_REUSEPORT (nginx's `reuseport`, say)
    would have let the workers join it: the port is refused all the same."""
    with socket.socket() as autre:
        autre.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
        autre.bind(("127.0.0.1", 0))
        autre.listen()
        port = autre.getsockname()[1]
        p = Portail("--workers", "2", port=port, nom="autre-programme", attendre=False)
        try:
            code = p.proc.wait(20)
        finally:
            p.arreter()
        assert code != 0
        assert refus(port) in p.journal.read_text()
        assert ecoutes(port) == 1


async def test_deux_serve_lances_ensemble_sur_le_meme_port_un_seul_reste(base_vide, settings):
    """Until its workers listen (a second or two), an instance holds the port by a bound socket
    only: two started together on one port must not both start."""
    port = port_libre()
    instances = [Portail("--workers", "2", port=port, nom=nom, attendre=False) for nom in ("a", "b")]
    try:

        async def un_arrete() -> bool:
            return any(i.proc.poll() is not None for i in instances)

        await attendre(un_arrete)
        refusee, restee = sorted(instances, key=lambda i: i.proc.poll() is None)
        assert refusee.proc.returncode != 0
        assert refus(port) in refusee.journal.read_text()
        await attendre(lambda: prets(restee, 2))
        await repond_seul(restee)
        assert restee.proc.poll() is None
    finally:
        for i in instances:
            i.arreter()


async def _tous_envoyes() -> bool:
    return not await Courriel.exists().where(Courriel.statut != "envoye")


async def _absente(jeton: str) -> bool:
    return not await Session.exists().where(Session.jeton_hash == jeton)


async def test_un_arret_laisse_finir_le_courriel_en_cours_d_envoi(base_vide, settings):
    with Relais(Boite(lenteur=3)) as r:
        p = Portail(env={"PORTAIL_SMTP_URL": r.settings(settings).smtp_url}, nom="arret")
        try:
            await courriels.mettre_en_file("lent@example.fr", "Sujet", "Corps")
            await attendre(_en_cours)
            await asyncio.sleep(0.5)  # the relay holds the data now
            p.proc.send_signal(signal.SIGTERM)
            await asyncio.to_thread(p.proc.wait, 30)
        finally:
            p.arreter()
        assert r.boite.recus == ["lent@example.fr"]
    c = await Courriel.objects().first()
    assert c.statut == "envoye"  # not left claimed, to be sent again after the claim expires


async def _en_cours() -> bool:
    return await Courriel.exists().where(Courriel.statut == "en_cours")


def test_une_connexion_oisive_est_fermee(base_migree):
    p = Portail("--timeout-keep-alive", "1", nom="oisive")
    try:
        with socket.create_connection(("127.0.0.1", p.port), timeout=10) as s:
            s.sendall(b"GET /sante HTTP/1.1\r\nHost: x\r\n\r\n")
            assert b"200 OK" in s.recv(4096)
            debut = time.monotonic()
            while s.recv(4096):  # until the server closes it
                pass
            assert time.monotonic() - debut < 5
    finally:
        p.arreter()
