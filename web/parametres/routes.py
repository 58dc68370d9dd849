"""Paramètres: the organisation's units, and its details (read-only). Every administrator sees
them; only the principal manages the units."""

from __future__ import annotations

from litestar import Request, Response, Router, get, post
from litestar.params import FromPath

from web import droits
from web.entrees import id_ou_404, trouve
from web.formulaires import lire_formulaire
from web.organismes.forms import TYPES
from web.parametres import service
from web.parametres.forms import FormRenommer, FormSecondFacteur, FormUnite
from web.rendu import confirmer, rediriger, rendre
from web.requete import Moi, QuiAgit
from web.tables import Unite

MESSAGES = {
    "ajoutee": "L'unité a été ajoutée.",
    "renommee": "L'unité a été renommée.",
    "supprimee": "L'unité a été supprimée.",
    "facteur_exige": "Le second facteur est exigé de tous les gestionnaires : chacun le configurera à sa prochaine connexion.",
    "facteur_libre": "Le second facteur n'est plus exigé des gestionnaires (il le reste des administrateurs).",
}


async def page(request: Request, moi: Moi, erreurs: dict | None = None, saisies: dict | None = None) -> Response:
    """`saisies`: what the person typed, shown back after an error (422)."""
    ctx = {
        "unites": await service.unites(moi.organisme),
        "utilisees": await service.utilisees(moi.organisme),
        "types": TYPES,
        "erreurs": erreurs or {},
        "saisies": saisies or {},
        "info": MESSAGES.get(request.query_params.get("fait", "")),
    }
    return await rendre(request, "parametres/parametres.html", ctx, status_code=422 if erreurs else 200)


@get("/")
async def parametres(request: Request, moi: Moi) -> Response:
    return await page(request, moi)


def exiger_principal(moi: Moi) -> None:
    if not droits.peut_gerer_unites(moi):
        raise droits.Interdit


async def unite_ou_404(moi: Moi, id_: str) -> Unite:
    return trouve(await service.unite_de(moi.organisme, id_ou_404(id_)))


@post("/second-facteur")
async def second_facteur(request: Request, moi: Moi, acteur: QuiAgit) -> Response:
    if not droits.peut_exiger_second_facteur(moi):
        raise droits.Interdit
    form = FormSecondFacteur.lire(await lire_formulaire(request))
    await service.exiger_second_facteur(acteur, form.requis)
    return rediriger(request, f"/parametres?fait={'facteur_exige' if form.requis else 'facteur_libre'}")


@post("/unites")
async def ajouter(request: Request, moi: Moi, acteur: QuiAgit) -> Response:
    exiger_principal(moi)
    form = FormUnite.lire(await lire_formulaire(request))
    if not form.erreurs and await service.nom_pris(moi.organisme, form.nom):
        form.erreurs["nom"] = service.DEJA
    if form.erreurs:
        return await page(request, moi, form.erreurs, {"nom": form.nom[:100]})
    await service.creer(acteur, form.nom)
    return rediriger(request, "/parametres?fait=ajoutee")


@post("/unites/{id_:str}")
async def renommer(request: Request, id_: FromPath[str], moi: Moi, acteur: QuiAgit) -> Response:
    exiger_principal(moi)
    unite = await unite_ou_404(moi, id_)
    form = FormRenommer.lire(await lire_formulaire(request))
    champ = f"nom-{unite.id}"
    try:
        if form.erreurs:
            raise service.UniteRefusee(form.erreurs["nom"])
        await service.renommer(acteur, unite, form.nom)
    except service.UniteRefusee as refus:
        return await page(request, moi, {champ: str(refus)}, {champ: form.nom[:100]})
    return rediriger(request, "/parametres?fait=renommee")


@get("/unites/{id_:str}/supprimer")
async def confirmer_supprimer(request: Request, id_: FromPath[str], moi: Moi) -> Response:
    exiger_principal(moi)
    unite = await unite_ou_404(moi, id_)
    return await confirmer(
        request, titre=f"Supprimer l'unité {unite.nom}", libelle="Supprimer l'unité",
        consequence=f"L'unité {unite.nom} ne sera plus proposée pour les gestionnaires de votre organisme.",
        action=f"/parametres/unites/{unite.id}/supprimer", retour="/parametres",
    )  # fmt: skip


@post("/unites/{id_:str}/supprimer")
async def supprimer(request: Request, id_: FromPath[str], moi: Moi, acteur: QuiAgit) -> Response:
    exiger_principal(moi)
    unite = await unite_ou_404(moi, id_)
    try:
        await service.supprimer(acteur, unite)
    except service.UniteRefusee as refus:
        return await page(request, moi, {f"nom-{unite.id}": str(refus)})
    return rediriger(request, "/parametres?fait=supprimee")


router = Router(
    path="/parametres",
    guards=[droits.exiger_administrateur],
    route_handlers=[parametres, second_facteur, ajouter, renommer, confirmer_supprimer, supprimer],
)
