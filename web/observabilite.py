"""Metrics (Litestar's Prometheus plugin) and structured logs (its structlog plugin), with a
request id taken from X-Request-ID or made up.

Neither ever holds a password, a token or a search term: requests are logged and counted by
route template (`/habilitations/{id_}`), never with their query string, body, headers or
cookies. With `portail serve --workers N`, the workers' metrics are added up through
prometheus_client's multiprocess directory (PROMETHEUS_MULTIPROC_DIR, set by `serve`).
"""

from __future__ import annotations

import ipaddress
import os
import re
import sys
import uuid
from time import perf_counter

import structlog
from litestar import Response, get
from litestar.connection import ASGIConnection
from litestar.exceptions import NotFoundException
from litestar.handlers.base import BaseRouteHandler
from litestar.logging.config import LoggingConfig, StructLoggingConfig
from litestar.middleware.logging import LoggingMiddleware, LoggingMiddlewareConfig
from litestar.plugins.prometheus import PrometheusConfig, PrometheusController
from litestar.plugins.structlog import StructlogConfig, StructlogPlugin
from litestar.types import Message, Receive, Scope, Send
from prometheus_client import CollectorRegistry, Counter, Gauge, generate_latest

from web.mesure import MiddlewareHttp
from web.temps import maintenant

# --- Metrics of the portal's own, beside the plugin's requests and latencies --------------------

CONNEXIONS = Counter("portail_connexions_total", "Tentatives de connexion, par résultat", ["resultat"])
COURRIELS = Counter("portail_courriels_total", "Tentatives de remise de courriels, par résultat", ["resultat"])
MENAGE = Counter("portail_menage_executions_total", "Passages du ménage périodique")
MENAGE_LIGNES = Counter("portail_menage_lignes_total", "Lignes retirées ou vidées par le ménage", ["purge"])

# Sign-in outcomes (what CONNEXIONS counts): one word each, never the identifiant.
RESULTATS_CONNEXION = (
    "reussie",  # a session is opened
    "changement_impose",  # right temporary password: the forced change is shown
    "echec",  # wrong identifiant or password
    "verrouillee",  # the identifiant waits (brute-force delay)
    "limite_adresse",  # too many failures from this address
    "refusee",  # right password, but the account is suspended or its temporary password expired
)


def connexion(resultat: str) -> None:
    assert resultat in RESULTATS_CONNEXION, resultat
    CONNEXIONS.labels(resultat).inc()


def prometheus_config() -> PrometheusConfig:
    # group_path: latencies by route template, so that ids and paths never make new series.
    return PrometheusConfig(app_name="portail", prefix="portail", group_path=True, exclude=[r"^/static/"])


async def adresse_de_confiance(connection: ASGIConnection, _: BaseRouteHandler) -> None:
    """Metrics only for the monitoring's addresses (PORTAIL_METRICS_ALLOW_IPS), and never through
    the reverse proxy (which always sets X-Forwarded-For): anyone else gets 404."""
    reseaux = connection.app.state.settings.metriques_depuis
    hote = connection.client.host if connection.client else ""
    try:
        adresse = ipaddress.ip_address(hote)
    except ValueError:
        raise NotFoundException from None
    if "x-forwarded-for" in connection.headers or not any(adresse in r for r in reseaux):
        raise NotFoundException


async def _file_d_attente() -> bytes:
    """The outbox as it stands, read from the database at each scrape (shared by every instance)."""
    from web.tables import A_ENVOYER, ECHEC, EN_COURS, Courriel

    registre = CollectorRegistry()
    attente = Gauge("portail_courriels_en_attente", "Courriels à remettre (en file ou en cours)", registry=registre)
    age = Gauge("portail_courriels_plus_ancien_secondes", "Âge du plus ancien courriel à remettre", registry=registre)
    echecs = Gauge("portail_courriels_en_echec", "Courriels abandonnés (échec définitif)", registry=registre)
    rows = (
        await Courriel.select(Courriel.statut, Courriel.cree_le)
        .where(Courriel.statut.is_in([A_ENVOYER, EN_COURS]))
        .order_by(Courriel.id)
        .limit(1)
    )
    attente.set(await Courriel.count().where(Courriel.statut.is_in([A_ENVOYER, EN_COURS])))
    age.set((maintenant() - rows[0]["cree_le"]).total_seconds() if rows else 0)
    echecs.set(await Courriel.count().where(Courriel.statut == ECHEC))
    return generate_latest(registre)


class Metriques(PrometheusController):
    path = "/metrics"
    guards = [adresse_de_confiance]
    include_in_schema = False

    @get(opt={"hors_journal": True}, include_in_schema=False)
    async def get(self) -> Response:  # the plugin's exposition, then the outbox's gauges
        reponse = await PrometheusController.get.fn(self)
        reponse.content = reponse.content + await _file_d_attente()
        return reponse


# --- Request id ---------------------------------------------------------------------------------

REQUEST_ID = re.compile(r"[A-Za-z0-9._-]{1,64}")


class RequestIdMiddleware(MiddlewareHttp):
    """X-Request-ID: the proxy's (or the client's) when well-formed, else a new one. It is bound to
    every log line of the request and sent back."""

    async def traiter(self, scope: Scope, receive: Receive, send: Send) -> None:
        recu = dict(scope.get("headers", ())).get(b"x-request-id", b"").decode("latin-1")
        rid = recu if REQUEST_ID.fullmatch(recu) else uuid.uuid4().hex
        scope.setdefault("state", {})["request_id"] = rid

        async def envoyer(message: Message) -> None:
            if message["type"] == "http.response.start":
                message["headers"] = [*message.get("headers", ()), (b"x-request-id", rid.encode())]
            await send(message)

        structlog.contextvars.clear_contextvars()
        structlog.contextvars.bind_contextvars(request_id=rid)
        try:
            await self.app(scope, receive, envoyer)
        finally:
            structlog.contextvars.clear_contextvars()


# --- Logs ---------------------------------------------------------------------------------------


class JournalRequetes(LoggingMiddleware):
    """One line per request, when it ends: method, route template, status, duration. Litestar's
    own middleware logs the path and can log the query, body, headers and cookies: not here."""

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if not hasattr(self, "logger"):
            self.logger = scope["litestar_app"].get_logger(self.config.logger_name)
        debut, statut = perf_counter(), {}

        async def envoyer(message: Message) -> None:
            if message["type"] == "http.response.start":
                statut["code"] = message["status"]
            await send(message)

        try:
            await self.app(scope, receive, envoyer)
        finally:
            self.logger.info(
                "requête",
                methode=scope.get("method"),
                route=scope.get("path_template", "?"),
                statut=statut.get("code", 500),
                duree_ms=round((perf_counter() - debut) * 1000, 1),
            )


def journal_requetes():
    return LoggingMiddlewareConfig(
        middleware_class=JournalRequetes,
        logger_name="portail.requetes",
        exclude=[r"^/static/"],
        exclude_opt_key="hors_journal",
        request_log_fields=(),
        response_log_fields=(),
    ).middleware


def _processus(_logger, _methode, evenement: dict) -> dict:
    """The worker's process id. (structlog's CallsiteParameterAdder gives the same, after walking
    the stack for a call site on every line: 1.3 % of a page.)"""
    evenement["process"] = os.getpid()
    return evenement


def _sans_couleurs(_logger, _methode, evenement: dict) -> dict:
    evenement.pop("color_message", None)  # uvicorn's copy of the message with terminal colours
    return evenement


def structlog_plugin() -> StructlogPlugin:
    """Every line is one JSON object on standard error (journald keeps it), structlog's and the
    standard library's alike, each with the request id of the request it belongs to. In a terminal,
    the same lines are laid out for a person."""
    json_ = not sys.stderr.isatty()
    commun = [
        structlog.contextvars.merge_contextvars,
        _processus,  # which worker
        structlog.stdlib.add_log_level,
        structlog.stdlib.add_logger_name,
        structlog.processors.TimeStamper(fmt="iso", utc=True),
    ]
    rendu = structlog.processors.JSONRenderer(ensure_ascii=False) if json_ else structlog.dev.ConsoleRenderer(colors=False)
    formateur = {
        "()": structlog.stdlib.ProcessorFormatter,
        "foreign_pre_chain": [*commun, structlog.stdlib.ExtraAdder()],
        "processors": [
            structlog.stdlib.ProcessorFormatter.remove_processors_meta,
            _sans_couleurs,
            *([structlog.processors.format_exc_info] if json_ else []),
            rendu,
        ],
    }
    console = {"class": "logging.StreamHandler", "stream": "ext://sys.stderr", "formatter": "standard"}
    stdlib = LoggingConfig(
        formatters={"standard": formateur},
        handlers={"console": console},
        loggers={
            "litestar": {"level": "INFO", "handlers": ["console"], "propagate": False},
            "uvicorn": {"level": "INFO", "handlers": ["console"], "propagate": False},
            # uvicorn writes its access line (with the query string: search terms) whenever this
            # logger has a handler, whatever --access-log says: it must have none.
            "uvicorn.access": {"level": "CRITICAL", "handlers": [], "propagate": False},
            # asyncpg's pool retries its connections during an outage and says so each time;
            # web.panne already logs the outage once and its end once.
            "asyncpg.pool": {"level": "ERROR"},
        },
        root={"handlers": ["console"], "level": "INFO"},
    )
    config = StructLoggingConfig(
        processors=[*commun, structlog.stdlib.ProcessorFormatter.wrap_for_formatter],
        logger_factory=structlog.stdlib.LoggerFactory(),
        wrapper_class=structlog.stdlib.BoundLogger,
        standard_lib_logging_config=stdlib,
        log_exceptions="never",  # our own handlers log what must be (never a request's data)
    )
    return StructlogPlugin(StructlogConfig(structlog_logging_config=config, enable_middleware_logging=False))
