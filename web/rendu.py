"""The portal's one htmx contract: page or fragment, decided here and nowhere else.

Every screen is one template. A region htmx may replace is an element with an id wrapping a
block of the same name (`id="resultats-titulaire"` around `{% block resultats_titulaire %}`:
Jinja names take `_` where ids take `-`). `rendre` answers an htmx request (not boosted, not a
history restore) that targets such a region with that block alone, and anything else with the
whole page. Handlers and templates never read an htmx header: a template that must know which
region it renders reads `region`.

A 422 (the form holds errors) whose region sits inside another region of the same template is
answered with that enclosing region, retargeted to it: the errors are shown by the form that holds
the results (the titulaire search). Inline checks of a field as it is left go through
`verifier_champ`; redirects through `rediriger`."""

from __future__ import annotations

import functools
import hashlib
from collections.abc import Awaitable, Callable
from typing import Any

from jinja2 import Environment, nodes, pass_context
from jinja2_fragments import render_block
from litestar import Request, Response
from litestar.enums import MediaType
from litestar.plugins.htmx import ClientRedirect, Retarget
from markupsafe import Markup, escape

VARY = {"Vary": "HX-Request"}


def _htmx(request: Request) -> bool:
    """An htmx request that swaps part of a page (not boosted, not a history restore)."""
    htmx = getattr(request, "htmx", None)
    return bool(htmx) and not htmx.boosted and not htmx.history_restore_request


def region(request: Request) -> str | None:
    """The id of the region an htmx request asks for; None for the whole page."""
    return request.htmx.target if _htmx(request) else None


def contexte_de_base(request: Request) -> dict[str, Any]:
    token = request.scope.get("_csrf_token") or _csrf_token(request)
    return {
        "request": request,
        "csrf_token": token,
        "csrf_input": Markup('<input type="hidden" name="_csrf_token" value="%s">') % escape(token),
        "moi": getattr(request.state, "utilisateur", None),
        "organisme": getattr(request.state, "organisme", None),
    }


def _csrf_token(request: Request) -> str:
    from litestar.utils.scope.state import ScopeState

    return ScopeState.from_scope(request.scope).csrf_token or ""


def _nom_de_bloc(id_: str) -> str:
    return id_.replace("-", "_")


def _id_de_region(bloc: str) -> str:
    return bloc.replace("_", "-")


@functools.cache
def _blocs_englobants(env: Environment, template: str) -> dict[str, str]:
    """Block -> the region block of the same template that encloses it (layout blocks excluded)."""
    source = env.loader.get_source(env, template)[0]  # type: ignore[union-attr]
    arbre = env.parse(source)
    herites: set[str] = set()
    for ext in arbre.find_all(nodes.Extends):
        if isinstance(ext.template, nodes.Const):
            herites |= _tous_les_blocs(env, ext.template.value)
    parents: dict[str, str] = {}

    def parcourir(noeud: nodes.Node, parent: str | None) -> None:
        for enfant in noeud.iter_child_nodes():
            if isinstance(enfant, nodes.Block):
                if parent is not None:
                    parents[enfant.name] = parent
                parcourir(enfant, enfant.name if enfant.name not in herites else None)
            else:
                parcourir(enfant, parent)

    parcourir(arbre, None)
    return parents


@functools.cache
def _tous_les_blocs(env: Environment, template: str) -> frozenset[str]:
    t = env.get_template(template)
    blocs = set(t.blocks)
    for ext in env.parse(env.loader.get_source(env, template)[0]).find_all(nodes.Extends):  # type: ignore[union-attr]
        if isinstance(ext.template, nodes.Const):
            blocs |= _tous_les_blocs(env, ext.template.value)
    return frozenset(blocs)


async def rendre(
    request: Request,
    template: str,
    contexte: dict[str, Any] | None = None,
    *,
    page: Callable[[], Awaitable[dict[str, Any]]] | None = None,
    status_code: int = 200,
    headers: dict[str, str] | None = None,
) -> Response[str]:
    """The whole page, or the block of the region an htmx request targets. `page`: what only the
    whole page shows (computed only when it is rendered, not for a fragment)."""
    env: Environment = request.app.template_engine.engine  # type: ignore[union-attr]
    t = env.get_template(template)
    demande = region(request)
    bloc = _nom_de_bloc(demande) if demande else None
    retarget = None
    if bloc not in t.blocks:
        bloc = None
    elif status_code == 422 and (englobant := _blocs_englobants(env, template).get(bloc)):
        bloc, retarget = englobant, "#" + _id_de_region(englobant)
    ctx = {**contexte_de_base(request), **(contexte or {}), "region": _id_de_region(bloc) if bloc else None}
    if bloc is None and page is not None:
        ctx.update(await page())
    html = render_block(env, template, bloc, **ctx) if bloc else t.render(ctx)
    entetes = {**VARY, **(headers or {})}
    if retarget:
        reponse = Retarget(html, retarget, media_type=MediaType.HTML, status_code=status_code)
        reponse.headers.update(entetes)
        return reponse
    return Response(html, media_type=MediaType.HTML, status_code=status_code, headers=entetes)


def rediriger(request: Request, url: str) -> Response:
    """303 for a plain form; for htmx, the plugin's client redirect (HX-Redirect), so that htmx
    loads the whole next page."""
    if _htmx(request):
        reponse = ClientRedirect(url)
        reponse.status_code = 200  # what htmx expects with HX-Redirect (a POST handler would say 201)
        reponse.headers.update(VARY)
        return reponse
    return Response("", status_code=303, headers={"Location": url, **VARY})


async def apres_ecriture(request: Request, url: str, template: str, contexte: Callable[[], Awaitable[dict[str, Any]]]) -> Response:
    """After a POST that succeeded: an htmx request that targets a region of `template` gets that
    region afresh (the person keeps their place in a long list); anything else is redirected to
    `url` (Post/Redirect/Get), whose page shows the same state."""
    demande = region(request)
    env: Environment = request.app.template_engine.engine  # type: ignore[union-attr]
    if demande and _nom_de_bloc(demande) in env.get_template(template).blocks:
        return await rendre(request, template, await contexte())
    return rediriger(request, url)


async def verifier_champ(request: Request, form) -> Response:
    """Inline check of the field just left (the plugin's trigger name): that field's wrapper alone
    (#champ-<nom>), its own message included, rendered from the form's declaration."""
    nom = request.htmx.trigger_name or ""
    if nom not in form.en_ligne():
        return Response("", status_code=204, headers=VARY)
    form.erreurs = type(form.erreurs)({k: v for k, v in form.erreurs.items() if k == nom})
    return await rendre(request, "macros/champ_verifie.html", {"form": form, "nom": nom, "url": request.url.path})


def verification_en_ligne(url: str | None, nom: str) -> dict[str, str]:
    """htmx attributes that check one field as it is left: the form is posted with
    action=verifier and the field's wrapper (#champ-<nom>) is swapped with the answer."""
    if not url:
        return {}
    return {
        "hx-post": url,
        "hx-trigger": "blur changed",
        "hx-target": f"#champ-{nom}",
        "hx-select": f"#champ-{nom}",
        "hx-swap": "outerHTML",
        "hx-include": "closest form",
        "hx-vals": '{"action": "verifier"}',
    }


def page_erreur(request: Request, status: int, titre: str, message: str, headers: dict[str, str] | None = None) -> Response[str]:
    """The error page; for an htmx request only its message (the script shows it in the region the
    request targets, and announces it). Synchronous: exception handlers call it."""
    env: Environment = request.app.template_engine.engine  # type: ignore[union-attr]
    ctx = {**contexte_de_base(request), "titre": titre, "message": message, "status": status, "region": None}
    html = render_block(env, "erreur.html", "erreur", **ctx) if _htmx(request) else env.get_template("erreur.html").render(ctx)
    return Response(html, media_type=MediaType.HTML, status_code=status, headers={**VARY, **(headers or {})})


def page_panne(request: Request) -> Response[str]:
    """503 while the database is unreachable (web.panne), and when to try again."""
    from web.panne import REESSAYER_APRES

    return page_erreur(
        request,
        503,
        "Service momentanément indisponible",
        "Le portail ne parvient pas à joindre sa base de données. Rien n'a été enregistré ; réessayez dans quelques instants.",
        headers={"Retry-After": str(REESSAYER_APRES)},
    )


@pass_context
def entree_de_menu(contexte, url: str, libelle: str, section: tuple[str, ...] = (), sauf: tuple[str, ...] = ()) -> Markup:
    """A link of the left menu (components/menu.html): aria-current="page" on the current page's
    entry, "true" on the entry of the section the page belongs to (a path under one of `section`
    and under none of `sauf`)."""
    courante = contexte["request"].url.path
    if courante == url:
        courant = ' aria-current="page"'
    elif courante.startswith(section) and not courante.startswith(sauf):
        courant = ' aria-current="true"'
    else:
        courant = ""
    return Markup(f'<a href="{escape(url)}"{courant}>{escape(libelle)}</a>')


@functools.cache
def statique(chemin: str) -> str:
    """/static/<chemin>?v=<hash of its content>: a URL that changes with the file, which nginx
    lets browsers keep for a year (deploy/nginx/portail.conf)."""
    from web.settings import ROOT

    empreinte = hashlib.sha256((ROOT / "static" / chemin).read_bytes()).hexdigest()[:12]
    return f"/static/{chemin}?v={empreinte}"


async def confirmer(
    request: Request, *, titre: str, consequence: str, action: str, libelle: str, retour: str, champs: dict[str, str] | None = None
) -> Response[str]:
    """The confirmation of a destructive or irreversible action (GET): it names the person or
    organisation and says what will happen, and holds the real POST form (`action`, the only
    writer). A page without JavaScript; in the page's dialog with it (region dialogue-contenu)."""
    c = {"titre": titre, "consequence": consequence, "action": action, "libelle": libelle, "retour": retour, "champs": champs or {}}
    return await rendre(request, "confirmation.html", {"c": c})
