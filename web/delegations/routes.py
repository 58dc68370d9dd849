""" "Mes délégations": what the signed-in person holds and, for administrators, what they granted."""

from __future__ import annotations

from litestar import Request, Response, Router, get

from web import droits
from web.droits import exiger_organisme
from web.rendu import rendre
from web.tables import Utilisateur


async def _personne(uid) -> dict | None:
    uid = getattr(uid, "id", uid)
    if uid is None:
        return None
    return (
        await Utilisateur.select(Utilisateur.prenom, Utilisateur.nom, Utilisateur.identifiant, Utilisateur.role)
        .where(Utilisateur.id == uid)
        .first()
    )


@get("/")
async def mes_delegations(request: Request) -> Response:
    moi, org = request.state.utilisateur, request.state.organisme
    # Who set my level or flag last; before any change, who opened my account.
    par = await _personne(moi.habilite_par) if moi.habilite_par else await _personne(moi.cree_par)
    depuis = moi.habilite_le or moi.cree_le
    accordees: list[dict] = []
    if droits.est_administrateur(moi):
        accordees = await Utilisateur.select(
            Utilisateur.id, Utilisateur.prenom, Utilisateur.nom, Utilisateur.identifiant, Utilisateur.role,
            Utilisateur.niveau, Utilisateur.statut, Utilisateur.habilite_le, Utilisateur.cree_le,
        ).where(
            (Utilisateur.organisme == org.id)
            & (Utilisateur.id != moi.id)
            & ((Utilisateur.habilite_par == moi.id) | (Utilisateur.habilite_par.is_null() & (Utilisateur.cree_par == moi.id)))
        ).order_by(Utilisateur.nom).order_by(Utilisateur.prenom)  # fmt: skip
    ctx = {
        "par": par,
        "depuis": depuis,
        "accordees": accordees,
        "niveaux": droits.NIVEAUX,
        "sans_consequence": org.type == droits.EMPLOYEUR_PUBLIC,
    }
    return rendre(request, "delegations/delegations.html", ctx)


router = Router(path="/delegations", guards=[exiger_organisme], route_handlers=[mes_delegations])
