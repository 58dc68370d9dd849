""" "Mes délégations": what the signed-in person holds and, for administrators, what they granted."""

from __future__ import annotations

from litestar import Request, Response, Router, get

from web import droits
from web.delegations import service
from web.droits import exiger_organisme
from web.rendu import rendre
from web.requete import Moi, SonOrganisme


@get("/")
async def mes_delegations(request: Request, moi: Moi, organisme: SonOrganisme) -> Response:
    # Who set my level or flag last; before any change, who opened my account.
    par = await service.personne(moi.habilite_par or moi.cree_par)
    ctx = {
        "par": par,
        "depuis": moi.habilite_le or moi.cree_le,
        "accordees": await service.accordees(moi) if droits.est_administrateur(moi) else [],
        "niveaux": droits.NIVEAUX,
        "sans_consequence": organisme.type == droits.EMPLOYEUR_PUBLIC,
    }
    return await rendre(request, "delegations/delegations.html", ctx)


router = Router(path="/delegations", guards=[exiger_organisme], route_handlers=[mes_delegations])
