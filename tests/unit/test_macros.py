"""The templates' macros are built once per process (web.macros): no template imports them again at
each render, a module shared by every request reads nothing of a request, and what they show stays
escaped."""

from __future__ import annotations

import os
import time
from pathlib import Path

import pytest
from jinja2 import DictLoader, Environment, FileSystemLoader, nodes, pass_context
from litestar.testing import AsyncTestClient

from tests.unit.conftest import connecte, creer_gestionnaire, creer_organisme
from web import macros
from web.app import create_app
from web.settings import ROOT

COMPOSANTS = ROOT / "components"


@pytest.fixture
def env(settings):
    return create_app(settings, services=False).template_engine.engine


def test_aucun_gabarit_n_importe_de_macros(env):
    """Each `{% from … import … %}` costs its lookup at every render (a rebuilt module when imported
    `with context`): a module whose macros are needed is declared once in web.macros.MODULES."""
    imports = []
    for fichier in sorted(COMPOSANTS.rglob("*.html")):
        nom = fichier.relative_to(COMPOSANTS).as_posix()
        for noeud in env.parse(fichier.read_text(), nom).find_all((nodes.Import, nodes.FromImport)):
            cible = noeud.template.value if isinstance(noeud.template, nodes.Const) else "?"
            imports.append(f"{nom}:{noeud.lineno} importe {cible}")
    assert imports == []


def test_chaque_macro_des_modules_est_globale_une_fois(env):
    for nom in macros.MODULES:
        arbre = env.parse((COMPOSANTS / nom).read_text())
        definies = [m.name for m in arbre.body if isinstance(m, nodes.Macro) and not m.name.startswith("_")]
        assert definies, nom
        for macro in definies:
            # The global is this module's macro, not another's of the same name.
            assert Path(env.globals[macro]._func.__code__.co_filename) == COMPOSANTS / nom, macro


def test_une_macro_globale_echappe_ce_qu_elle_affiche(env):
    html = env.from_string("{{ alerte(message, 'erreur') }}{{ champ('nom', 'Nom', valeur) }}{{ badge(libelle) }}").render(
        message="<script>alert(1)</script>", valeur='"><img src=x onerror=alert(1)>', libelle="<b>Actif</b>"
    )
    assert "<script>" not in html and "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "<img" not in html and 'value="&#34;&gt;&lt;img src=x onerror=alert(1)&gt;"' in html
    assert "<b>" not in html and "&lt;b&gt;Actif&lt;/b&gt;" in html


def _env(**gabarits: str) -> Environment:
    e = Environment(loader=DictLoader(gabarits), autoescape=True)
    e.globals["droits"] = "D"
    return e


def test_un_module_qui_lit_la_requete_est_refuse():
    """Built once, a module would keep the first request's organisation: it must take it as argument."""
    e = _env(**{"m.html": "{% macro niveau(form) %}{{ organisme.type }} {{ droits }}{% endmacro %}"})
    with pytest.raises(RuntimeError, match="m.html lit organisme"):
        macros.exposer(e, ("m.html",))
    # csrf_token and url_for are globals that read the render's context: as unusable.
    e = _env(**{"m.html": "{% macro f() %}{{ csrf_token() }}{% endmacro %}"})
    e.globals["csrf_token"] = pass_context(lambda ctx: "")
    with pytest.raises(RuntimeError, match="m.html lit csrf_token"):
        macros.exposer(e, ("m.html",))
    # A name set in a branch, a module's own constant, a macro's arguments and loop are not reads.
    e = _env(**{"m.html": "{% set c = {} %}{% macro f(a) %}{% if a %}{% set x = 1 %}{{ x }}{% endif %}{{ c }}{{ droits }}{% endmacro %}"})
    macros.exposer(e, ("m.html",))
    assert e.from_string("{{ f(1) }}").render() == "1{}D"


def test_un_nom_de_macro_n_est_declare_qu_une_fois():
    e = _env(a="{% macro liste() %}a{% endmacro %}", b="{% macro liste() %}b{% endmacro %}")
    with pytest.raises(RuntimeError, match="b : liste déjà déclaré"):
        macros.exposer(e, ("a", "b"))
    with pytest.raises(RuntimeError, match="a : droits déjà déclaré"):
        macros.exposer(_env(a="{% macro droits() %}{% endmacro %}"), ("a",))


async def test_les_champs_du_gestionnaire_suivent_l_organisme_de_la_requete(base_vide, settings):
    """champs_gestionnaire, built once for the process, shows the note of a public employer's
    organisation, and not an operator's, whichever organisation's page was rendered first."""
    app = create_app(settings, services=False)
    async with AsyncTestClient(app=app) as operateur, AsyncTestClient(app=app) as employeur:
        pages = {}
        for client, type_ in ((operateur, "operateur"), (employeur, "employeur_public")):
            compte = await creer_organisme(settings, prenom="Omar" if client is operateur else "Anne", type_=type_)
            await connecte(client, compte)
            g = await creer_gestionnaire(settings, compte.organisme_id)
            pages[client] = ("/habilitations/ajouter", f"/habilitations/{g.id}")
        for client, note in ((operateur, False), (employeur, True), (operateur, False)):
            for chemin in pages[client]:
                r = await client.get(chemin)
                assert r.status_code == 200
                assert ('id="niveau-sans-consequence"' in r.text) is note, chemin


def test_en_developpement_un_module_modifie_est_reconstruit(tmp_path):
    """With auto_reload (development), a macro file edited shows at the next request, in the
    modules built on it too; unchanged, nothing is built again."""
    (tmp_path / "a.html").write_text("{% macro f() %}avant{% endmacro %}")
    (tmp_path / "b.html").write_text("{% macro g() %}[{{ f() }}]{% endmacro %}")
    e = Environment(loader=FileSystemLoader(tmp_path), autoescape=True, auto_reload=True)
    a_jour = macros.exposer(e, ("a.html", "b.html"))
    g = e.globals["g"]
    a_jour()
    assert e.globals["g"] is g and e.from_string("{{ g() }}").render() == "[avant]"
    (tmp_path / "a.html").write_text("{% macro f() %}après{% endmacro %}")
    os.utime(tmp_path / "a.html", (time.time() + 5, time.time() + 5))  # a later modification time, whatever the clock's resolution
    a_jour()
    assert e.from_string("{{ g() }}").render() == "[après]"
