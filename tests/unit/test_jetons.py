"""The design tokens (static/css/jetons.css): every declared colour pair meets WCAG AA, every
colour of the stylesheet is a token, and every media query uses a declared breakpoint."""

from __future__ import annotations

import re
from pathlib import Path

STATIQUE = Path(__file__).resolve().parents[2] / "static" / "css"
JETONS = (STATIQUE / "jetons.css").read_text()
FEUILLE = (STATIQUE / "portail.css").read_text()
MINIMUM = {"texte": 4.5, "grand": 3.0, "ui": 3.0}


def valeurs() -> dict[str, str]:
    return dict(re.findall(r"^\s*(--[\w-]+):\s*([^;]+);", JETONS, re.M))


def luminance(hexa: str) -> float:
    """Relative luminance, WCAG 2.2 definition."""
    hexa = hexa.lstrip("#")
    if len(hexa) == 3:
        hexa = "".join(c * 2 for c in hexa)
    canaux = [int(hexa[i : i + 2], 16) / 255 for i in (0, 2, 4)]
    r, g, b = (c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4 for c in canaux)
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def contraste(a: str, b: str) -> float:
    la, lb = sorted((luminance(a), luminance(b)), reverse=True)
    return (la + 0.05) / (lb + 0.05)


def test_la_formule_donne_les_valeurs_connues():
    assert round(contraste("#000", "#fff"), 1) == 21.0
    assert round(contraste("#767676", "#fff"), 2) == 4.54
    assert contraste("#777", "#fff") < 4.5


def test_chaque_paire_declaree_atteint_le_niveau_aa():
    v = valeurs()
    paires = re.findall(r"contraste (texte|grand|ui) (--[\w-]+) (--[\w-]+)", JETONS)
    assert len(paires) >= 20
    faibles = [
        (genre, avant, fond, round(contraste(v[avant], v[fond]), 2))
        for genre, avant, fond in paires
        if contraste(v[avant], v[fond]) < MINIMUM[genre]
    ]
    assert not faibles, faibles


def test_chaque_couleur_de_texte_du_jeton_a_sa_paire():
    """A colour used for text or a component is checked at least once."""
    v = valeurs()
    verifiees = set(re.findall(r"contraste \w+ (--[\w-]+) (--[\w-]+)", JETONS))
    nommees = {c for paire in verifiees for c in paire}
    couleurs = {nom for nom, val in v.items() if nom.startswith("--couleur-") and val.startswith("#")}
    assert couleurs - nommees - {"--couleur-separateur"} == set()


def test_la_feuille_ne_porte_aucune_couleur_en_dur():
    sans_commentaires = re.sub(r"/\*.*?\*/", "", FEUILLE, flags=re.S)
    assert re.findall(r"#[0-9a-fA-F]{3,6}\b|rgba?\(", sans_commentaires) == []


def test_chaque_point_de_rupture_est_un_jeton():
    v = valeurs()
    points = {v["--point-etroit"], v["--point-large"]}
    requetes = re.findall(r"@media[^{]*\((?:max|min)-width:\s*([\d.]+rem)\)", FEUILLE)
    assert requetes, "aucune media query"
    assert set(requetes) <= points, set(requetes) - points


def test_aucun_style_en_ligne_dans_les_gabarits():
    """Every screen uses the design system's classes: no style attribute, no <style> element."""
    gabarits = Path(__file__).resolve().parents[2] / "components"
    fautes = [str(f.relative_to(gabarits)) for f in gabarits.rglob("*.html") if re.search(r"\sstyle=|<style", f.read_text())]
    assert fautes == []


def test_chaque_classe_des_gabarits_existe_dans_la_feuille():
    """A class a template uses is one the stylesheet defines (or a known hook of the script)."""
    gabarits = Path(__file__).resolve().parents[2] / "components"
    definies = set(re.findall(r"\.([a-z][\w-]*)", re.sub(r"/\*.*?\*/", "", FEUILLE, flags=re.S)))
    utilisees = set()
    for f in gabarits.rglob("*.html"):
        for attribut in re.findall(r'class="([^"{]*)"', f.read_text()):
            utilisees |= set(attribut.split())
    assert utilisees - definies - {"en-ligne", "formulaire-ajout", "confirmation"} == set()
