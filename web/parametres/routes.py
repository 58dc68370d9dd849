"""Paramètres: the organisation's units, and its details (read-only). Every administrator sees
them; only the principal manages the units (SPEC §2)."""

from __future__ import annotations

from litestar import Request, Response, Router, get, post
from litestar.exceptions import NotFoundException
from litestar.params import FromPath

from web import droits
from web.connexion.routes import adresse
from web.db import ecriture
from web.entrees import id_ou_404
from web.formulaires import lire_formulaire
from web.habilitations.service import creer_unite
from web.journal import journaliser
from web.organismes.service import TYPES
from web.rendu import rediriger, rendre
from web.tables import Unite, Utilisateur

DEJA = "Une unité de votre organisme porte déjà ce nom."

MESSAGES = {
    "ajoutee": "L'unité a été ajoutée.",
    "renommee": "L'unité a été renommée.",
    "supprimee": "L'unité a été supprimée.",
}


async def page(request: Request, erreurs: dict | None = None, status_code: int = 200, saisies: dict | None = None) -> Response:
    """`saisies`: what the person typed, shown back after an error."""
    moi = request.state.utilisateur
    unites = await Unite.select(Unite.id, Unite.nom).where(Unite.organisme == moi.organisme).order_by(Unite.nom)
    utilisees = {r["unite"] for r in await Utilisateur.select(Utilisateur.unite).where(Utilisateur.organisme == moi.organisme).distinct()}
    ctx = {
        "unites": unites,
        "utilisees": utilisees,
        "types": TYPES,
        "erreurs": erreurs or {},
        "saisies": saisies or {},
        "info": MESSAGES.get(request.query_params.get("fait", "")),
    }
    return rendre(request, "parametres/parametres.html", ctx, status_code=status_code)


@get("/")
async def parametres(request: Request) -> Response:
    return await page(request)


def exiger_principal(request: Request) -> None:
    if not droits.peut_gerer_unites(request.state.utilisateur):
        raise droits.Interdit


@post("/unites")
async def ajouter(request: Request) -> Response:
    exiger_principal(request)
    nom = (await lire_formulaire(request)).get("nom", "")
    if await nom_pris(request, nom):
        return await page(request, {"nom": DEJA}, 422, {"nom": nom[:100]})
    _, erreur = await creer_unite(request.state.utilisateur, nom, adresse(request))
    if erreur:
        return await page(request, {"nom": erreur}, 422, {"nom": nom[:100]})
    return rediriger(request, "/parametres?fait=ajoutee")


async def nom_pris(request: Request, nom: str, sauf: int | None = None) -> bool:
    """Two units of one organisation with the same name could not be told apart in its lists."""
    filtre = (Unite.organisme == request.state.utilisateur.organisme) & (Unite.nom == " ".join(nom.split()))
    if sauf is not None:
        filtre &= Unite.id != sauf
    return await Unite.exists().where(filtre)


async def unite_de(request: Request, id_: str) -> Unite:
    u = await Unite.objects().where((Unite.id == id_ou_404(id_)) & (Unite.organisme == request.state.utilisateur.organisme)).first()
    if u is None:
        raise NotFoundException
    return u


@post("/unites/{id_:str}")
async def renommer(request: Request, id_: FromPath[str]) -> Response:
    exiger_principal(request)
    unite = await unite_de(request, id_)
    nom = " ".join((await lire_formulaire(request)).get("nom", "").split())
    champ = f"nom-{unite.id}"
    if not nom:
        return await page(request, {champ: "Saisissez le nouveau nom de l'unité."}, 422, {champ: ""})
    if len(nom) > 100:
        return await page(request, {champ: "Le nom de l'unité doit compter 100 caractères au maximum."}, 422, {champ: nom[:100]})
    if await nom_pris(request, nom, sauf=unite.id):
        return await page(request, {champ: DEJA}, 422, {champ: nom})
    moi = request.state.utilisateur
    async with ecriture():
        await Unite.update({Unite.nom: nom}).where(Unite.id == unite.id)
        await journaliser("unite_renommee", acteur=moi.id, organisme=moi.organisme, adresse=adresse(request), detail=f"{unite.nom} → {nom}")
    return rediriger(request, "/parametres?fait=renommee")


@post("/unites/{id_:str}/supprimer")
async def supprimer(request: Request, id_: FromPath[str]) -> Response:
    exiger_principal(request)
    unite = await unite_de(request, id_)
    moi = request.state.utilisateur
    async with ecriture():
        if await Utilisateur.exists().where(Utilisateur.unite == unite.id):
            return await page(
                request,
                {f"nom-{unite.id}": f"L'unité « {unite.nom} » est encore attribuée à des gestionnaires : elle ne peut pas être supprimée."},
                422,
            )
        await Unite.delete().where(Unite.id == unite.id)
        await journaliser("unite_supprimee", acteur=moi.id, organisme=moi.organisme, adresse=adresse(request), detail=unite.nom)
    return rediriger(request, "/parametres?fait=supprimee")


router = Router(path="/parametres", guards=[droits.exiger_administrateur], route_handlers=[parametres, ajouter, renommer, supprimer])
