"""« Revue des habilitations » (the principal administrator) and, for the Caisse des Dépôts, the
organisations that have not reviewed theirs within the period."""

from __future__ import annotations

from litestar import Request, Response, Router, get, post
from litestar.params import FromPath

from web import droits
from web.droits import Interdit
from web.entrees import id_ou_404, trouve
from web.entrees import page as numero_de_page
from web.formulaires import lire_formulaire
from web.organismes.forms import TYPES as TYPES_ORGANISME
from web.pagination import paginer
from web.rendu import apres_ecriture, confirmer, rediriger, rendre
from web.requete import Moi, QuiAgit
from web.revue import service
from web.revue.forms import FormNiveau
from web.tables import Utilisateur

DECISIONS = {"confirme": "Confirmé", "modifie": "Niveau modifié", "suspendu": "Suspendu"}
INFOS = {
    "commencee": "La revue est commencée : chaque décision est enregistrée aussitôt, vous pouvez l'interrompre et la reprendre.",
    "terminee": "La revue des habilitations est terminée et enregistrée.",
    "confirme": "L'habilitation est confirmée.",
    "modifie": "Le niveau d'habilitation est modifié.",
    "suspendu": "Le compte est suspendu : il ne peut plus se connecter.",
}
REFUS = {
    "fermee": "Cette revue est déjà terminée : rien n'a été enregistré.",
    "niveau": "Choisissez un des niveaux d'habilitation proposés.",
}


async def contexte(request: Request, moi: Utilisateur, page: int, **extra) -> dict:
    settings = request.app.state.settings
    revue = await service.ouverte(moi.organisme)
    ctx = {
        "revue": revue, "mois": service.MOIS_NON_UTILISE, "niveaux": droits.NIVEAUX, "decisions": DECISIONS,
        "derniere": await service.derniere(moi.organisme), "echeance": await service.echeance(moi.organisme, settings.revue_periode),
        **extra,
    }  # fmt: skip
    if revue:
        lignes, total = await service.comptes(revue, page)
        ctx.update(
            lignes=lignes, total=total, restants=await service.restants(revue),
            pagination=paginer(page, service.PAR_PAGE, "/habilitations/revue")(total),
        )  # fmt: skip
    return ctx


@get("/")
async def revue(request: Request, moi: Moi) -> Response:
    q = request.query_params
    info, refus = INFOS.get(q.get("fait", "")), REFUS.get(q.get("refus", ""))
    ctx = await contexte(request, moi, numero_de_page(q.get("page")), info=info, refus=refus)
    return await rendre(request, "revue/revue.html", ctx)


@post("/")
async def commencer(request: Request, acteur: QuiAgit) -> Response:
    await service.commencer(acteur)
    return rediriger(request, "/habilitations/revue?fait=commencee")


async def compte_revu(moi: Utilisateur, id_: str) -> Utilisateur:
    """An account of the organisation the principal manages (never their own)."""
    cible = trouve(await service.compte(moi.organisme, id_ou_404(id_)))
    if not droits.peut_gerer(moi, cible):
        raise Interdit
    return cible


async def decider(request: Request, id_: str, moi: Utilisateur, faire) -> Response:
    """One decision on an account: back to the same page of the list (htmx: that region afresh)."""
    cible = await compte_revu(moi, id_)
    donnees = await lire_formulaire(request)
    page = numero_de_page(donnees.get("page"))
    ouverte = await service.ouverte(moi.organisme)
    if ouverte is None:
        return rediriger(request, "/habilitations/revue?refus=fermee")
    try:
        fait = await faire(ouverte, cible, donnees)
    except service.RevueFermee:
        return rediriger(request, "/habilitations/revue?refus=fermee")
    if fait == "niveau":
        return rediriger(request, f"/habilitations/revue?page={page}&refus=niveau#compte-{cible.id}")
    annonce = f"{cible.prenom} {cible.nom} : {DECISIONS[fait].lower()}."

    async def ctx() -> dict:
        return await contexte(request, moi, page, annonce=annonce)

    return await apres_ecriture(request, f"/habilitations/revue?page={page}&fait={fait}#compte-{cible.id}", "revue/revue.html", ctx)


@post("/{id_:str}/confirmer")
async def confirmer_compte(request: Request, id_: FromPath[str], moi: Moi, acteur: QuiAgit) -> Response:
    async def faire(revue, cible, _):
        await service.confirmer(acteur, revue, cible)
        return "confirme"

    return await decider(request, id_, moi, faire)


@post("/{id_:str}/niveau")
async def changer_niveau(request: Request, id_: FromPath[str], moi: Moi, acteur: QuiAgit) -> Response:
    async def faire(revue, cible, donnees):
        form = FormNiveau.lire(donnees)
        if form.erreurs or (form.valeur is not None and form.valeur not in droits.niveaux_accordables(moi, cible.niveau)):
            return "niveau"
        await service.changer_niveau(acteur, revue, cible, form.valeur)
        return "modifie" if form.valeur != cible.niveau else "confirme"

    return await decider(request, id_, moi, faire)


@get("/{id_:str}/suspendre")
async def confirmer_suspendre(request: Request, id_: FromPath[str], moi: Moi) -> Response:
    cible = await compte_revu(moi, id_)
    page = numero_de_page(request.query_params.get("page"))
    nom = f"{cible.prenom} {cible.nom}"
    return await confirmer(
        request, titre=f"Suspendre le compte de {nom}", libelle="Suspendre le compte",
        consequence=f"{nom} ne pourra plus se connecter au portail. La suspension est enregistrée dans la revue ; "
        "vous pourrez réactiver le compte depuis sa fiche.",
        action=f"/habilitations/revue/{cible.id}/suspendre", retour=f"/habilitations/revue?page={page}#compte-{cible.id}",
        champs={"page": str(page)},
    )  # fmt: skip


@post("/{id_:str}/suspendre")
async def suspendre(request: Request, id_: FromPath[str], moi: Moi, acteur: QuiAgit) -> Response:
    async def faire(revue, cible, _):
        await service.suspendre(acteur, revue, cible)
        return "suspendu"

    return await decider(request, id_, moi, faire)


@post("/terminer")
async def terminer(request: Request, moi: Moi, acteur: QuiAgit) -> Response:
    ouverte = await service.ouverte(moi.organisme)
    if ouverte is None:
        return rediriger(request, "/habilitations/revue?refus=fermee")
    try:
        await service.terminer(acteur, ouverte)
    except service.RevueFermee:
        return rediriger(request, "/habilitations/revue?refus=fermee")
    except service.RevueIncomplete as e:
        s = "s" if e.restants > 1 else ""
        refus = f"La revue ne peut pas être terminée : {e.restants} compte{s} reste{'nt' if s else ''} à examiner."
        return await rendre(request, "revue/revue.html", await contexte(request, moi, 1, refus=refus), status_code=422)
    return rediriger(request, "/habilitations/revue?fait=terminee")


router = Router(
    path="/habilitations/revue",
    guards=[droits.exiger_principal],
    route_handlers=[revue, commencer, confirmer_compte, changer_niveau, confirmer_suspendre, suspendre, terminer],
)


@get("/")
async def organismes_en_retard(request: Request) -> Response:
    periode = request.app.state.settings.revue_periode
    c = service.CriteresCdc.lire(request.query_params, TYPES_ORGANISME)
    lignes, total = await service.en_retard(c, periode)
    criteres = {"q": c.q, "type": c.type, "jamais": "on" if c.jamais else ""}
    pagination = paginer(c.page, service.PAR_PAGE_CDC, "/cdc/revues", criteres)(total)
    ctx = {"criteres": c, "lignes": lignes, "total": total, "types": TYPES_ORGANISME, "pagination": pagination, "jours": periode.days}
    return await rendre(request, "revue/cdc.html", ctx)


router_cdc = Router(path="/cdc/revues", guards=[droits.exiger_agent_cdc], route_handlers=[organismes_en_retard])
