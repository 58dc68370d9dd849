"""A small HTTP/1.1 keep-alive client over loopback, with its cookies, and a load loop.

Written for the benchmarks: a general client (httpx) costs more CPU per request than the portal
itself on a small machine, and would then measure itself rather than the server."""

from __future__ import annotations

import asyncio
import json
import re
import ssl
import time
from dataclasses import dataclass, field
from urllib.parse import urlencode

JETON_CSRF = re.compile(rb'name="_csrf_token" value="([^"]+)"')
# The address the benchmarks' portals believe they are served at (PORTAIL_BASE_URL, bench.lancer):
# the origin their passkeys are checked against.
ORIGINE = "https://portail.banc.invalid"


@dataclass
class Reponse:
    statut: int
    entetes: dict[str, str]
    corps: bytes
    duree_ms: float  # seen by the client

    @property
    def serveur_ms(self) -> float | None:
        """The portal's own time (Server-Timing: app;dur=…)."""
        m = re.search(r"dur=([0-9.]+)", self.entetes.get("server-timing", ""))
        return float(m.group(1)) if m else None

    def jeton_csrf(self) -> str:
        m = JETON_CSRF.search(self.corps)
        if not m:
            raise EchecRequete(f"pas de jeton CSRF dans la réponse ({self.statut})")
        return m.group(1).decode()


class EchecRequete(Exception):
    def __init__(self, message: str, *, rien_recu: bool = False) -> None:
        super().__init__(message)
        self.rien_recu = rien_recu


@dataclass
class Client:
    port: int
    cookies: dict[str, str] = field(default_factory=dict)
    tls: ssl.SSLContext | None = None  # through nginx: HTTPS
    _lecteur: asyncio.StreamReader | None = None
    _ecrivain: asyncio.StreamWriter | None = None

    async def requete(self, methode: str, chemin: str, *, formulaire: dict | None = None, entetes: dict | None = None) -> Reponse:
        reutilisee = self._ecrivain is not None
        try:
            return await self._envoyer(methode, chemin, formulaire, entetes)
        except EchecRequete as exc:
            # The server closes a keep-alive connection left idle (uvicorn: after 5 s); like any
            # HTTP client, send again once on a new connection when nothing at all came back.
            if not (reutilisee and exc.rien_recu):
                raise
            return await self._envoyer(methode, chemin, formulaire, entetes)

    async def _envoyer(self, methode: str, chemin: str, formulaire: dict | None, entetes: dict | None) -> Reponse:
        if self._ecrivain is None:
            self._lecteur, self._ecrivain = await asyncio.open_connection(
                "127.0.0.1", self.port, ssl=self.tls, server_hostname="127.0.0.1" if self.tls else None
            )
        corps = urlencode(formulaire).encode() if formulaire is not None else b""
        h = {"Host": f"127.0.0.1:{self.port}", "Accept-Encoding": "identity", "Content-Length": str(len(corps))}
        if formulaire is not None:
            h["Content-Type"] = "application/x-www-form-urlencoded"
        if self.cookies:
            h["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        h.update(entetes or {})
        tete = f"{methode} {chemin} HTTP/1.1\r\n" + "".join(f"{k}: {v}\r\n" for k, v in h.items()) + "\r\n"
        debut = time.perf_counter()
        self._ecrivain.write(tete.encode("latin-1") + corps)
        try:
            await self._ecrivain.drain()
            return await self._lire(debut)
        except (asyncio.IncompleteReadError, ConnectionError) as exc:
            self.fermer()
            rien_recu = isinstance(exc, ConnectionError) or not exc.partial
            raise EchecRequete(f"connexion interrompue : {exc}", rien_recu=rien_recu) from exc

    async def _lire(self, debut: float) -> Reponse:
        assert self._lecteur is not None
        ligne = await self._lecteur.readline()
        if not ligne:
            raise asyncio.IncompleteReadError(b"", None)
        statut = int(ligne.split()[1])
        entetes: dict[str, str] = {}
        while (ligne := await self._lecteur.readline()) not in (b"\r\n", b""):
            nom, _, valeur = ligne.decode("latin-1").partition(":")
            nom, valeur = nom.strip().lower(), valeur.strip()
            if nom == "set-cookie":
                self._cookie(valeur)
            entetes[nom] = valeur
        if entetes.get("transfer-encoding") == "chunked":
            morceaux = []
            while (taille := int((await self._lecteur.readline()).strip() or b"0", 16)) > 0:
                morceaux.append(await self._lecteur.readexactly(taille))
                await self._lecteur.readline()
            await self._lecteur.readline()
            corps = b"".join(morceaux)
        else:
            corps = await self._lecteur.readexactly(int(entetes.get("content-length", "0")))
        if entetes.get("connection", "").lower() == "close":
            self.fermer()
        return Reponse(statut, entetes, corps, (time.perf_counter() - debut) * 1000)

    def _cookie(self, valeur: str) -> None:
        nom_valeur, *attributs = valeur.split(";")
        nom, _, v = nom_valeur.strip().partition("=")
        efface = any(a.strip().lower() in ("max-age=0", "max-age=-1") for a in attributs) or v in ("", '""')
        if efface:
            self.cookies.pop(nom, None)
        else:
            self.cookies[nom] = v

    def fermer(self) -> None:
        if self._ecrivain is not None:
            self._ecrivain.close()
        self._lecteur = self._ecrivain = None

    async def se_connecter(self, identifiant: str, mot_de_passe: str) -> Reponse:
        """The sign-in a person does: the page (CSRF cookie and token), then the form."""
        page = await self.requete("GET", "/connexion")
        if page.statut != 200:
            raise EchecRequete(f"GET /connexion : {page.statut}")
        r = await self.requete(
            "POST", "/connexion", formulaire={"_csrf_token": page.jeton_csrf(), "identifiant": identifiant, "mot_de_passe": mot_de_passe}
        )
        if r.statut == 303 and r.entetes.get("location") == "/connexion/second-facteur":
            r = await self.cle_d_acces(identifiant, page.jeton_csrf())
        if r.statut not in (200, 303) or r.entetes.get("location", "/") != "/":
            raise EchecRequete(f"connexion de {identifiant} : {r.statut} {r.entetes.get('location')}")
        return r

    async def cle_d_acces(self, identifiant: str, jeton: str) -> Reponse:
        """An administrator's second step: the passkey the benchmark data gave them
        (bench.authentificateur), as the browser's navigator.credentials.get answers."""
        from bench.authentificateur import Authentificateur

        options = await self.requete("POST", "/connexion/second-facteur/cle/options", formulaire={"_csrf_token": jeton})
        if options.statut != 200:
            raise EchecRequete(f"second facteur de {identifiant} : {options.statut}")
        demande = json.loads(options.corps)
        reponse = Authentificateur.banc(identifiant).signer(demande["challenge"], origine=ORIGINE, rp_id=demande["rpId"], compteur=0)
        r = await self.requete("POST", "/connexion/second-facteur/cle", formulaire={"_csrf_token": jeton, "reponse": reponse})
        if r.statut != 200:
            raise EchecRequete(f"second facteur de {identifiant} : {r.statut} {r.corps[:200]!r}")
        return r


HTMX = {"HX-Request": "true"}


def htmx(cible: str) -> dict[str, str]:
    return {**HTMX, "HX-Target": cible}


@dataclass
class Charge:
    """What a load run counted."""

    reussies: int = 0
    echecs: int = 0
    durees_ms: list[float] = field(default_factory=list)
    serveur_ms: list[float] = field(default_factory=list)
    secondes: float = 0.0
    erreurs: list[str] = field(default_factory=list)

    @property
    def par_seconde(self) -> float:
        return self.reussies / self.secondes if self.secondes else 0.0

    async def compter(self, client: Client, action, i: int) -> None:
        """One call of `action(client, i)`: its durations, or its failure (the client then
        reconnects)."""
        try:
            r = await action(client, i)
            self.reussies += 1
            self.durees_ms.append(r.duree_ms)
            if r.serveur_ms is not None:
                self.serveur_ms.append(r.serveur_ms)
        except (EchecRequete, OSError, asyncio.IncompleteReadError) as exc:
            self.echecs += 1
            if len(self.erreurs) < 5:
                self.erreurs.append(str(exc))
            client.fermer()


async def charger(clients: list[Client], action, secondes: float, *, plafond: int = 1_000_000) -> Charge:
    """Each client runs `action(client, i)` in a loop for `secondes` (at most `plafond` calls in
    all), one request at a time. `action` returns the Reponse it judged good, or raises."""
    c = Charge()
    fin = time.perf_counter() + secondes
    compteur = iter(range(plafond))

    async def boucle(client: Client) -> None:
        while time.perf_counter() < fin:
            i = next(compteur, None)
            if i is None:
                return
            await c.compter(client, action, i)

    debut = time.perf_counter()
    await asyncio.gather(*(boucle(cl) for cl in clients))
    c.secondes = time.perf_counter() - debut
    return c


def centile(valeurs: list[float], p: float) -> float:
    if not valeurs:
        return float("nan")
    v = sorted(valeurs)
    return v[min(len(v) - 1, max(0, round(p / 100 * len(v) + 0.5) - 1))]
