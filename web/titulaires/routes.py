"""Home page "Rechercher un titulaire" and the titulaire's page (identity, contact details,
hours account, dossiers). Only titulaires employed by the person's organisation exist here."""

from __future__ import annotations

from litestar import Request, Response, Router, get, post
from litestar.exceptions import NotFoundException
from litestar.params import FromPath

from web import droits
from web.connexion.routes import adresse
from web.db import ecriture
from web.dossiers.transitions import LIBELLES_STATUT
from web.droits import Interdit, exiger_organisme
from web.entrees import id_ou_404
from web.formulaires import lire_formulaire
from web.journal import journaliser
from web.rendu import cible, rediriger, rendre
from web.tables import Titulaire
from web.titulaires import service
from web.titulaires.nir import formater

INFOS = {
    "coordonnees": "Les coordonnées du titulaire ont bien été enregistrées.",
    "supprime": "Le dossier en cours d'élaboration a été supprimé.",
}


async def page_recherche(request: Request) -> Response:
    """The home page of an organisation's gestionnaire (called by the `accueil` handler)."""
    moi, org = request.state.utilisateur, request.state.organisme
    peut = droits.peut_dossier(moi, org, "consulter")
    r = service.Recherche.lire(request.query_params) if peut else service.Recherche()
    lignes: list[dict] = []
    if r.soumise and not r.erreurs:
        lignes = await service.rechercher(org.id, r.nir, r.nom)
    ctx = {"r": r, "lignes": lignes, "peut_consulter": peut, "formater": formater}
    # htmx: only the results once the form is clean; the form again (errors, or clearing them).
    c, bloc, entetes = cible(request), None, {}
    if c == "resultats-titulaire" and not r.erreurs:
        bloc = "resultats"
    elif c in ("recherche-titulaire", "resultats-titulaire"):
        bloc = "recherche"
        if c == "resultats-titulaire":
            entetes["HX-Retarget"] = "#recherche-titulaire"
    return rendre(request, "accueil.html", ctx, bloc=bloc, status_code=422 if r.erreurs else 200, headers=entetes)


async def charger(request: Request, titulaire_id: int) -> Titulaire:
    moi, org = request.state.utilisateur, request.state.organisme
    if not droits.peut_dossier(moi, org, "consulter"):
        raise Interdit
    t = await service.titulaire_de(org.id, titulaire_id)
    if t is None:
        raise NotFoundException
    return t


async def contexte(request: Request, t: Titulaire, form: service.FormCoordonnees | None = None) -> dict:
    org = request.state.organisme
    return {
        "t": t,
        "nir": formater(t.nir),
        "form": form or service.FormCoordonnees.de(t),
        "libelles": service.LIBELLES_COORDONNEES,
        "solde": await service.solde(t.id),
        "mouvements": await service.mouvements(t.id),
        "dossiers": await service.dossiers(org.id, t.id),
        "statuts": LIBELLES_STATUT,
        "info": INFOS.get(request.query_params.get("fait", "")),
    }


@get("/{titulaire_id:str}")
async def page_titulaire(request: Request, titulaire_id: FromPath[str]) -> Response:
    t = await charger(request, id_ou_404(titulaire_id))
    return rendre(request, "titulaires/titulaire.html", await contexte(request, t))


@post("/{titulaire_id:str}/coordonnees")
async def modifier_coordonnees(request: Request, titulaire_id: FromPath[str]) -> Response:
    moi, org = request.state.utilisateur, request.state.organisme
    t = await charger(request, id_ou_404(titulaire_id))
    if not droits.peut_dossier(moi, org, "modifier_coordonnees"):
        raise Interdit
    donnees = await lire_formulaire(request)
    form = service.FormCoordonnees.lire(donnees)
    if donnees.get("action") == "verifier":
        # Inline check as a field is left: only that field's message.
        nom = request.headers.get("hx-trigger-name", "")
        for k in [k for k in form.erreurs if k != nom]:
            form.erreurs.pop(k)
        return rendre(request, "titulaires/titulaire.html", await contexte(request, t, form), bloc="coordonnees")
    bloc = "coordonnees" if cible(request) == "coordonnees" else None
    if form.erreurs:
        return rendre(request, "titulaires/titulaire.html", await contexte(request, t, form), bloc=bloc, status_code=422)
    async with ecriture():
        changes = await service.modifier_coordonnees(t.id, form)
        if changes:
            await journaliser(
                "titulaire_modifie", acteur=moi.id, organisme=org.id, adresse=adresse(request),
                detail=f"Titulaire n° {t.id} : " + ", ".join(service.LIBELLES_COORDONNEES[k] for k in changes),
            )  # fmt: skip
    return rediriger(request, f"/titulaires/{t.id}?fait=coordonnees")


router = Router(path="/titulaires", guards=[exiger_organisme], route_handlers=[page_titulaire, modifier_coordonnees])
