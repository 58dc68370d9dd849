"""Guard rails of the code's shape (README, « Organisation du code »), read from the source itself:
every import of every module under web/, at module level or inside a function (what `if
TYPE_CHECKING:` holds is never run, so not counted)."""

from __future__ import annotations

import ast
import functools
from pathlib import Path

from web.settings import ROOT

CHAINE_MAX = 6


def _nom(chemin: Path) -> str:
    parties = chemin.relative_to(ROOT).with_suffix("").parts
    return ".".join(parties[:-1] if parties[-1] == "__init__" else parties)


MODULES = {_nom(p): p for p in (ROOT / "web").rglob("*.py")}


def importes(chemin: Path) -> set[str]:
    """The modules of web/ that this file imports, wherever the import stands."""
    arbre = ast.parse(chemin.read_text(encoding="utf-8"))
    for noeud in ast.walk(arbre):
        if isinstance(noeud, ast.If) and getattr(noeud.test, "id", getattr(noeud.test, "attr", "")) == "TYPE_CHECKING":
            noeud.body = []
    noms: set[str] = set()
    for noeud in ast.walk(arbre):
        if isinstance(noeud, ast.Import):
            noms |= {a.name for a in noeud.names}
        elif isinstance(noeud, ast.ImportFrom) and noeud.module:
            noms |= {noeud.module} | {f"{noeud.module}.{a.name}" for a in noeud.names}
    return {n for n in noms if n in MODULES} - {_nom(chemin)}


GRAPHE = {nom: importes(chemin) for nom, chemin in MODULES.items()}


def test_aucun_module_de_routes_n_en_importe_un_autre():
    """Only web/app.py assembles the routers: a route module never reaches into another."""
    fautes = [f"{a} importe {b}" for a, bs in GRAPHE.items() for b in bs if b.endswith(".routes") and a != "web.app"]
    assert not fautes, fautes


def composantes() -> list[list[str]]:
    """Tarjan's strongly connected components with more than one module: the import cycles."""
    index: dict[str, int] = {}
    bas: dict[str, int] = {}
    pile: list[str] = []
    cycles: list[list[str]] = []

    def visiter(v: str) -> None:
        index[v] = bas[v] = len(index)
        pile.append(v)
        for w in GRAPHE[v]:
            if w not in index:
                visiter(w)
                bas[v] = min(bas[v], bas[w])
            elif w in pile:
                bas[v] = min(bas[v], index[w])
        if bas[v] == index[v]:
            composante = []
            while True:
                w = pile.pop()
                composante.append(w)
                if w == v:
                    break
            if len(composante) > 1:
                cycles.append(sorted(composante))

    for v in sorted(GRAPHE):
        if v not in index:
            visiter(v)
    return cycles


def test_aucun_cycle_d_imports():
    assert composantes() == []


def test_aucune_chaine_d_imports_de_plus_de_six_modules():
    assert composantes() == []

    @functools.cache
    def plus_longue(v: str) -> tuple[str, ...]:
        return max(((v, *plus_longue(w)) for w in GRAPHE[v]), key=len, default=(v,))

    chaine = max((plus_longue(v) for v in GRAPHE), key=len)
    assert len(chaine) <= CHAINE_MAX, " -> ".join(chaine)


def test_le_garde_fou_voit_les_imports():
    """The walk finds what it must: otherwise the tests above would pass on nothing."""
    assert "web.rendu" in GRAPHE["web.titulaires.routes"] and "web.titulaires.routes" in GRAPHE["web.app"]
    assert len(GRAPHE) > 50
