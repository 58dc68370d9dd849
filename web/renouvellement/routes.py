"""Mot de passe oublié (public) and the administrators' list of requests."""

from __future__ import annotations

from litestar import Request, Response, Router, get, post
from litestar.params import FromPath

from web import droits
from web.entrees import id_ou_404
from web.formulaires import lire_formulaire
from web.rendu import rediriger, rendre
from web.renouvellement import service
from web.renouvellement.forms import FormOubli
from web.requete import Moi, QuiAgit, adresse

NEUTRE = (
    "Si cet identifiant correspond à un compte actif, votre demande a été transmise à la personne habilitée à renouveler "
    "votre mot de passe. Vous recevrez alors un nouveau mot de passe temporaire par courriel."
)


@get("/mot-de-passe/oublie")
async def page_oubli(request: Request) -> Response:
    return await rendre(request, "renouvellement/oubli.html", {"form": FormOubli()})


@post("/mot-de-passe/oublie")
async def oubli(request: Request) -> Response:
    form = FormOubli.lire(await lire_formulaire(request))
    if form.erreurs:
        return await rendre(request, "renouvellement/oubli.html", {"form": form}, status_code=422)
    await service.recevoir(form.cle, adresse(request))
    return await rendre(request, "renouvellement/oubli.html", {"form": FormOubli(), "envoye": NEUTRE})


@get("/habilitations/demandes", guards=[droits.exiger_administrateur])
async def demandes(request: Request, moi: Moi) -> Response:
    ctx = {"demandes": await service.demandes_pour(moi), "fait": request.query_params.get("fait"), "espace": "organisme"}
    return await rendre(request, "renouvellement/demandes.html", ctx)


@post("/habilitations/demandes/{id_:str}/renouveler", guards=[droits.exiger_administrateur])
async def servir(request: Request, id_: FromPath[str], moi: Moi, acteur: QuiAgit) -> Response:
    # Served meanwhile by another administrator (or no such request): say so, renew nothing twice.
    fait = await service.servir(request.app.state.settings, id_ou_404(id_), moi, acteur)
    return rediriger(request, f"/habilitations/demandes?fait={'renouvele' if fait else 'deja'}")


router = Router(path="/", route_handlers=[page_oubli, oubli, demandes, servir])
