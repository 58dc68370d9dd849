"""The `portail` command: serve, migrate, demo, organisme inscrire."""

from __future__ import annotations

import asyncio
import contextlib
import errno
import io
import os
import shutil
import socket
import sqlite3
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

import click

from web.importation.cli import gestionnaires
from web.settings import Settings
from web.titulaires.cli import titulaires


def _run(coro):
    return asyncio.run(coro)


def _echec(message: str) -> None:
    click.echo(f"Erreur : {message}", err=True)
    sys.exit(1)


async def _statuts() -> list:
    """Every migration of the portal, in order, with its description and whether it has run."""
    from piccolo.apps.migrations.commands.check import CheckMigrationManager

    return await CheckMigrationManager(app_name="portail").get_migration_statuses()


async def _migrations_en_attente() -> list[str]:
    return [r.migration_id for r in await _statuts() if not r.has_ran]


@dataclass(frozen=True)
class Migrations:
    total: int
    appliquees: list[tuple[str, str]]  # (id, description), in the order they ran

    def lignes(self, detail: bool = True) -> list[str]:
        """Short French lines, in order; Piccolo's own progress lines are never shown."""
        if not self.appliquees:
            return [f"Base de données déjà à jour ({self.total} migrations)."]
        lignes = [f"Migration {ident[:19]} appliquée : {description}" for ident, description in self.appliquees] if detail else []
        n = len(self.appliquees)
        return [*lignes, f"Base de données à jour : {n} migration{'s' if n > 1 else ''} appliquée{'s' if n > 1 else ''} sur {self.total}."]


async def _migrer() -> Migrations:
    from piccolo.apps.migrations.commands.forwards import run_forwards
    from piccolo.engine.sqlite import SQLiteEngine

    from web.db import moteur

    engine = moteur()
    if isinstance(engine, SQLiteEngine):
        engine.creer_fichier()  # the only place a database file is created
        # WAL lets readers work while one writer commits; it is stored in the file.
        await engine.run_ddl("PRAGMA journal_mode=WAL")
    statuts = await _statuts()
    with contextlib.redirect_stdout(io.StringIO()) as sortie:
        result = await run_forwards(app_name="portail", migration_id="all")
    if not result.success:
        click.echo(sortie.getvalue(), err=True)
        _echec(f"migration impossible : {result.message}")
    return Migrations(len(statuts), [(r.migration_id, r.description) for r in statuts if not r.has_ran])


def _entier(nom: str, defaut: int, maximum: int, aide: str):
    """An integer option from 1 to `maximum`."""
    return click.option(nom, default=defaut, show_default=True, type=click.IntRange(1, maximum), help=aide)


@click.group(help="Portail gestionnaire du SI CPF.")
def main() -> None:
    pass


@main.command(help="Sert le portail (par défaut sur http://127.0.0.1:8000).")
@click.option("--host", default="127.0.0.1", show_default=True, help="Adresse d'écoute.")
@click.option("--port", default=8000, show_default=True, type=int, help="Port d'écoute.")
# Production: processes, and how long connections and a stop may last (README « En production »).
@_entier("--workers", 1, 64, "Nombre de processus.")
@_entier("--timeout-keep-alive", 5, 300, "Secondes avant de fermer une connexion oisive.")
@_entier(
    "--timeout-graceful-shutdown",
    30,
    3600,
    "Secondes laissées aux requêtes en cours à l'arrêt (les courriels en cours d'envoi en ont 20 de plus).",
)
@_entier("--limit-concurrency", 1000, 100_000, "Connexions et requêtes simultanées par processus au-delà desquelles il répond 503.")
# Behind a reverse proxy: the client's address, which the sign-in limits count, comes from
# X-Forwarded-For only when the peer is one of the trusted proxies (uvicorn's own support).
@click.option("--proxy-headers", is_flag=True, help="Derrière un mandataire inverse : adresse du client lue dans X-Forwarded-For.")
@click.option(
    "--forwarded-allow-ips",
    envvar="PORTAIL_FORWARDED_ALLOW_IPS",
    default=None,
    help="Mandataires de confiance, séparés par des virgules (défaut : PORTAIL_FORWARDED_ALLOW_IPS, sinon 127.0.0.1). "
    "Donner cette liste active --proxy-headers.",
)
def serve(
    host: str,
    port: int,
    workers: int,
    timeout_keep_alive: int,
    timeout_graceful_shutdown: int,
    limit_concurrency: int,
    proxy_headers: bool,
    forwarded_allow_ips: str | None,
) -> None:
    import uvicorn

    from web import panne

    Settings.from_env()  # refuses a production start without PORTAIL_SECRET_KEY
    try:
        en_attente = _run(_migrations_en_attente())
    except Exception as exc:
        if not panne.est_panne(exc):
            raise
        _echec(f"base de données injoignable ({type(exc).__name__}) : vérifiez PORTAIL_DATABASE_URL, ou lancez « portail migrate ».")
    if en_attente:
        _echec(f"{len(en_attente)} migration(s) à appliquer : lancez d'abord « portail migrate ».")
    metriques = None
    if workers > 1 and "PROMETHEUS_MULTIPROC_DIR" not in os.environ:
        # The workers' metrics are added up from files: a fresh directory for each start.
        metriques = os.environ["PROMETHEUS_MULTIPROC_DIR"] = tempfile.mkdtemp(prefix="portail-metriques-")
    options = {
        "app": "web.app:create_app",
        "factory": True,
        "host": host,
        "port": port,
        "timeout_keep_alive": timeout_keep_alive,
        "timeout_graceful_shutdown": timeout_graceful_shutdown,
        "limit_concurrency": limit_concurrency,
        "proxy_headers": proxy_headers or forwarded_allow_ips is not None,
        "forwarded_allow_ips": forwarded_allow_ips or "127.0.0.1",
        "server_header": False,
        "access_log": False,  # the journal records what matters; URLs may carry search terms
        "log_config": None,  # the application's structlog configuration writes every line
    }
    click.echo(f"Portail gestionnaire sur http://{host}:{port}")
    try:
        if workers > 1 and hasattr(socket, "SO_REUSEPORT") and sys.platform == "linux":
            _workers_par_le_noyau(options, workers)
        else:
            uvicorn.run(**options, workers=workers)
    finally:
        if metriques:
            shutil.rmtree(metriques, ignore_errors=True)


# --- Several workers, each with a socket of its own ------------------------------------------------
# uvicorn's workers share one listening socket, and whichever is awake when connections arrive
# accepts all that are waiting (asyncio's accept loop). nginx opens its few keep-alive connections
# to the portal at once and then sends every request through them: one worker served them all,
# the other stayed idle (bench/RESULTS.md, « Où passe le temps »). With SO_REUSEPORT (Linux) each
# worker listens on a socket of its own on the same port, and the kernel shares the connections
# out among them.


def _adresse(host: str, port: int) -> tuple:
    return socket.getaddrinfo(host, port, type=socket.SOCK_STREAM, flags=socket.AI_PASSIVE)[0]


def _socket_du_port(host: str, port: int, partage: bool = True) -> socket.socket:
    """A socket bound on the port; `partage`: one of the workers' group (SO_REUSEPORT)."""
    famille, type_, proto, _, adresse = _adresse(host, port)
    s = socket.socket(famille, type_, proto)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # a previous run's connections in TIME_WAIT do not hold the port
    if partage:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
    s.bind(adresse)
    return s


def _prendre_le_port(host: str, port: int) -> tuple[socket.socket, socket.socket]:
    """Holds the port for this instance, or raises OSError (EADDRINUSE) if anything holds it.

    The kernel lets any socket of the same user join a SO_REUSEPORT group: a second `portail
    serve` on the port would silently share its connections. Hence, first, a lock one instance
    only can hold: a Unix socket named after the address in Linux's abstract namespace, released
    with its process however it ends. It covers the second or two while an instance holds the
    port by its reserve alone, which the probe passes (SO_REUSEADDR ignores a bound socket that
    does not listen; without it, a previous run's connections in TIME_WAIT would refuse a
    restart). Then the probe, without SO_REUSEPORT, refused while anything listens on the port:
    another program, or the workers left by an instance whose parent was killed. Left open: a
    program of the same user joining the port with SO_REUSEPORT between the probe's close and
    the reserve's bind, a few system calls apart."""
    famille, *_, adresse = _adresse(host, port)
    verrou = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    try:
        verrou.bind(f"\0portail serve {famille.name} {adresse[0]} {adresse[1]}")
        _socket_du_port(host, port, partage=False).close()
        # Bound, never listening: the port is held and receives no connection itself.
        return verrou, _socket_du_port(host, port)
    except OSError:
        verrou.close()
        raise


def _worker(options: dict) -> None:
    """One worker process: its own socket on the shared port, then uvicorn's server on it."""
    import uvicorn

    config = uvicorn.Config(**options)
    s = _socket_du_port(config.host, config.port)
    s.listen(config.backlog)
    uvicorn.Server(config).run(sockets=[s])


def _workers_par_le_noyau(options: dict, workers: int) -> None:
    """Starts the workers and keeps them running: one that dies is replaced; SIGTERM or SIGINT
    stops them all, each finishing its requests and mails (uvicorn's graceful shutdown)."""
    import logging
    import multiprocessing
    import signal
    import threading

    log = logging.getLogger("portail")
    try:
        verrou, reserve = _prendre_le_port(options["host"], options["port"])
    except OSError as exc:
        raison = "déjà pris, par un autre programme ou un autre « portail serve »" if exc.errno == errno.EADDRINUSE else exc.strerror
        _echec(f"le port {options['port']} n'est pas disponible ({raison}).")
    contexte = multiprocessing.get_context("spawn")
    arret = threading.Event()
    for sig in (signal.SIGTERM, signal.SIGINT):
        signal.signal(sig, lambda *_: arret.set())

    def demarrer():
        p = contexte.Process(target=_worker, args=(options,), daemon=False)
        p.start()
        return p

    processus = [demarrer() for _ in range(workers)]
    try:
        while not arret.wait(0.5):
            for i, p in enumerate(processus):
                if not p.is_alive():
                    log.error("worker %s arrêté (code %s) : remplacé", p.pid, p.exitcode)
                    processus[i] = demarrer()
    finally:
        for p in processus:
            if p.is_alive():
                p.terminate()  # SIGTERM: uvicorn stops accepting and lets the requests in progress finish
        for p in processus:
            p.join()
        reserve.close()
        verrou.close()


@main.command(help="Applique les migrations de la base de données.")
def migrate() -> None:
    for ligne in _run(_migrer()).lignes():
        click.echo(ligne)


@main.group(help="Crée les données de démonstration (sans effet si elles existent déjà).", invoke_without_command=True)
@click.pass_context
def demo(ctx: click.Context) -> None:
    if ctx.invoked_subcommand is not None:
        return
    from web.facteurs.service import totp_demo
    from web.tables import PRINCIPAL, Utilisateur
    from web.titulaires.demo import creer_demo, organisme_inscrit
    from web.titulaires.donnees_demo import EMPLOYEUR, apercu

    settings = Settings.from_env()

    async def creer():
        migrations = await _migrer()
        await organisme_inscrit(settings, EMPLOYEUR)
        await creer_demo(settings, EMPLOYEUR["siret"])
        organismes = await apercu()
        # In development the demo administrators get a one-time-code application whose code the
        # command line prints: the demo stays usable in one step. Production never offers that.
        if not settings.production:
            principaux = Utilisateur.identifiant.is_in([o.identifiant for o in organismes]) & (Utilisateur.role == PRINCIPAL)
            for u in await Utilisateur.objects().where(principaux):
                await totp_demo(settings, u)
        return migrations, organismes

    migrations, organismes = _run(creer())
    for ligne in migrations.lignes(detail=False):
        click.echo(ligne)
    click.echo("Comptes de démonstration (administrateurs principaux) :")
    for o in organismes:
        niveau = f", niveau {o.niveau}" if o.niveau else ""
        click.echo(f"  {o.identifiant}  {o.raison_sociale} ({o.type}, SIRET {o.siret}){niveau}")
    ou = settings.smtp_url or f"{settings.courriels_dir}/"
    click.echo(f"Mot de passe temporaire : dans le courriel envoyé à chacun à la première exécution ({ou}), valable 72 heures.")
    if not settings.production:
        click.echo(f"Second facteur : le code à usage unique du moment s'obtient par « portail demo code {organismes[0].identifiant} ».")
    click.echo("Titulaires à rechercher (Nº de sécurité sociale et nom), chacun depuis son organisme :")
    for o in organismes:
        for t in o.titulaires:
            usage = f" (nom d'usage {t.nom_usage})" if t.nom_usage else ""
            click.echo(f"  {t.nir}  {t.nom}{usage}, {t.prenom} : {o.raison_sociale}")


@demo.command("code", help="Affiche le code à usage unique du moment d'un administrateur de démonstration (développement seulement).")
@click.argument("identifiant")
def demo_code(identifiant: str) -> None:
    from web.facteurs.service import code_demo

    settings = Settings.from_env()
    if settings.production:
        _echec("Cette commande n'existe qu'en développement : en production, seul son titulaire lit son code, dans son application.")
    resultat = _run(code_demo(settings, identifiant))
    if resultat is None:
        _echec(f"aucune application d'authentification pour l'identifiant {identifiant[:32]}.")
    code, secondes = resultat
    click.echo(f"{code} (valable encore {secondes} s ; chaque code ne sert qu'une fois)")


async def _livrer(settings: Settings) -> None:
    from web.courriels import livrer

    await livrer(settings)


@main.group(help="Organismes (employeurs publics, opérateurs).")
def organisme() -> None:
    pass


@organisme.command(help="Inscrit un organisme et son administrateur principal ; affiche l'identifiant en dernière ligne.")
@click.option("--siret", required=True, help="SIRET de l'organisme (14 chiffres).")
@click.option("--raison-sociale", required=True, help="Raison sociale.")
@click.option("--type", "type_", required=True, help="employeur_public ou operateur.")
@click.option("--civilite", required=True, help="Mme ou M.")
@click.option("--prenom", required=True, help="Prénom de l'administrateur principal.")
@click.option("--nom", required=True, help="Nom de l'administrateur principal.")
@click.option("--courriel", required=True, help="Courriel : le mot de passe temporaire y est envoyé.")
@click.option("--telephone", required=True, help="Téléphone (numéro français).")
def inscrire(siret, raison_sociale, type_, civilite, prenom, nom, courriel, telephone) -> None:
    from web.db import est_doublon
    from web.organismes.forms import FormInscription
    from web.organismes.service import SiretDejaInscrit
    from web.organismes.service import inscrire as inscrire_organisme

    settings = Settings.from_env()
    form = FormInscription.lire(
        {"siret": siret, "raison_sociale": raison_sociale, "type": type_, "civilite": civilite, "prenom": prenom, "nom": nom,
         "courriel": courriel, "telephone": telephone}
    )  # fmt: skip
    if form.erreurs:
        _echec(" ".join(form.erreurs.values()))
    demande = form.inscription()

    async def faire():
        try:
            admin = await inscrire_organisme(settings, demande)
        except SiretDejaInscrit:
            _echec(f"le SIRET {demande.siret} est déjà inscrit.")
        except Exception as exc:
            if est_doublon(exc):
                _echec(f"le SIRET {demande.siret} est déjà inscrit.")
            raise
        await _livrer(settings)
        return admin

    admin = _run(faire())
    click.echo(f"Organisme inscrit : {demande.raison_sociale} - {demande.siret}")
    click.echo(f"Administrateur principal : {admin.civilite} {admin.prenom} {admin.nom}")
    click.echo(f"Mot de passe temporaire envoyé par courriel à {admin.courriel}")
    click.echo(admin.identifiant)


@main.group(help="Caisse des Dépôts.")
def cdc() -> None:
    pass


@cdc.command(
    "reinitialiser-facteurs",
    help="Réinitialise les seconds facteurs d'un agent de la Caisse des Dépôts qui les a tous perdus (fait par un autre agent, "
    "sur le serveur) : ses clés d'accès, son application et ses codes de secours sont supprimés, ses sessions fermées ; il en "
    "configure un nouveau à sa prochaine connexion. Les autres comptes se réinitialisent dans le portail.",
)
@click.argument("identifiant")
def reinitialiser_facteurs(identifiant: str) -> None:
    from web.acteur import PORTAIL
    from web.facteurs.service import reinitialiser
    from web.tables import AGENT_CDC, Utilisateur

    settings = Settings.from_env()

    async def faire() -> bool:
        u = await Utilisateur.objects().where(Utilisateur.identifiant == identifiant.strip().upper()[:8]).first()
        if u is None or u.role != AGENT_CDC:
            return False
        await reinitialiser(settings, PORTAIL, u)
        await _livrer(settings)
        return True

    if not _run(faire()):
        _echec(f"aucun agent de la Caisse des Dépôts n'a l'identifiant {identifiant[:32]} (les autres comptes : dans le portail).")
    click.echo(f"Seconds facteurs de {identifiant.strip().upper()} réinitialisés ; un courriel l'en informe.")


@cdc.command("creer-agent", help="Crée un compte d'agent de la Caisse des Dépôts ; affiche l'identifiant en dernière ligne.")
@click.option("--civilite", default="Mme", show_default=True, help="Mme ou M.")
@click.option("--prenom", required=True, help="Prénom de l'agent.")
@click.option("--nom", required=True, help="Nom de l'agent.")
@click.option("--courriel", required=True, help="Courriel : le mot de passe temporaire y est envoyé.")
def creer_agent(civilite: str, prenom: str, nom: str, courriel: str) -> None:
    from web.acteur import PORTAIL
    from web.cdc.forms import FormAgent
    from web.comptes.service import ouvrir_compte
    from web.db import ecriture
    from web.journal import journaliser
    from web.tables import AGENT_CDC, Utilisateur

    settings = Settings.from_env()
    form = FormAgent.lire({"civilite": civilite, "prenom": prenom, "nom": nom, "courriel": courriel})
    if form.erreurs:
        _echec(" ".join(form.erreurs.values()))
    civilite, prenom, nom, courriel = form.civilite, form.prenom, form.nom, form.courriel

    async def faire() -> str:
        async with ecriture():
            u = Utilisateur(organisme=None, role=AGENT_CDC, civilite=civilite, prenom=prenom, nom=nom.upper(), courriel=courriel)
            await ouvrir_compte(settings, u)
            await journaliser("agent_cree", PORTAIL, cible=u.id, detail=f"{prenom} {nom.upper()}")
        await _livrer(settings)
        return u.identifiant

    identifiant = _run(faire())
    click.echo(f"Agent de la Caisse des Dépôts créé : {civilite} {prenom} {nom.upper()}")
    click.echo(f"Mot de passe temporaire envoyé par courriel à {courriel}")
    click.echo(identifiant)


@main.group(help="Demandes de renouvellement (« Mot de passe oublié ») des administrateurs principaux.")
def demandes() -> None:
    pass


@demandes.command("lister", help="Liste les demandes en attente des administrateurs principaux.")
def demandes_lister() -> None:
    from web.renouvellement.service import demandes_pour

    lignes = _run(demandes_pour(None))
    if not lignes:
        click.echo("Aucune demande en attente.")
    for d in lignes:
        click.echo(
            f"{d['id']}\t{d['cree_le']:%d/%m/%Y %H:%M}\t{d['identifiant']}\t{d['civilite']} {d['prenom']} {d['nom']}\t{d['organisme']}"
        )


@demandes.command("servir", help="Renouvelle le mot de passe d'une demande (envoyé par courriel) et la clôt.")
@click.argument("demande_id", type=int)
def demandes_servir(demande_id: int) -> None:
    from web.acteur import PORTAIL
    from web.renouvellement.service import NonAutorise, servir

    settings = Settings.from_env()

    async def faire() -> bool:
        try:
            fait = await servir(settings, demande_id, None, PORTAIL)
        except NonAutorise:
            _echec("cette demande ne concerne pas un administrateur principal : son administrateur la traite.")
        await _livrer(settings)
        return fait

    if not _run(faire()):
        _echec(f"aucune demande en attente n° {demande_id}.")
    click.echo("Mot de passe renouvelé : un mot de passe temporaire a été envoyé par courriel.")


@main.command(help="Sauvegarde toute la base dans FICHIER (SQLite : copie en ligne ; PostgreSQL : pg_dump, format custom).")
@click.argument("fichier", type=click.Path(dir_okay=False, writable=True, path_type=Path))
def sauvegarder(fichier: Path) -> None:
    from web import sauvegarde

    settings = Settings.from_env()
    try:
        sauvegarde.sauvegarder(settings.database_url, fichier)
    except (OSError, sqlite3.Error, subprocess.CalledProcessError) as exc:
        detail = getattr(exc, "stderr", None) or exc
        _echec(f"sauvegarde impossible, aucun fichier écrit : {str(detail).strip()[-500:]}")
    click.echo(f"Base sauvegardée dans {fichier} ({fichier.stat().st_size:,} octets).".replace(",", " "))


@main.command(help="Remplace toute la base par la sauvegarde FICHIER (faite par « portail sauvegarder »).")
@click.argument("fichier", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--oui", is_flag=True, help="Ne pas demander de confirmation.")
def restaurer(fichier: Path, oui: bool) -> None:
    from web import sauvegarde

    settings = Settings.from_env()
    if not oui:
        click.confirm(f"Toutes les données actuelles de la base seront remplacées par celles de {fichier}. Continuer ?", abort=True)
    try:
        sauvegarde.restaurer(settings.database_url, fichier)
    except sauvegarde.SauvegardeInvalide as exc:
        _echec(str(exc))
    click.echo(f"Base restaurée depuis {fichier}.")
    if en_attente := _run(_migrations_en_attente()):
        click.echo(f"Cette sauvegarde précède {len(en_attente)} migration(s) : lancez « portail migrate » avant « portail serve ».")


main.add_command(titulaires)
main.add_command(gestionnaires)

if __name__ == "__main__":
    main()
