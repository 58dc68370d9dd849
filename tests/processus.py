"""Real processes for the tests that cross a network: `portail serve` instances and nginx in
front of them, running the production example of deploy/nginx/ with a self-signed certificate."""

from __future__ import annotations

import datetime as dt
import json
import os
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
NGINX_SITE = ROOT / "deploy" / "nginx" / "portail.conf"


def port_libre() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def attendre_port(port: int, proc: subprocess.Popen, journal: Path, delai: float = 30) -> None:
    fin = time.monotonic() + delai
    while time.monotonic() < fin:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.2):
                return
        except OSError:
            if proc.poll() is not None:
                raise RuntimeError(journal.read_text(errors="replace")) from None
            time.sleep(0.1)
    raise RuntimeError(f"rien n'écoute sur le port {port} :\n{journal.read_text(errors='replace')}")


def arreter(proc: subprocess.Popen) -> None:
    if proc.poll() is None:
        proc.terminate()
        try:
            proc.wait(10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(5)


def lignes_du_journal(chemin: Path) -> list[dict]:
    """The JSON lines of a `portail serve` journal (its request journal and the rest of its log),
    in order; the few lines that are not JSON (its first words, a traceback) are left out."""
    return [json.loads(x) for x in chemin.read_text().splitlines() if x.startswith("{")]


class Portail:
    """`portail serve` on a free loopback port, with the suite's environment plus `env`."""

    def __init__(
        self, *args: str, env: dict[str, str] | None = None, nom: str = "serveur", port: int | None = None, attendre: bool = True
    ) -> None:
        """`attendre`: until the port answers; False: back as soon as the process is started."""
        self.port = port or port_libre()
        self.url = f"http://127.0.0.1:{self.port}"
        self.journal = Path(os.environ["PORTAIL_COURRIELS_DIR"]).parent / f"{nom}-{self.port}.log"
        with open(self.journal, "wb") as sortie:
            self.proc = subprocess.Popen(
                [sys.executable, "-m", "web.cli", "serve", "--port", str(self.port), *args],
                cwd=ROOT,
                env={**os.environ, **(env or {})},
                stdout=sortie,
                stderr=subprocess.STDOUT,
            )
        if attendre:
            attendre_port(self.port, self.proc, self.journal)

    def lignes(self) -> list[dict]:
        return lignes_du_journal(self.journal)

    def arreter(self) -> None:
        arreter(self.proc)


def certificat_autosigne(dossier: Path, nom: str = "localhost") -> tuple[Path, Path]:
    """A throwaway certificate for 127.0.0.1 and `nom`, valid one day."""
    import ipaddress

    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    cle = ec.generate_private_key(ec.SECP256R1())
    sujet = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, nom)])
    maintenant = dt.datetime.now(dt.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(sujet)
        .issuer_name(sujet)
        .public_key(cle.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(maintenant - dt.timedelta(minutes=5))
        .not_valid_after(maintenant + dt.timedelta(days=1))
        .add_extension(x509.SubjectAlternativeName([x509.DNSName(nom), x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]), False)
        .sign(cle, hashes.SHA256())
    )
    chemin_cert, chemin_cle = dossier / "fullchain.pem", dossier / "privkey.pem"
    chemin_cert.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    chemin_cle.write_bytes(cle.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()))
    return chemin_cert, chemin_cle


def nginx_disponible() -> str | None:
    return shutil.which("nginx") or next((p for p in ("/usr/sbin/nginx",) if os.path.exists(p)), None)


def _remplacer(texte: str, motif: str, par: str, *, compte: int | None = None) -> str:
    """Each substitution must apply: a test must fail if the deployed file drifts from what it runs."""
    nouveau, n = re.subn(motif, par, texte, flags=re.MULTILINE)
    if n == 0 or (compte is not None and n != compte):
        raise AssertionError(f"{NGINX_SITE.name} : « {motif} » trouvé {n} fois")
    return nouveau


class Nginx:
    """nginx from the distribution running deploy/nginx/portail.conf: TLS on a free port of
    127.0.0.1, in front of `amonts` (the portal instances' "host:port")."""

    def __init__(self, amonts: list[str], *, remplacements: dict[str, str] | None = None) -> None:
        """`remplacements`: more substitutions (pattern: replacement), each of which must apply,
        e.g. a shorter timeout for a test that waits for it."""
        binaire = nginx_disponible()
        if binaire is None:
            raise RuntimeError("nginx est introuvable (apt-get install nginx)")
        self.dossier = Path(tempfile.mkdtemp(prefix="portail-nginx-"))
        self.port = port_libre()
        self.port_http = port_libre()
        self.url = f"https://127.0.0.1:{self.port}"
        cert, cle = certificat_autosigne(self.dossier)
        self.certificat = cert
        site = NGINX_SITE.read_text()
        site = _remplacer(site, r"^(\s*)server 127\.0\.0\.1:\d+;\n", "", compte=None)
        site = _remplacer(site, r"^(\s*)keepalive ", "".join(f"\\1server {a};\n" for a in amonts) + r"\1keepalive ", compte=1)
        site = _remplacer(site, r"listen 443 ssl", f"listen 127.0.0.1:{self.port} ssl", compte=1)
        site = _remplacer(site, r"listen 80;", f"listen 127.0.0.1:{self.port_http};", compte=1)
        site = _remplacer(site, r"/etc/ssl/portail/fullchain\.pem", str(cert), compte=1)
        site = _remplacer(site, r"/etc/ssl/portail/privkey\.pem", str(cle), compte=1)
        site = site.replace("/opt/portail/static/", f"{ROOT / 'static'}/")
        for motif, par in (remplacements or {}).items():
            site = _remplacer(site, motif, par, compte=1)
        (self.dossier / "portail.conf").write_text(site)
        d = self.dossier
        # Debian's main nginx.conf, reduced to what a test needs: no root-owned paths, no daemon.
        (d / "nginx.conf").write_text(
            f"""worker_processes 1;
pid {d}/nginx.pid;
error_log {d}/error.log warn;
daemon off;
{"user root;" if os.geteuid() == 0 else ""}
events {{ worker_connections 256; }}
http {{
    include /etc/nginx/mime.types;
    default_type application/octet-stream;
    access_log off;
    client_body_temp_path {d}/body;
    proxy_temp_path {d}/proxy;
    fastcgi_temp_path {d}/fastcgi;
    uwsgi_temp_path {d}/uwsgi;
    scgi_temp_path {d}/scgi;
    include {d}/portail.conf;
}}
"""
        )
        self.journal = d / "sortie.log"
        with open(self.journal, "wb") as sortie:
            self.proc = subprocess.Popen(
                [binaire, "-p", str(d), "-c", str(d / "nginx.conf"), "-e", str(d / "error.log")], stdout=sortie, stderr=subprocess.STDOUT
            )
        attendre_port(self.port, self.proc, d / "error.log")

    def arreter(self) -> None:
        arreter(self.proc)
        shutil.rmtree(self.dossier, ignore_errors=True)


def binaires_postgresql() -> Path | None:
    """The newest PostgreSQL server programs installed (Debian: /usr/lib/postgresql/N/bin)."""
    versions = sorted(Path("/usr/lib/postgresql").glob("*/bin/initdb"), key=lambda p: int(p.parent.parent.name))
    if versions:
        return versions[-1].parent
    initdb = shutil.which("initdb")
    return Path(initdb).parent if initdb else None


class PostgresJetable:
    """A PostgreSQL cluster of its own on a free loopback port (what scripts/avec-postgresql does
    for the suite), for a test that stops and starts its server."""

    def __init__(self) -> None:
        self.bin = binaires_postgresql()
        if self.bin is None:
            raise RuntimeError("PostgreSQL est introuvable (apt-get install postgresql)")
        self.dossier = Path(tempfile.mkdtemp(prefix="portail-pg-"))
        self.port = port_libre()
        self.url = f"postgresql://portail@127.0.0.1:{self.port}/portail"
        if os.geteuid() == 0:  # initdb refuses root: the cluster belongs to the postgres user
            shutil.chown(self.dossier, "postgres")
        self._lancer("initdb", "-D", str(self.dossier / "data"), "-U", "portail", "--auth=trust", "-E", "UTF8", "--locale=C.UTF-8")
        self.demarrer()
        self._lancer("createdb", "-h", "127.0.0.1", "-p", str(self.port), "-U", "portail", "portail")

    def _lancer(self, programme: str, *args: str) -> None:
        commande = [str(self.bin / programme), *args]
        if os.geteuid() == 0:
            commande = ["runuser", "-u", "postgres", "--", *commande]
        subprocess.run(commande, check=True, capture_output=True, timeout=60)

    def demarrer(self) -> None:
        options = f"-c listen_addresses=127.0.0.1 -p {self.port} -k {self.dossier} -c fsync=off"
        self._lancer("pg_ctl", "-D", str(self.dossier / "data"), "-l", str(self.dossier / "log"), "-w", "-o", options, "start")

    def arreter(self, mode: str = "fast") -> None:
        self._lancer("pg_ctl", "-D", str(self.dossier / "data"), "-m", mode, "-w", "stop")

    def supprimer(self) -> None:
        try:
            self.arreter("immediate")
        except subprocess.CalledProcessError:
            pass  # already stopped
        shutil.rmtree(self.dossier, ignore_errors=True)


def commande_portail(*args: str, env: dict[str, str] | None = None, timeout: float = 120) -> subprocess.CompletedProcess:
    """`portail …` run to its end, with the suite's environment plus `env`."""
    commande = [sys.executable, "-m", "web.cli", *args]
    return subprocess.run(commande, cwd=ROOT, env={**os.environ, **(env or {})}, capture_output=True, text=True, timeout=timeout)


class Frontal:
    """The production set-up in small: nginx (deploy/nginx/portail.conf, TLS) in front of `n`
    `portail serve` instances started with `args` and the suite's environment plus `env`."""

    def __init__(self, n: int = 2, *args: str, env: dict[str, str] | None = None, remplacements: dict[str, str] | None = None) -> None:
        self.portails: list[Portail] = []
        try:
            for i in range(n):
                self.portails.append(Portail(*args, env=env, nom=f"instance-{i + 1}"))
            self.nginx = Nginx([f"127.0.0.1:{p.port}" for p in self.portails], remplacements=remplacements)
        except Exception:
            self.arreter()
            raise
        self.url = self.nginx.url
        self.certificat = self.nginx.certificat

    def arreter(self) -> None:
        if hasattr(self, "nginx"):
            self.nginx.arreter()
        for p in self.portails:
            p.arreter()
