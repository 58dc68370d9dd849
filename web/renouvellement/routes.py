"""Mot de passe oublié (public) and the administrators' list of requests."""

from __future__ import annotations

from litestar import Request, Response, Router, get, post
from litestar.params import FromPath

from web import droits
from web.comptes.identifiant import normaliser_identifiant
from web.connexion.routes import adresse
from web.entrees import id_ou_404
from web.formulaires import lire_formulaire
from web.rendu import rediriger, rendre
from web.renouvellement import service

NEUTRE = (
    "Si cet identifiant correspond à un compte actif, votre demande a été transmise à la personne habilitée à renouveler "
    "votre mot de passe. Vous recevrez alors un nouveau mot de passe temporaire par courriel."
)


@get("/mot-de-passe/oublie")
async def page_oubli(request: Request) -> Response:
    return rendre(request, "renouvellement/oubli.html", {"identifiant": "", "erreur": None})


@post("/mot-de-passe/oublie")
async def oubli(request: Request) -> Response:
    saisie = (await lire_formulaire(request)).get("identifiant", "")
    identifiant = normaliser_identifiant(saisie)
    if not identifiant:
        erreur = "Saisissez votre identifiant." if not saisie.strip() else "Cet identifiant n'est pas au bon format."
        return rendre(request, "renouvellement/oubli.html", {"identifiant": saisie[:32], "erreur": erreur}, status_code=422)
    await service.recevoir(identifiant, adresse(request))
    return rendre(request, "renouvellement/oubli.html", {"identifiant": "", "erreur": None, "envoye": NEUTRE})


@get("/habilitations/demandes", guards=[droits.exiger_administrateur])
async def demandes(request: Request) -> Response:
    ctx = {"demandes": await service.demandes_pour(request.state.utilisateur), "fait": request.query_params.get("fait")}
    return rendre(request, "renouvellement/demandes.html", {**ctx, "espace": "organisme"})


@post("/habilitations/demandes/{id_:str}/renouveler", guards=[droits.exiger_administrateur])
async def servir(request: Request, id_: FromPath[str]) -> Response:
    try:
        servie = await service.servir(request.app.state.settings, id_ou_404(id_), request.state.utilisateur, adresse(request))
    except service.NonAutorise:
        raise droits.Interdit from None
    # Served meanwhile by another administrator (or no such request): say so, renew nothing twice.
    return rediriger(request, f"/habilitations/demandes?fait={'renouvele' if servie else 'deja'}")


router = Router(path="/", route_handlers=[page_oubli, oubli, demandes, servir])
