"""Home page "Rechercher un titulaire" and the titulaire's page (identity, contact details,
hours account, dossiers). Only titulaires employed by the person's organisation exist here."""

from __future__ import annotations

from litestar import Request, Response, Router, get, post
from litestar.params import FromPath

from web import droits
from web.dossiers.transitions import LIBELLES_STATUT
from web.droits import Interdit, exiger_connexion, exiger_organisme
from web.entrees import id_ou_404
from web.formulaires import lire_formulaire
from web.rendu import rediriger, rendre, verifier_champ
from web.requete import Moi, OrganismePeutEtre, QuiAgit, SonOrganisme
from web.revue import service as revue
from web.tables import Titulaire
from web.titulaires import service
from web.titulaires.forms import FormCoordonneesTitulaire, Recherche
from web.titulaires.nir import formater

INFOS = {
    "coordonnees": "Les coordonnées du titulaire ont bien été enregistrées.",
    "supprime": "Le dossier en cours d'élaboration a été supprimé.",
}


@get("/", guards=[exiger_connexion], name="accueil")
async def accueil(request: Request, moi: Moi, organisme: OrganismePeutEtre) -> Response:
    """The guide's home page of an organisation's gestionnaire: "Rechercher un titulaire"."""
    if droits.est_agent_cdc(moi):
        return rediriger(request, "/cdc")  # the Caisse des Dépôts' agents have their own space
    peut = droits.peut_dossier(moi, organisme, "consulter")
    r = Recherche.lire(request.query_params) if peut else Recherche()
    lignes = await service.rechercher(organisme.id, r.nir, r.nom) if r.soumise and not r.erreurs else []
    ctx = {"r": r, "lignes": lignes, "peut_consulter": peut, "formater": formater}

    async def page() -> dict:  # the principal's reminder of a review due: the whole page only
        return {"rappel_revue": await revue.rappel(moi, request.app.state.settings.revue_periode)}

    # htmx: the results once the form is clean; with errors, the form (web.rendu, 422).
    return await rendre(request, "accueil.html", ctx, page=page, status_code=422 if r.erreurs else 200)


async def contexte(request: Request, organisme: SonOrganisme, t: Titulaire, form: FormCoordonneesTitulaire | None = None) -> dict:
    return {
        "t": t,
        "nir": formater(t.nir),
        "form": form or FormCoordonneesTitulaire(courriel=t.courriel, telephone=t.telephone, adresse=t.adresse),
        "solde": await service.solde(t.id),
        "mouvements": await service.mouvements(t.id),
        "dossiers": await service.dossiers(organisme.id, t.id),
        "statuts": LIBELLES_STATUT,
        "info": INFOS.get(request.query_params.get("fait", "")),
    }


@get("/titulaires/{titulaire_id:str}", guards=[exiger_organisme])
async def page_titulaire(request: Request, titulaire_id: FromPath[str], moi: Moi, organisme: SonOrganisme) -> Response:
    t = await service.charger(moi, organisme, id_ou_404(titulaire_id))
    return await rendre(request, "titulaires/titulaire.html", await contexte(request, organisme, t))


@post("/titulaires/{titulaire_id:str}/coordonnees", guards=[exiger_organisme])
async def modifier_coordonnees(
    request: Request, titulaire_id: FromPath[str], moi: Moi, organisme: SonOrganisme, acteur: QuiAgit
) -> Response:
    t = await service.charger(moi, organisme, id_ou_404(titulaire_id))
    if not droits.peut_dossier(moi, organisme, "modifier_coordonnees"):
        raise Interdit
    form = FormCoordonneesTitulaire.lire(await lire_formulaire(request))
    if form.action == "verifier":
        return await verifier_champ(request, form)
    if form.erreurs:
        return await rendre(request, "titulaires/titulaire.html", await contexte(request, organisme, t, form), status_code=422)
    await service.modifier_coordonnees(t, form, acteur)
    return rediriger(request, f"/titulaires/{t.id}?fait=coordonnees")


router = Router(path="/", route_handlers=[accueil, page_titulaire, modifier_coordonnees])
