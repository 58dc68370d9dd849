"""The templates' macros, loaded once per process and callable from every template as globals.

A template's `{% from "…" import … %}` runs at every render: Jinja looks the module up and
compares the globals of both templates before handing back its cached module (and rebuilds it
outright for an import `with context`), a few per cent of a page's processor time (bench/RESULTS.md,
« Où passe le temps »). Each module below is built once, when the application is created, and
its macros become Jinja globals: no template imports them (tests/unit/test_macros.py). In
development (auto_reload) they are built again at the first request after one of their files changed.

A module built once is shared by every request: it reads nothing but its arguments and the
globals declared before it (checked at start-up), never a request's variables (`moi`,
`organisme`, `csrf_input`…) nor a global that reads the render's context."""

from __future__ import annotations

from collections.abc import Callable

from jinja2 import Environment, Template, meta, nodes
from jinja2.runtime import Macro

# Dependencies first: a module's macros see the globals present when it is built.
MODULES = (
    "macros/statut.html",
    "macros/pagination.html",
    "macros/recherche.html",
    "macros/composants.html",
    "macros/formulaire.html",
    "macros/mot_de_passe.html",
    "fragments/courriels_non_remis.html",
    "habilitations/champs.html",
    "importation/lignes.html",
)


def exposer(env: Environment, modules: tuple[str, ...] = MODULES) -> Callable[[], None]:
    """Build each module once and declare its macros (names without a leading `_`) as globals.
    Refuses to start when a module reads a name that is not a global yet, or when a macro's name
    is already taken (by another module's macro or by a global). Returns what builds them again
    when one of their files changed (development: env.auto_reload), to be called per request."""
    construits: dict[str, Template] = {}
    declares: set[str] = set()

    def construire() -> None:
        for nom in declares:
            del env.globals[nom]
        declares.clear()
        for nom in modules:
            arbre = env.parse(env.loader.get_source(env, nom)[0])  # type: ignore[union-attr]
            noms = list(arbre.find_all(nodes.Name))
            # Neither arguments nor globals (a name set in one branch of an {% if %} is also looked
            # up outside it: not a read), and the globals that read the render's context (csrf_token…).
            lus = meta.find_undeclared_variables(arbre) - {n.name for n in noms if n.ctx == "store"}
            lus |= {n.name for n in noms if n.ctx == "load" and _lit_le_contexte(env.globals.get(n.name))}
            if lus:
                lus_ = ", ".join(sorted(lus))
                raise RuntimeError(f"{nom} lit {lus_} : ni argument de ses macros, ni variable globale déclarée avant lui")
            gabarit = env.get_template(nom)
            # A module of its own (not the template's cached one): rebuilt, it sees the macros
            # rebuilt before it.
            module = gabarit.make_module()
            macros = {n: v for n, v in vars(module).items() if isinstance(v, Macro) and not n.startswith("_")}
            deja = sorted(n for n in macros if n in env.globals)
            if deja:
                raise RuntimeError(f"{nom} : {', '.join(deja)} déjà déclaré comme variable globale")
            env.globals.update(macros)
            declares.update(macros)
            construits[nom] = gabarit

    def reconstruire_si_modifie() -> None:
        # With auto_reload, get_template hands back a new template when its file changed.
        if any(env.get_template(nom) is not gabarit for nom, gabarit in construits.items()):
            construire()

    construire()
    return reconstruire_si_modifie


def _lit_le_contexte(valeur: object) -> bool:
    """A global marked @pass_context: called from a shared module, it would read that module's context."""
    passe = getattr(valeur, "jinja_pass_arg", None)
    return passe is not None and passe.name == "context"
