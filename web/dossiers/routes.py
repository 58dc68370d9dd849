"""Dossiers de formation: create/edit/delete a draft, validate, reject, send back, close, and
"Clôture simplifiée". Every action is checked here (level, organisation, status) whatever the
page offered."""

from __future__ import annotations

import logging

from litestar import Request, Response, Router, get, post
from litestar.exceptions import NotFoundException
from litestar.params import FromPath

from web import droits
from web.connexion.routes import adresse
from web.dossiers import service
from web.dossiers import transitions as tr
from web.droits import Interdit, exiger_organisme
from web.entrees import id_ou_404
from web.formulaires import Erreurs, lire_formulaire, texte
from web.rendu import cible, rediriger, rendre
from web.tables import Dossier
from web.titulaires import service as titulaires
from web.titulaires.nir import formater, lire_nir
from web.titulaires.routes import charger

log = logging.getLogger(__name__)
INFOS = {
    "cree": "Le dossier a été créé : il est en cours d'élaboration.",
    "modifie": "Le dossier a bien été enregistré.",
    "valider": "Le dossier est validé.",
    "rejeter": "Le dossier est rejeté.",
    "renvoyer": "Le dossier est revenu en cours d'élaboration.",
    "cloturer": "Le dossier est clôturé : les heures réalisées ont été débitées du compte d'heures.",
    "cloture_simplifiee": "La formation est enregistrée et clôturée : ses heures ont été débitées du compte d'heures.",
}


def exiger(request: Request, action: str) -> None:
    if not droits.peut_dossier(request.state.utilisateur, request.state.organisme, action):
        raise Interdit


async def charger_dossier(request: Request, dossier_id: FromPath[str]) -> Dossier:
    exiger(request, "consulter")
    d = await service.dossier_de(request.state.organisme.id, id_ou_404(dossier_id))
    if d is None:
        raise NotFoundException
    return d


# --- Create and edit a draft ----------------------------------------------------------------


def ctx_formulaire(t, form: service.FormDossier, d: Dossier | None = None) -> dict:
    return {"t": t, "form": form, "d": d, "libelles": service.LIBELLES}


@get("/titulaires/{titulaire_id:str}/dossiers/nouveau")
async def page_nouveau(request: Request, titulaire_id: FromPath[str]) -> Response:
    t = await charger(request, id_ou_404(titulaire_id))
    exiger(request, "creer")
    return rendre(request, "dossiers/formulaire.html", ctx_formulaire(t, service.FormDossier()))


@post("/titulaires/{titulaire_id:str}/dossiers/nouveau")
async def creer(request: Request, titulaire_id: FromPath[str]) -> Response:
    t = await charger(request, id_ou_404(titulaire_id))
    exiger(request, "creer")
    form = service.FormDossier.lire(await lire_formulaire(request))
    if form.erreurs:
        return rendre(request, "dossiers/formulaire.html", ctx_formulaire(t, form), status_code=422)
    d = await service.creer(request.state.utilisateur, t.id, form, adresse(request))
    return rediriger(request, f"/dossiers/{d.id}?fait=cree")


@get("/dossiers/{dossier_id:str}/modifier")
async def page_modifier(request: Request, dossier_id: FromPath[str]) -> Response:
    d = await charger_dossier(request, dossier_id)
    if not droits.peut_transition(request.state.utilisateur, request.state.organisme, d, "modifier"):
        raise Interdit
    t = await charger(request, d.titulaire)
    return rendre(request, "dossiers/formulaire.html", ctx_formulaire(t, service.FormDossier.de(d), d))


@post("/dossiers/{dossier_id:str}/modifier")
async def modifier(request: Request, dossier_id: FromPath[str]) -> Response:
    d = await charger_dossier(request, dossier_id)
    if not droits.peut_transition(request.state.utilisateur, request.state.organisme, d, "modifier"):
        raise Interdit
    t = await charger(request, d.titulaire)
    form = service.FormDossier.lire(await lire_formulaire(request))
    if not form.erreurs:
        try:
            await service.modifier(request.state.utilisateur, d, form, adresse(request))
            return rediriger(request, f"/dossiers/{d.id}?fait=modifie")
        except tr.TransitionRefusee as exc:
            form.erreurs["intitule"] = str(exc)
    return rendre(request, "dossiers/formulaire.html", ctx_formulaire(t, form, d), status_code=422)


# --- The dossier page and its transitions -----------------------------------------------------


async def ctx_dossier(request: Request, d: Dossier, erreurs: Erreurs | None = None, saisie: dict | None = None) -> dict:
    moi, org = request.state.utilisateur, request.state.organisme
    t = await charger(request, d.titulaire)
    return {
        "d": d,
        "t": t,
        "nir": formater(t.nir),
        "solde": await titulaires.solde(t.id),
        "historique": await service.historique(d.id),
        "statuts": tr.LIBELLES_STATUT,
        "permis": {a: droits.peut_transition(moi, org, d, a) for a in tr.SUR_DOSSIER},
        "erreurs": erreurs or Erreurs(),
        "saisie": saisie or {},
        "libelles": service.LIBELLES,
        "info": INFOS.get(request.query_params.get("fait", "")),
    }


@get("/dossiers/{dossier_id:str}")
async def page_dossier(request: Request, dossier_id: FromPath[str]) -> Response:
    d = await charger_dossier(request, dossier_id)
    return rendre(request, "dossiers/dossier.html", await ctx_dossier(request, d))


@post("/dossiers/{dossier_id:str}/{action:str}")
async def agir(request: Request, dossier_id: FromPath[str], action: FromPath[str]) -> Response:
    if action not in ("supprimer", "valider", "rejeter", "renvoyer", "cloturer"):
        raise NotFoundException
    moi, org = request.state.utilisateur, request.state.organisme
    d = await charger_dossier(request, dossier_id)
    exiger(request, action)
    donnees = await lire_formulaire(request)
    erreurs = Erreurs()
    if not droits.peut_transition(moi, org, d, action):
        try:
            tr.appliquer(d.statut, action, motif="-")
        except tr.TransitionRefusee as exc:
            erreurs["action"] = str(exc)
        return rendre(request, "dossiers/dossier.html", await ctx_dossier(request, d, erreurs), status_code=409)
    try:
        if action == "supprimer":
            await service.supprimer(moi, d, adresse(request))
            return rediriger(request, f"/titulaires/{d.titulaire}?fait=supprime")
        if action in ("rejeter", "renvoyer"):
            motif = service.lire_motif(donnees, erreurs)
            if not erreurs:
                await service.changer_statut(moi, d, action, motif=motif, adresse=adresse(request))
        elif action == "valider":
            await service.changer_statut(moi, d, action, adresse=adresse(request))
        else:
            heures = service.lire_heures(donnees, "heures_realisees", erreurs)
            if heures is not None:
                await service.cloturer(moi, d, heures, adresse(request))
    except tr.SoldeInsuffisant as exc:
        erreurs["heures_realisees"] = str(exc)
    except tr.TransitionRefusee as exc:
        erreurs["action"] = str(exc)
    if erreurs:
        d = await service.dossier_de(org.id, d.id) or d
        return rendre(request, "dossiers/dossier.html", await ctx_dossier(request, d, erreurs, donnees), status_code=422)
    return rediriger(request, f"/dossiers/{d.id}?fait={action}")


# --- Clôture simplifiée -----------------------------------------------------------------------


def ctx_simplifiee(form: service.FormDossier, nir: str = "", nom: str = "", solde: int | None = None) -> dict:
    return {"form": form, "nir": nir, "nom": nom, "libelles": service.LIBELLES, "solde": solde}


@get("/cloture-simplifiee")
async def page_cloture_simplifiee(request: Request) -> Response:
    exiger(request, "cloture_simplifiee")
    return rendre(request, "dossiers/cloture_simplifiee.html", ctx_simplifiee(service.FormDossier()))


@post("/cloture-simplifiee")
async def cloture_simplifiee(request: Request) -> Response:
    exiger(request, "cloture_simplifiee")
    moi, org = request.state.utilisateur, request.state.organisme
    donnees = await lire_formulaire(request)
    form = service.FormDossier.lire(donnees, realisees=True)
    erreurs = Erreurs()
    nir, erreur = lire_nir(donnees.get("nir", ""))
    if erreur:
        erreurs["nir"] = erreur
    nom = texte(donnees, "nom", "Nom", erreurs)
    solde = None
    titulaire_id = None
    if not erreurs:
        lignes = await titulaires.rechercher(org.id, nir, nom)
        if not lignes:
            erreurs["nir"] = titulaires.AUCUN
        else:
            titulaire_id = lignes[0]["id"]
            solde = await titulaires.solde(titulaire_id)
    form.erreurs = Erreurs({**erreurs, **form.erreurs})
    if not form.erreurs:
        try:
            d = await service.cloture_simplifiee(moi, titulaire_id, form, adresse(request))
            return rediriger(request, f"/dossiers/{d.id}?fait=cloture_simplifiee")
        except tr.SoldeInsuffisant as exc:
            form.erreurs["heures_realisees"] = str(exc)
            solde = exc.solde
    bloc = "formulaire" if cible(request) == "formulaire" else None
    return rendre(request, "dossiers/cloture_simplifiee.html", ctx_simplifiee(form, nir, nom, solde), bloc=bloc, status_code=422)


router = Router(
    path="/",
    guards=[exiger_organisme],
    route_handlers=[
        page_nouveau,
        creer,
        page_modifier,
        modifier,
        page_dossier,
        agir,
        page_cloture_simplifiee,
        cloture_simplifiee,
    ],  # fmt: skip
)
