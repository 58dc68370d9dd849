"""Guide, "Habiliter un gestionnaire": Gérer les habilitations (administrators only)."""

from __future__ import annotations

import logging

from litestar import Request, Response, Router, get, post
from litestar.exceptions import NotFoundException
from litestar.params import FromPath
from litestar.response import Stream

from web import droits
from web.comptes.service import courriels_non_remis, renouveler_mot_de_passe
from web.droits import Interdit
from web.entrees import id_ou_404, trouve
from web.entrees import page as numero_de_page
from web.formulaires import lire_formulaire
from web.habilitations import service
from web.habilitations.forms import DESCRIPTIONS_NIVEAUX, FormFiltres, FormGestionnaire
from web.journal import TYPES
from web.journal import page as journal_de
from web.pagination import paginer
from web.parametres.service import unites
from web.rendu import confirmer, rediriger, rendre, verifier_champ
from web.requete import Moi, QuiAgit
from web.tables import ACTIF, DELEGUE, SUSPENDU, Utilisateur
from web.temps import maintenant

log = logging.getLogger(__name__)
JOURNAL_PAR_PAGE = 50
ECHEC_CREATION = "Le compte n'a pas pu être créé, rien n'a été enregistré. Veuillez réessayer dans quelques instants."
# What the gestionnaire's page says after an action (?fait=…).
INFOS = {
    "enregistre": "Les modifications ont bien été enregistrées.",
    "suspendu": "Le compte est suspendu : il ne peut plus se connecter.",
    "reactive": "Le compte est réactivé.",
    "renouvele": "Un nouveau mot de passe temporaire vient de lui être envoyé par courriel.",
    "facteurs": "Ses seconds facteurs ont été réinitialisés : il en configurera un nouveau à sa prochaine connexion.",
}
# What the gestionnaire's page says when an action was refused (?refus=…).
REFUS = {
    "courriel": "Le compte ne peut pas être réactivé : son adresse de courriel est déjà utilisée par un gestionnaire "
    "actif de votre organisme. Modifiez-la d'abord.",
}


async def contexte_formulaire(moi: Moi, form: FormGestionnaire, **extra) -> dict:
    g = extra.get("g")
    if g is not None:  # the gestionnaire's page: its history, whether shown afresh or with errors
        extra |= {"historique": await service.historique(g), "types": TYPES}
    return {
        "form": form,
        "unites": await unites(moi.organisme),
        "niveaux": droits.niveaux_accordables(moi, g.niveau if g else None),
        "descriptions": DESCRIPTIONS_NIVEAUX,
        **extra,
    }


def filtres_proposes() -> dict:
    """The choices of the search form's lists (their labels, in the form's declaration)."""
    champs = FormFiltres.champs
    return {
        "niveaux": champs["niveau"].valeurs, "roles": champs["role"].valeurs, "statuts": champs["statut"].valeurs,
        "inactivite": champs["inactif"].valeurs, "tris": champs["tri"].valeurs, "ordres": champs["ordre"].valeurs,
    }  # fmt: skip


@get("/")
async def recherche(request: Request, moi: Moi) -> Response:
    c = FormFiltres.lire(dict(request.query_params))
    lignes, compte = await service.rechercher(moi.organisme, c)
    pagination = paginer(c.page, service.PAR_PAGE, "/habilitations", c.parametres())(compte.nombre, plus=compte.plus)
    ctx = {
        "criteres": c, "lignes": lignes, "compte": compte, "pagination": pagination, "niveaux": droits.NIVEAUX,
        "filtres": filtres_proposes(),
    }  # fmt: skip

    async def page() -> dict:  # what only the whole page shows; typing in the search asks for the results alone
        liste = await unites(moi.organisme)
        return {
            "unites_choix": {str(u["id"]): u["nom"] for u in liste},
            "seul": await service.seul_gestionnaire(moi.organisme),
            "non_remis": await courriels_non_remis(moi, organisme=moi.organisme),
        }

    return await rendre(request, "habilitations/recherche.html", ctx, page=page)


@get("/export")
async def exporter(request: Request, moi: Moi, acteur: QuiAgit) -> Stream:
    """« Exporter la liste »: the list as the filters of the link show it, as CSV (README)."""
    c = FormFiltres.lire(dict(request.query_params))
    nom = f"gestionnaires-{maintenant().strftime('%Y-%m-%d')}.csv"
    return Stream(
        await service.exporter(acteur, c),
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="{nom}"', "Cache-Control": "no-store"},
    )


async def page_formulaire(request: Request, template: str, moi: Moi, form: FormGestionnaire, status_code=200, **extra) -> Response:
    return await rendre(request, template, await contexte_formulaire(moi, form, **extra), status_code=status_code)


@get("/ajouter")
async def page_ajouter(request: Request, moi: Moi) -> Response:
    return await page_formulaire(request, "habilitations/ajouter.html", moi, FormGestionnaire())


@post("/ajouter")
async def ajouter(request: Request, moi: Moi, acteur: QuiAgit) -> Response:
    form = FormGestionnaire.lire(await lire_formulaire(request))
    if form.action == "ajouter_unite":
        await service.ajouter_unite(acteur, form)
        status = 422 if form.erreurs else 200
        return await page_formulaire(request, "habilitations/ajouter.html", moi, form, status, unite_ajoutee=not form.erreurs)
    await service.verifier_references(moi, form)
    if form.action == "verifier":
        return await verifier_champ(request, form)
    if not form.erreurs:
        try:
            u = await service.creer(request.app.state.settings, acteur, form)
            return rediriger(request, f"/habilitations/{u.id}/cree")
        except service.CourrielPris:
            form.erreurs["courriel"] = service.COURRIEL_PRIS
        except Exception:
            # The transaction was rolled back: no account, journal line or mail was kept.
            log.exception("Création d'un gestionnaire impossible")
            form.erreurs["enregistrer"] = ECHEC_CREATION
    return await page_formulaire(request, "habilitations/ajouter.html", moi, form, 422)


async def gestionnaire_gere(moi: Moi, id_: str) -> Utilisateur:
    return trouve(await service.gestionnaire_de(moi.organisme, id_ou_404(id_)))


@get("/{id_:str}/cree")
async def cree(request: Request, id_: FromPath[str], moi: Moi) -> Response:
    u = await gestionnaire_gere(moi, id_)
    # The identifiant is handed over by its creator only: nobody else gets this screen.
    if u.cree_par != moi.id or not droits.peut_gerer(moi, u):
        raise NotFoundException
    return await rendre(request, "habilitations/cree.html", {"g": u})


@get("/{id_:str}")
async def fiche(request: Request, id_: FromPath[str], moi: Moi) -> Response:
    g = await gestionnaire_gere(moi, id_)
    form = FormGestionnaire(
        civilite=g.civilite, prenom=g.prenom, nom=g.nom, courriel=g.courriel, confirmation_courriel=g.courriel,
        telephone_fixe=g.telephone_fixe, telephone_portable=g.telephone_portable, fonction=g.fonction,
        unite=str(g.unite or ""), niveau=g.niveau or "", delegue=g.role == DELEGUE,
    )  # fmt: skip
    q = request.query_params
    non_remis = next(iter(await courriels_non_remis(moi, utilisateur=g.id)), None)
    extra = {"g": g, "info": INFOS.get(q.get("fait", "")), "refus": REFUS.get(q.get("refus", "")), "non_remis": non_remis}
    return await page_formulaire(request, "habilitations/gestionnaire.html", moi, form, **extra)


@post("/{id_:str}")
async def enregistrer(request: Request, id_: FromPath[str], moi: Moi, acteur: QuiAgit) -> Response:
    g = await gestionnaire_gere(moi, id_)
    if not droits.peut_gerer(moi, g):
        raise Interdit
    form = FormGestionnaire.lire(await lire_formulaire(request))
    if form.action == "ajouter_unite":
        await service.ajouter_unite(acteur, form)
        status = 422 if form.erreurs else 200
        return await page_formulaire(request, "habilitations/gestionnaire.html", moi, form, status, g=g, unite_ajoutee=not form.erreurs)
    await service.verifier_references(moi, form, sauf=g.id, actif=g.statut == ACTIF, actuel=g.niveau)
    if not form.erreurs:
        try:
            await service.modifier(acteur, g, form)
            return rediriger(request, f"/habilitations/{g.id}?fait=enregistre")
        except service.CourrielPris:
            form.erreurs["courriel"] = service.COURRIEL_PRIS
    return await page_formulaire(request, "habilitations/gestionnaire.html", moi, form, 422, g=g)


async def agir_sur(request: Request, id_: str, moi: Moi, permis, faire) -> Response:
    """An action on a gestionnaire's account, refused (403) unless droits.`permis` allows it."""
    g = await gestionnaire_gere(moi, id_)
    if not permis(moi, g):
        raise Interdit
    return rediriger(request, f"/habilitations/{g.id}?{await faire(g)}")


async def confirmer_sur(request: Request, id_: str, moi: Moi, permis, action: str, **textes) -> Response:
    """The confirmation page of an action on a gestionnaire's account (same rights as the action)."""
    g = await gestionnaire_gere(moi, id_)
    if not permis(moi, g):
        raise Interdit
    nom = f"{g.prenom} {g.nom}"
    textes = {k: v.format(nom=nom, courriel=g.courriel) for k, v in textes.items()}
    return await confirmer(request, action=f"/habilitations/{g.id}/{action}", retour=f"/habilitations/{g.id}", **textes)


@get("/{id_:str}/suspendre")
async def confirmer_suspendre(request: Request, id_: FromPath[str], moi: Moi) -> Response:
    return await confirmer_sur(
        request, id_, moi, droits.peut_gerer, "suspendre", titre="Suspendre le compte de {nom}",
        consequence="{nom} ne pourra plus se connecter au portail. Vous pourrez réactiver son compte.", libelle="Suspendre le compte",
    )  # fmt: skip


@get("/{id_:str}/renouveler")
async def confirmer_renouveler(request: Request, id_: FromPath[str], moi: Moi) -> Response:
    return await confirmer_sur(
        request, id_, moi, droits.peut_renouveler, "renouveler", titre="Renouveler le mot de passe de {nom}",
        consequence="Le mot de passe actuel de {nom} ne fonctionnera plus : un mot de passe temporaire lui sera envoyé à {courriel}.",
        libelle="Renouveler le mot de passe",
    )  # fmt: skip


@post("/{id_:str}/suspendre")
async def suspendre(request: Request, id_: FromPath[str], moi: Moi, acteur: QuiAgit) -> Response:
    async def faire(g):
        if g.statut == ACTIF:
            await service.changer_statut(acteur, g, SUSPENDU)
        return "fait=suspendu"

    return await agir_sur(request, id_, moi, droits.peut_gerer, faire)


@post("/{id_:str}/reactiver")
async def reactiver(request: Request, id_: FromPath[str], moi: Moi, acteur: QuiAgit) -> Response:
    async def faire(g):
        if g.statut == SUSPENDU:
            try:
                await service.changer_statut(acteur, g, ACTIF)
            except service.CourrielPris:
                return "refus=courriel"
        return "fait=reactive"

    return await agir_sur(request, id_, moi, droits.peut_gerer, faire)


@post("/{id_:str}/renouveler")
async def renouveler(request: Request, id_: FromPath[str], moi: Moi, acteur: QuiAgit) -> Response:
    async def faire(g):
        await renouveler_mot_de_passe(request.app.state.settings, g, acteur)
        return "fait=renouvele"

    return await agir_sur(request, id_, moi, droits.peut_renouveler, faire)


@get("/journal")
async def journal(request: Request, moi: Moi) -> Response:
    q = request.query_params
    personne, type_ = q.get("personne", "").strip().upper()[:8], q.get("type", "")
    pagination = paginer(numero_de_page(q.get("page")), JOURNAL_PAR_PAGE, "/habilitations/journal", {"personne": personne, "type": type_})
    lignes, total = await journal_de(moi.organisme, pagination(0), personne=personne, type_=type_ if type_ in TYPES else "")
    ctx = {"lignes": lignes, "types": TYPES, "personne": personne, "type_": type_, "total": total, "pagination": pagination(total)}
    return await rendre(request, "habilitations/journal.html", ctx)


router = Router(
    path="/habilitations",
    guards=[droits.exiger_administrateur],
    route_handlers=[
        recherche,
        exporter,
        page_ajouter,
        ajouter,
        cree,
        fiche,
        enregistrer,
        confirmer_suspendre,
        suspendre,
        reactiver,
        confirmer_renouveler,
        renouveler,
        journal,
    ],  # fmt: skip
)
