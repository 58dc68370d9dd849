"""create_app(settings) -> Litestar: plugins, middleware, routers."""

from __future__ import annotations

import asyncio
import contextlib
import gc
import logging
from collections.abc import AsyncIterator
from datetime import timedelta
from urllib.parse import urlencode

from litestar import Litestar, Request, Response
from litestar.config.compression import CompressionConfig
from litestar.config.csrf import CSRFConfig
from litestar.datastructures import State
from litestar.exceptions import HTTPException, NotFoundException, PermissionDeniedException, ValidationException
from litestar.middleware import DefineMiddleware
from litestar.middleware.compression import CompressionMiddleware
from litestar.middleware.csrf import CSRF_SECRET_LENGTH, CSRFMiddleware
from litestar.openapi import OpenAPIConfig
from litestar.plugins.htmx import HTMXPlugin
from litestar.plugins.jinja import JinjaTemplateEngine
from litestar.static_files import create_static_files_router
from litestar.template.config import TemplateConfig
from litestar.types import Message, Scope
from piccolo.engine.postgres import PostgresEngine

from web import courriels, droits, macros, menage, observabilite, panne
from web.cdc.routes import router as cdc_router
from web.composants import composants
from web.connexion.routes import router as connexion_router
from web.contact.routes import router as contact_router
from web.contact.routes import router_cdc as contact_cdc_router
from web.db import moteur
from web.delegations.routes import router as delegations_router
from web.dossiers.routes import router as dossiers_router
from web.dossiers.transitions import LIBELLES_STATUT
from web.entrees import a_des_controles, suite_locale
from web.facteurs.routes import router as facteurs_router
from web.habilitations import service as habilitations
from web.habilitations.routes import router as habilitations_router
from web.importation.routes import router as importation_router
from web.importation.service import boucle_des_imports
from web.informations.routes import ROUTES as informations_routes
from web.mesure import ServerTimingMiddleware
from web.parametres.routes import router as parametres_router
from web.profil.routes import router as profil_router
from web.rendu import entree_de_menu, page_erreur, page_panne, rediriger, statique, verification_en_ligne
from web.renouvellement.routes import router as renouvellement_router
from web.renouvellement.service import boucle_des_demandes
from web.requete import DEPENDANCES, SessionMiddleware
from web.revue.routes import router as revue_router
from web.revue.routes import router_cdc as revue_cdc_router
from web.sante import sante
from web.sessions import COOKIE
from web.settings import ROOT, Settings
from web.titulaires.routes import router as titulaires_router

log = logging.getLogger("portail")

CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "font-src 'self'; object-src 'none'; base-uri 'none'; frame-ancestors 'none'; form-action 'self'"
)


def entetes_securite(settings: Settings):
    """The one place the security headers are set: a hook on every message the application sends,
    outside its exception handling and routing, so that errors (403, 404, 405, 500, CSRF refusals),
    redirects and static files carry them as the pages do."""
    entetes = [
        (b"content-security-policy", CSP.encode()),
        (b"x-content-type-options", b"nosniff"),
        (b"referrer-policy", b"same-origin"),
        (b"x-frame-options", b"DENY"),
        (b"permissions-policy", b"camera=(), microphone=(), geolocation=()"),
        (b"cross-origin-opener-policy", b"same-origin"),
    ]
    if settings.production:
        entetes.append((b"strict-transport-security", b"max-age=63072000; includeSubDomains"))

    async def avant_envoi(message: Message, scope: Scope) -> None:
        if message["type"] != "http.response.start":
            return
        # Built once above, added as they are: only the names already present are read.
        entetes_ = list(message.get("headers") or ())
        presents = {nom.lower() for nom, _ in entetes_}
        entetes_ += [(nom, valeur) for nom, valeur in entetes if nom not in presents]
        # Pages, fragments, redirects and errors show or lead to personal data: never kept in any
        # cache. A static file under its versioned address (web.rendu.statique: ?v=<hash>) never
        # changes: kept a year; without its version, checked again at each use.
        if b"cache-control" not in presents:
            if not scope.get("path", "").startswith("/static/"):
                entetes_.append((b"cache-control", b"no-store"))
            elif message["status"] == 200:
                versionne = b"v=" in scope.get("query_string", b"")
                entetes_.append((b"cache-control", b"public, max-age=31536000, immutable" if versionne else b"no-cache"))
        message["headers"] = entetes_

    return avant_envoi


class CSRFStrict(CSRFMiddleware):
    """Litestar's CSRF check, refusing (403) a token that is not an ASCII string of the right
    length before comparing: compare_digest raises on non-ASCII text, which made a 500."""

    def _csrf_tokens_match(self, request_csrf_token, cookie_csrf_token) -> bool:
        for jeton in (request_csrf_token, cookie_csrf_token):
            if not isinstance(jeton, str) or len(jeton) != 2 * CSRF_SECRET_LENGTH or not jeton.isascii():
                return False
        return super()._csrf_tokens_match(request_csrf_token, cookie_csrf_token)


async def refuser_controles(request: Request) -> None:
    """Query strings hold no control character (NUL would even reach PostgreSQL): a 400 page."""
    for cle, valeur in request.query_params.multi_items():
        if a_des_controles(cle) or a_des_controles(str(valeur)):
            raise ValidationException("caractères de contrôle dans l'adresse")


def non_connecte(request: Request, _: Exception) -> Response:
    """To the sign-in page; a page asked for (a plain GET: a link, a bookmark) is kept in
    `?suite=` and opened after sign-in (web.connexion.routes.apres_connexion)."""
    demi = request.state.get("demi_session")
    if demi is not None:  # a session past the password alone: to its step (the page asked for is not kept)
        return rediriger(request, droits.ETAPES[demi[1]])
    params = {"expiree": "1"} if request.cookies.get(COOKIE) else {}
    # (Not the home page, nor the CGU: sign-in leads to them anyway.)
    if request.method == "GET" and not request.headers.get("hx-request") and request.url.path not in ("/", "/cgu"):
        chemin = request.url.path + (f"?{request.url.query}" if request.url.query else "")
        if suite_locale(chemin):
            params["suite"] = chemin
    return rediriger(request, "/connexion" + (f"?{urlencode(params)}" if params else ""))


def gestion_erreurs() -> dict:
    def http(request: Request, exc: HTTPException) -> Response:
        if isinstance(exc, PermissionDeniedException) and "CSRF" in str(exc.detail):
            return page_erreur(
                request,
                403,
                "Formulaire expiré",
                "Ce formulaire n'est plus valable (jeton de sécurité absent ou périmé). Rechargez la page puis recommencez.",
            )
        if isinstance(exc, NotFoundException):
            return page_erreur(request, 404, "Page introuvable", "La page demandée n'existe pas ou n'est plus disponible.")
        if exc.status_code == 405:
            return page_erreur(request, 405, "Action impossible", "Cette adresse ne s'utilise pas ainsi.")
        if exc.status_code == 429:
            return page_erreur(
                request, 429, "Trop de demandes", "Vous avez fait trop de demandes en peu de temps. Patientez une minute puis recommencez."
            )
        if exc.status_code == 413:
            message = "Ce que vous avez envoyé dépasse la taille permise (1 Mo pour un fichier à importer)."
            return page_erreur(request, 413, "Envoi trop volumineux", message)
        if exc.status_code == 403:
            return page_erreur(request, 403, "Accès refusé", "Vous n'avez pas les droits nécessaires pour cette action.")
        if exc.status_code < 500:
            return page_erreur(
                request, exc.status_code, "Requête invalide", "Votre demande n'a pas pu être lue. Vérifiez votre saisie et recommencez."
            )
        return erreur_interne(request, exc)

    def erreur_interne(request: Request, exc: Exception) -> Response:
        if panne.est_panne(exc):
            panne.signaler(exc)  # logged once per outage, not per request
            return page_panne(request)
        log.exception("erreur interne sur %s %s", request.method, request.url.path, exc_info=exc)
        return page_erreur(
            request,
            500,
            "Erreur technique",
            "Une erreur technique est survenue. Rien n'a été enregistré ; réessayez dans quelques instants.",
        )

    return {
        droits.NonConnecte: non_connecte,
        droits.CguAValider: lambda request, _: rediriger(request, "/cgu"),
        droits.Interdit: lambda request, _: page_erreur(
            request, 403, "Accès refusé", "Vous n'avez pas les droits nécessaires pour cette action."
        ),
        HTTPException: http,
        Exception: erreur_interne,
    }


def create_app(settings: Settings | None = None, *, services: bool = True) -> Litestar:
    """`services`: the PostgreSQL connection pool and the background mail sender. Unit tests
    turn them off: Litestar's test client runs the app in an event loop of its own."""
    settings = settings or Settings.from_env()
    # piccolo_conf.py built the engine from the same PORTAIL_DATABASE_URL.
    engine = moteur()

    @contextlib.asynccontextmanager
    async def cycle(app: Litestar) -> AsyncIterator[None]:
        pool = services and isinstance(engine, PostgresEngine)
        if pool:
            await engine.start_connection_pool(min_size=2, max_size=20)
        expediteur = courriels.Expediteur(settings)
        taches = (
            [
                asyncio.create_task(courriels.boucle_d_envoi(expediteur)),
                # "Mot de passe oublié" is handled here, not in the request (web.renouvellement.service).
                asyncio.create_task(boucle_des_demandes(settings)),
                asyncio.create_task(menage.boucle(timedelta(seconds=settings.menage_intervalle))),
                # « Importer des gestionnaires »: long files are created here (web.importation.service).
                asyncio.create_task(boucle_des_imports(habilitations, settings)),
            ]
            if services
            else []
        )
        if services:
            # What start-up built (modules, routes, the engine) lives as long as the process: out
            # of the collector's reach, a full collection no longer walks it. One in a thousand
            # searches paid 103 ms for it, 1.3 ms since (bench/RESULTS.md, « Où passe le temps »).
            gc.collect()
            gc.freeze()
        try:
            yield
        finally:
            # Graceful stop: no new work, the mails in flight finish (or are given back), then the pool.
            for t in taches:
                t.cancel()
            for t in taches:
                with contextlib.suppress(asyncio.CancelledError):
                    await t
            await expediteur.arreter(courriels.ARRET)
            if pool:
                await engine.close_connection_pool()

    jinja = JinjaTemplateEngine(directory=ROOT / "components")
    env = jinja.engine
    # In development a template edit shows at once; in production no file is checked per render.
    env.auto_reload = not settings.production
    # Templates ask the same rights module as the guards.
    env.globals.update(
        droits=droits,
        libelle_role=droits.libelle_role,
        cgu_a_jour=droits.cgu_a_jour,
        verification_en_ligne=verification_en_ligne,
        statique=statique,
        entree=entree_de_menu,
        libelles_statut=LIBELLES_STATUT,
        service=settings.nom_service,
        operateur=settings.nom_operateur,
        developpement=settings.env == "development",
    )
    # Every macro (fields, statuses, pagination…) is callable from every template without an
    # import, a region's block (rendered alone for htmx) included: each module built once (web.macros).
    macros_a_jour = macros.exposer(env)

    async def avant_requete(request: Request) -> None:
        macros_a_jour()  # development only: a macro file edited shows at the next request
        await refuser_controles(request)

    return Litestar(
        route_handlers=[
            # One router per feature.
            connexion_router,
            facteurs_router,
            habilitations_router,
            importation_router,
            revue_router,
            revue_cdc_router,
            profil_router,
            parametres_router,
            renouvellement_router,
            cdc_router,
            titulaires_router,
            dossiers_router,
            delegations_router,
            contact_router,
            contact_cdc_router,
            *informations_routes,
            composants,
            # Compressed here only, never pages: a page holds the CSRF token next to what a person
            # typed, which compression over TLS would let an attacker guess (BREACH).
            create_static_files_router(
                path="/static",
                directories=[ROOT / "static"],
                name="static",
                middleware=[DefineMiddleware(CompressionMiddleware, config=CompressionConfig(backend="gzip", minimum_size=512))],
            ),
            sante,
            observabilite.Metriques,
        ],
        # request.htmx, and the htmx responses (web.rendu: the one place that reads them).
        plugins=[observabilite.structlog_plugin(), HTMXPlugin()],
        # `moi`, `organisme`, `acteur` for every handler that names them (web.requete).
        dependencies=DEPENDANCES,
        template_config=TemplateConfig(instance=jinja),
        # Outermost first: the request id is bound before anything logs; the metrics and the log
        # line see every answer, the outage's 503 included.
        middleware=[
            observabilite.RequestIdMiddleware,
            observabilite.prometheus_config().middleware,
            observabilite.journal_requetes(),
            *([ServerTimingMiddleware] if settings.server_timing else []),
            SessionMiddleware,
            DefineMiddleware(
                CSRFStrict,
                config=CSRFConfig(
                    secret=settings.secret_key,
                    cookie_name="portail_csrf",
                    cookie_secure=settings.production,
                    cookie_httponly=True,
                    cookie_samesite="lax",
                    # Static files set no cookie (they are cached, shared, and hold no form).
                    exclude=["^/static/"],
                ),
            ),
        ],
        lifespan=[cycle],
        before_send=[entetes_securite(settings)],
        before_request=avant_requete if env.auto_reload else refuser_controles,
        # The OpenAPI document and its viewers describe the portal to whoever asks: development only.
        openapi_config=OpenAPIConfig(title="Portail gestionnaire", version="1") if settings.env == "development" else None,
        exception_handlers=gestion_erreurs(),
        state=State({"settings": settings}),
        debug=False,
        request_max_body_size=256 * 1024,
    )
