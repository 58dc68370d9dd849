"""Dossiers de formation: create/edit/delete a draft, validate, reject, send back, close, and
"Clôture simplifiée". Every action is checked here (level, organisation, status) whatever the
page offered: one handler per action, each around `transition`."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from litestar import Request, Response, Router, get, post
from litestar.params import FromPath

from web import droits
from web.dossiers import service
from web.dossiers import transitions as tr
from web.dossiers.forms import FormCloture, FormClotureSimplifiee, FormDossier, FormMotif
from web.droits import Interdit, exiger_organisme
from web.entrees import id_ou_404, trouve
from web.formulaires import Erreurs, lire_formulaire
from web.rendu import confirmer, rediriger, rendre
from web.requete import Moi, QuiAgit, SonOrganisme
from web.tables import Dossier
from web.titulaires import service as titulaires
from web.titulaires.nir import formater

INFOS = {
    "cree": "Le dossier a été créé : il est en cours d'élaboration.",
    "modifie": "Le dossier a bien été enregistré.",
    "valider": "Le dossier est validé.",
    "rejeter": "Le dossier est rejeté.",
    "renvoyer": "Le dossier est revenu en cours d'élaboration.",
    "cloturer": "Le dossier est clôturé : les heures réalisées ont été débitées du compte d'heures.",
    "cloture_simplifiee": "La formation est enregistrée et clôturée : ses heures ont été débitées du compte d'heures.",
}


def exiger(moi: Moi, organisme: SonOrganisme, action: str) -> None:
    if not droits.peut_dossier(moi, organisme, action):
        raise Interdit


async def dossier_ou_404(moi: Moi, organisme: SonOrganisme, dossier_id: str) -> Dossier:
    exiger(moi, organisme, "consulter")
    return trouve(await service.dossier_de(organisme.id, id_ou_404(dossier_id)))


# --- Create and edit a draft ----------------------------------------------------------------


async def page_formulaire(request: Request, t, form: FormDossier, d: Dossier | None = None, status_code: int = 200) -> Response:
    return await rendre(request, "dossiers/formulaire.html", {"t": t, "form": form, "d": d}, status_code=status_code)


@get("/titulaires/{titulaire_id:str}/dossiers/nouveau")
async def page_nouveau(request: Request, titulaire_id: FromPath[str], moi: Moi, organisme: SonOrganisme) -> Response:
    t = await titulaires.charger(moi, organisme, id_ou_404(titulaire_id))
    exiger(moi, organisme, "creer")
    return await page_formulaire(request, t, FormDossier())


@post("/titulaires/{titulaire_id:str}/dossiers/nouveau")
async def creer(request: Request, titulaire_id: FromPath[str], moi: Moi, organisme: SonOrganisme, acteur: QuiAgit) -> Response:
    t = await titulaires.charger(moi, organisme, id_ou_404(titulaire_id))
    exiger(moi, organisme, "creer")
    form = FormDossier.lire(await lire_formulaire(request))
    if form.erreurs:
        return await page_formulaire(request, t, form, status_code=422)
    d = await service.creer(acteur, t.id, form)
    return rediriger(request, f"/dossiers/{d.id}?fait=cree")


async def brouillon(moi: Moi, organisme: SonOrganisme, dossier_id: str) -> tuple[Dossier, object]:
    """A dossier this person may edit now, and its titulaire."""
    d = await dossier_ou_404(moi, organisme, dossier_id)
    if not droits.peut_transition(moi, organisme, d, "modifier"):
        raise Interdit
    return d, await titulaires.charger(moi, organisme, d.titulaire)


@get("/dossiers/{dossier_id:str}/modifier")
async def page_modifier(request: Request, dossier_id: FromPath[str], moi: Moi, organisme: SonOrganisme) -> Response:
    d, t = await brouillon(moi, organisme, dossier_id)
    form = FormDossier(intitule=d.intitule, organisme_formation=d.organisme_formation, date_debut=d.date_debut, date_fin=d.date_fin,
                       heures_prevues=d.heures_prevues)  # fmt: skip
    return await page_formulaire(request, t, form, d)


@post("/dossiers/{dossier_id:str}/modifier")
async def modifier(request: Request, dossier_id: FromPath[str], moi: Moi, organisme: SonOrganisme, acteur: QuiAgit) -> Response:
    d, t = await brouillon(moi, organisme, dossier_id)
    form = FormDossier.lire(await lire_formulaire(request))
    if not form.erreurs:
        try:
            await service.modifier(acteur, d, form)
            return rediriger(request, f"/dossiers/{d.id}?fait=modifie")
        except tr.TransitionRefusee as exc:
            form.erreurs["intitule"] = str(exc)
    return await page_formulaire(request, t, form, d, 422)


# --- The dossier page and its transitions -----------------------------------------------------


async def page(request: Request, moi, organisme, d: Dossier, erreurs: Erreurs | None = None, saisie=None, status_code=200) -> Response:
    t = await titulaires.charger(moi, organisme, d.titulaire)
    ctx = {
        "d": d,
        "t": t,
        "nir": formater(t.nir),
        "solde": await titulaires.solde(t.id),
        "historique": await service.historique(d.id),
        "permis": {a: droits.peut_transition(moi, organisme, d, a) for a in tr.SUR_DOSSIER},
        "erreurs": erreurs or Erreurs(),
        "saisie": saisie or {},
        "libelles": {**FormDossier.libelles(), **FormMotif.libelles(), **FormCloture.libelles()},
        "info": INFOS.get(request.query_params.get("fait", "")),
    }
    return await rendre(request, "dossiers/dossier.html", ctx, status_code=status_code)


@get("/dossiers/{dossier_id:str}")
async def page_dossier(request: Request, dossier_id: FromPath[str], moi: Moi, organisme: SonOrganisme) -> Response:
    return await page(request, moi, organisme, await dossier_ou_404(moi, organisme, dossier_id))


Faire = Callable[[Dossier, dict[str, str]], Awaitable[str | Erreurs]]


async def transition(request: Request, dossier_id: str, action: str, moi: Moi, organisme: SonOrganisme, faire: Faire) -> Response:
    """One action on a dossier: the level (403), the dossier of this organisation (404), then its
    status, checked once against the state machine (409 with its reason). `faire` returns where to
    go next, or the form's errors; what it refuses is shown on the dossier page (422)."""
    d = await dossier_ou_404(moi, organisme, dossier_id)
    exiger(moi, organisme, action)
    if (raison := tr.refus(d.statut, action)) is not None:
        return await page(request, moi, organisme, d, Erreurs(action=raison), status_code=409)
    donnees = await lire_formulaire(request)
    erreurs = Erreurs()
    try:
        suite = await faire(d, donnees)
        if isinstance(suite, str):
            return rediriger(request, suite)
        erreurs = suite
    except tr.SoldeInsuffisant as exc:
        erreurs["heures_realisees"] = str(exc)
    except tr.TransitionRefusee as exc:
        erreurs["action"] = str(exc)
    d = await service.dossier_de(organisme.id, d.id) or d
    return await page(request, moi, organisme, d, erreurs, donnees, 422)


@get("/dossiers/{dossier_id:str}/supprimer")
async def confirmer_supprimer(request: Request, dossier_id: FromPath[str], moi: Moi, organisme: SonOrganisme) -> Response:
    d = await dossier_ou_404(moi, organisme, dossier_id)
    exiger(moi, organisme, "supprimer")
    t = await titulaires.charger(moi, organisme, d.titulaire)
    nom = f"{t.prenom} {t.nom_usage or t.nom_naissance}"
    return await confirmer(
        request, titre=f"Supprimer le dossier « {d.intitule} »", libelle="Supprimer le dossier",
        consequence=f"Le dossier de formation « {d.intitule} » de {nom} sera supprimé définitivement.",
        action=f"/dossiers/{d.id}/supprimer", retour=f"/dossiers/{d.id}",
    )  # fmt: skip


@post("/dossiers/{dossier_id:str}/supprimer")
async def supprimer(request: Request, dossier_id: FromPath[str], moi: Moi, organisme: SonOrganisme, acteur: QuiAgit) -> Response:
    async def faire(d: Dossier, _donnees) -> str:
        await service.supprimer(acteur, d)
        return f"/titulaires/{d.titulaire}?fait=supprime"

    return await transition(request, dossier_id, "supprimer", moi, organisme, faire)


@post("/dossiers/{dossier_id:str}/valider")
async def valider(request: Request, dossier_id: FromPath[str], moi: Moi, organisme: SonOrganisme, acteur: QuiAgit) -> Response:
    async def faire(d: Dossier, _donnees) -> str:
        await service.changer_statut(acteur, d, "valider")
        return f"/dossiers/{d.id}?fait=valider"

    return await transition(request, dossier_id, "valider", moi, organisme, faire)


def avec_motif(action: str, acteur: QuiAgit) -> Faire:
    """Rejeter, renvoyer: the reason is required."""

    async def faire(d: Dossier, donnees) -> str | Erreurs:
        form = FormMotif.lire(donnees)
        if form.erreurs:
            return form.erreurs
        await service.changer_statut(acteur, d, action, motif=form.motif)
        return f"/dossiers/{d.id}?fait={action}"

    return faire


@post("/dossiers/{dossier_id:str}/rejeter")
async def rejeter(request: Request, dossier_id: FromPath[str], moi: Moi, organisme: SonOrganisme, acteur: QuiAgit) -> Response:
    return await transition(request, dossier_id, "rejeter", moi, organisme, avec_motif("rejeter", acteur))


@post("/dossiers/{dossier_id:str}/renvoyer")
async def renvoyer(request: Request, dossier_id: FromPath[str], moi: Moi, organisme: SonOrganisme, acteur: QuiAgit) -> Response:
    return await transition(request, dossier_id, "renvoyer", moi, organisme, avec_motif("renvoyer", acteur))


@post("/dossiers/{dossier_id:str}/cloturer")
async def cloturer(request: Request, dossier_id: FromPath[str], moi: Moi, organisme: SonOrganisme, acteur: QuiAgit) -> Response:
    async def faire(d: Dossier, donnees) -> str | Erreurs:
        form = FormCloture.lire(donnees)
        if form.erreurs:
            return form.erreurs
        await service.cloturer(acteur, d, form.heures_realisees)
        return f"/dossiers/{d.id}?fait=cloturer"

    return await transition(request, dossier_id, "cloturer", moi, organisme, faire)


# --- Clôture simplifiée -----------------------------------------------------------------------


async def page_simplifiee(request: Request, form: FormClotureSimplifiee, solde: int | None = None, status_code: int = 200) -> Response:
    return await rendre(request, "dossiers/cloture_simplifiee.html", {"form": form, "solde": solde}, status_code=status_code)


@get("/cloture-simplifiee")
async def page_cloture_simplifiee(request: Request, moi: Moi, organisme: SonOrganisme) -> Response:
    exiger(moi, organisme, "cloture_simplifiee")
    return await page_simplifiee(request, FormClotureSimplifiee())


@post("/cloture-simplifiee")
async def cloture_simplifiee(request: Request, moi: Moi, organisme: SonOrganisme, acteur: QuiAgit) -> Response:
    exiger(moi, organisme, "cloture_simplifiee")
    form = FormClotureSimplifiee.lire(await lire_formulaire(request))
    solde = titulaire_id = None
    if "nir" not in form.erreurs and "nom" not in form.erreurs:
        lignes = await titulaires.rechercher(organisme.id, form.nir, form.nom)
        if not lignes:
            form.erreurs["nir"] = titulaires.AUCUN
        else:
            titulaire_id = lignes[0]["id"]
            solde = await titulaires.solde(titulaire_id)
    if not form.erreurs:
        try:
            d = await service.cloture_simplifiee(acteur, titulaire_id, form)
            return rediriger(request, f"/dossiers/{d.id}?fait=cloture_simplifiee")
        except tr.SoldeInsuffisant as exc:
            form.erreurs["heures_realisees"] = str(exc)
            solde = exc.solde
    return await page_simplifiee(request, form, solde, 422)


router = Router(
    path="/",
    guards=[exiger_organisme],
    route_handlers=[
        page_nouveau,
        creer,
        page_modifier,
        modifier,
        page_dossier,
        confirmer_supprimer,
        supprimer,
        valider,
        rejeter,
        renvoyer,
        cloturer,
        page_cloture_simplifiee,
        cloture_simplifiee,
    ],
)
