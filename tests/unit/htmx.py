"""Fragment = page: what htmx does to a page, done here on the page's HTML, so that a test can hold
the result against a freshly rendered page for the same state (in the spirit of les-emplois'
`update_page_with_htmx`).

    avant = page(await client.get("/habilitations"))
    saisir(avant, "#recherche-prenom", "Lu")            # what the person typed
    apres = await declencher(client, avant, "form[hx-get]")  # the request htmx sends, its answer applied
    assert_meme_page(apres, page(await client.get("/habilitations?prenom=Lu&nom=&identifiant=&unite=")))

Only what the portal's pages use is simulated: hx-get/hx-post on a form, a link or a field,
hx-target (inherited, `#id`), hx-swap innerHTML/outerHTML, hx-select, hx-include "closest form",
hx-vals, hx-swap-oob, HX-Retarget, and base.html's responseHandling (2xx and 422 swap, 204 and
other errors do not)."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from urllib.parse import urlencode

from bs4 import BeautifulSoup, Tag

CSRF = re.compile(r'(name="_csrf_token" value=")[^"]*(")')


def page(reponse_ou_html) -> BeautifulSoup:
    html = reponse_ou_html if isinstance(reponse_ou_html, str) else reponse_ou_html.text
    return BeautifulSoup(html, "html.parser")


def saisir(soup: BeautifulSoup, selecteur: str, valeur: str) -> None:
    """What a person types (the field's value attribute, as htmx reads the field)."""
    champ = soup.select_one(selecteur)
    assert champ is not None, selecteur
    if champ.name == "textarea":
        champ.string = valeur
    elif champ.name == "select":
        for option in champ.find_all("option"):
            option.attrs.pop("selected", None)
            if option.get("value") == valeur:
                option["selected"] = ""
    else:
        champ["value"] = valeur


def _herite(element: Tag, attribut: str) -> str | None:
    for e in (element, *element.parents):
        if isinstance(e, Tag) and e.has_attr(attribut):
            return e[attribut]
    return None


def valeurs_du_formulaire(formulaire: Tag) -> dict[str, str]:
    """What a browser (and htmx) sends of a form: named fields, checked boxes, selected options."""
    donnees: dict[str, str] = {}
    for champ in formulaire.find_all(["input", "select", "textarea"]):
        nom = champ.get("name")
        if not nom or champ.has_attr("disabled"):
            continue
        if champ.name == "select":
            choisie = champ.find("option", selected=True) or champ.find("option")
            donnees[nom] = choisie.get("value", choisie.get_text()) if choisie else ""
        elif champ.name == "textarea":
            donnees[nom] = champ.get_text()
        elif champ.get("type") in ("checkbox", "radio"):
            if champ.has_attr("checked"):
                donnees[nom] = champ.get("value", "on")
        elif champ.get("type") not in ("submit", "button", "reset"):
            donnees[nom] = champ.get("value", "")
    return donnees


@dataclass
class Requete:
    methode: str
    url: str
    donnees: dict[str, str]
    cible: str  # the id of the target
    swap: str
    select: str | None
    entetes: dict[str, str]


def requete(soup: BeautifulSoup, selecteur: str, url: str | None = None, cible: str | None = None) -> Requete:
    """The request htmx sends for the element `selecteur` (`url`/`cible`: for htmx.ajax calls)."""
    e = soup.select_one(selecteur)
    assert e is not None, selecteur
    methode = "post" if e.has_attr("hx-post") else "get"
    url = url or e.get(f"hx-{methode}") or e.get("href")
    formulaire = e if e.name == "form" else (e.find_parent("form") if e.get("hx-include") == "closest form" else None)
    donnees = valeurs_du_formulaire(formulaire) if formulaire is not None else {}
    if e.name in ("input", "select", "textarea") and e.get("name") and e.name != "form" and formulaire is None:
        donnees[e["name"]] = e.get("value", "")
    if _herite(e, "hx-include") and formulaire is None and e.get("hx-include") != "closest form":
        for nom in re.findall(r"\[name='([^']+)'\]", e["hx-include"]):
            if (champ := soup.find(attrs={"name": nom})) is not None:
                donnees[nom] = champ.get("value", "")
    if e.has_attr("hx-vals"):
        donnees.update(json.loads(e["hx-vals"]))
    cible = cible or (_herite(e, "hx-target") or "").lstrip("#") or e.get("id")
    entetes = {"HX-Request": "true", "HX-Target": cible}
    if e.get("name"):
        entetes["HX-Trigger-Name"] = e["name"]
    swap = (_herite(e, "hx-swap") or "innerHTML").split()[0]
    return Requete(methode, url, donnees, cible, swap, e.get("hx-select"), entetes)


async def envoyer(client, r: Requete):
    if r.methode == "get":
        url = r.url + ("?" + urlencode(r.donnees) if r.donnees else "")
        return await client.get(url, headers=r.entetes, follow_redirects=False)
    return await client.post(r.url, data=r.donnees, headers=r.entetes, follow_redirects=False)


def appliquer(soup: BeautifulSoup, r: Requete, reponse) -> BeautifulSoup:
    """The page after htmx swapped `reponse` into it (a copy; `soup` is left as it was)."""
    apres = BeautifulSoup(str(soup), "html.parser")
    statut = reponse.status_code
    if statut == 204 or not (200 <= statut < 300 or statut == 422):
        return apres
    assert "hx-redirect" not in reponse.headers, "a redirect loads a whole page: nothing is swapped"
    cible_id = reponse.headers.get("hx-retarget", "#" + r.cible).lstrip("#")
    swap = reponse.headers.get("hx-reswap", r.swap)
    fragment = BeautifulSoup(reponse.text, "html.parser")
    for oob in fragment.select("[hx-swap-oob]"):
        oob.extract()
        place = apres.find(id=oob["id"])
        assert place is not None, f"#{oob['id']} (hx-swap-oob) absent de la page"
        place.clear()
        for enfant in list(oob.contents):
            place.append(enfant)
    if r.select:
        choisi = fragment.select_one(r.select)
        assert choisi is not None, f"{r.select} absent de la réponse"
        fragment = BeautifulSoup(str(choisi), "html.parser")
    cible = apres.find(id=cible_id)
    assert cible is not None, f"#{cible_id} absent de la page"
    nouveaux = list(fragment.contents)
    if swap == "outerHTML":
        for n in nouveaux:
            cible.insert_before(n)
        cible.extract()
    else:
        cible.clear()
        for n in nouveaux:
            cible.append(n)
    return apres


async def declencher(client, soup: BeautifulSoup, selecteur: str, **kw) -> tuple[BeautifulSoup, object]:
    """The request htmx sends for `selecteur`, then the page with its answer swapped in."""
    r = requete(soup, selecteur, **kw)
    reponse = await envoyer(client, r)
    return appliquer(soup, r, reponse), reponse


def normaliser(soup: BeautifulSoup | Tag, ignorer: tuple[str, ...] = ()) -> str:
    """Compared text of a page: the CSRF token and white space between tags do not count."""
    copie = BeautifulSoup(str(soup), "html.parser")
    for selecteur in ignorer:
        for e in copie.select(selecteur):
            e.decompose()
    texte = CSRF.sub(r"\1…\2", str(copie))
    return re.sub(r"\s+", " ", re.sub(r">\s+<", "><", texte)).strip()


def assert_meme_page(apres: BeautifulSoup, frais: BeautifulSoup, ignorer: tuple[str, ...] = ("title",)) -> None:
    """The page as htmx left it equals the page rendered afresh. `title`: htmx keeps the page's
    title (no fragment carries one)."""
    a, b = normaliser(apres, ignorer), normaliser(frais, ignorer)
    if a != b:
        i = next((k for k in range(min(len(a), len(b))) if a[k] != b[k]), min(len(a), len(b)))
        raise AssertionError(f"la page après htmx diffère de la page fraîche :\n  htmx  : …{a[max(0, i - 150):i + 150]}…\n"
                             f"  page  : …{b[max(0, i - 150):i + 150]}…")  # fmt: skip


def assert_meme_element(apres: BeautifulSoup, frais: BeautifulSoup, selecteur: str) -> None:
    """The region htmx replaced equals the same region of the page rendered afresh."""
    a, b = apres.select_one(selecteur), frais.select_one(selecteur)
    assert a is not None and b is not None, selecteur
    assert normaliser(a) == normaliser(b), f"{selecteur} :\n  htmx : {normaliser(a)}\n  page : {normaliser(b)}"
