"""Guide, "Habiliter un gestionnaire": Gérer les habilitations (administrators only)."""

from __future__ import annotations

import logging
from urllib.parse import urlencode

from litestar import Request, Response, Router, get, post
from litestar.exceptions import NotFoundException
from litestar.params import FromPath

from web import droits
from web.comptes.service import courriels_non_remis, renouveler_mot_de_passe
from web.connexion.routes import adresse
from web.droits import Interdit
from web.entrees import id_ou_404
from web.entrees import page as numero_de_page
from web.formulaires import lire_formulaire
from web.habilitations import service
from web.habilitations.forms import CHAMPS_EN_LIGNE, DESCRIPTIONS_NIVEAUX, LIBELLES, FormGestionnaire
from web.journal import TYPES
from web.rendu import cible, rediriger, rendre
from web.tables import ACTIF, DELEGUE, SUSPENDU, Journal, Utilisateur

log = logging.getLogger(__name__)
JOURNAL_PAR_PAGE = 50
NIVEAU_TROP_HAUT = "Vous ne pouvez pas accorder un niveau d'habilitation supérieur au vôtre."
ECHEC_CREATION = "Le compte n'a pas pu être créé, rien n'a été enregistré. Veuillez réessayer dans quelques instants."
# What the gestionnaire's page says after an action (?fait=…).
INFOS = {
    "enregistre": "Les modifications ont bien été enregistrées.",
    "suspendu": "Le compte est suspendu : il ne peut plus se connecter.",
    "reactive": "Le compte est réactivé.",
    "renouvele": "Un nouveau mot de passe temporaire vient de lui être envoyé par courriel.",
}
# What the gestionnaire's page says when an action was refused (?refus=…).
REFUS = {
    "courriel": "Le compte ne peut pas être réactivé : son adresse de courriel est déjà utilisée par un gestionnaire "
    "actif de votre organisme. Modifiez-la d'abord.",
}


async def contexte_formulaire(moi: Utilisateur, form: FormGestionnaire, **extra) -> dict:
    cible = extra.get("g")
    return {
        "form": form,
        "unites": await service.unites(moi.organisme),
        "niveaux": droits.niveaux_accordables(moi, cible.niveau if cible else None),
        "descriptions": DESCRIPTIONS_NIVEAUX,
        "libelles": LIBELLES,
        **extra,
    }


@get("/")
async def recherche(request: Request) -> Response:
    moi = request.state.utilisateur
    c = service.Criteres.lire(request.query_params)
    lignes, total = await service.rechercher(moi.organisme, c)
    pages = max(1, -(-total // service.PAR_PAGE))
    base = {k: v for k, v in (("prenom", c.prenom), ("nom", c.nom), ("identifiant", c.identifiant), ("unite", c.unite)) if v}
    ctx = {
        "criteres": c,
        "lignes": lignes,
        "total": total,
        "pages": pages,
        "lien_page": lambda n: "/habilitations?" + urlencode({**base, "page": n}),
        "niveaux": droits.NIVEAUX,
    }
    bloc = "resultats" if cible(request) == "resultats" else None
    if bloc is None:  # what only the whole page shows; typing in the search asks for the results alone
        ctx["unites"] = await service.unites(moi.organisme)
        ctx["seul"] = await service.seul_gestionnaire(moi.organisme)
        ctx["non_remis"] = await courriels_non_remis(moi, organisme=moi.organisme)
    return rendre(request, "habilitations/recherche.html", ctx, bloc=bloc)


@get("/ajouter")
async def page_ajouter(request: Request) -> Response:
    moi = request.state.utilisateur
    ctx = await contexte_formulaire(moi, FormGestionnaire())
    return rendre(request, "habilitations/ajouter.html", ctx, bloc="formulaire" if cible(request) == "dialogue-contenu" else None)


@post("/ajouter")
async def ajouter(request: Request) -> Response:
    moi = request.state.utilisateur
    donnees = await lire_formulaire(request)
    form = FormGestionnaire.lire(donnees)
    bloc = "formulaire" if cible(request) == "dialogue-contenu" else None
    if donnees.get("action") == "ajouter_unite":
        return await ajouter_unite(request, form, donnees, "habilitations/ajouter.html", bloc=bloc)
    verifier_champ = donnees.get("action") == "verifier"
    await verifier_references(moi, form)
    if verifier_champ:
        # Inline check as a field is left: only that field's message (and its twin's) is shown.
        nom = request.headers.get("hx-trigger-name", "")
        garder = {nom}
        if nom == "courriel" and donnees.get("confirmation_courriel"):
            garder.add("confirmation_courriel")
        if nom.startswith("telephone"):
            garder |= {"telephone_fixe", "telephone_portable"}
        for k in [k for k in form.erreurs if k not in garder]:
            form.erreurs.pop(k)
        if nom in CHAMPS_EN_LIGNE:  # htmx swaps that field's wrapper alone: send nothing else
            return rendre(request, "habilitations/champ_verifie.html", {"nom": nom, "form": form})
        return rendre(request, "habilitations/ajouter.html", await contexte_formulaire(moi, form), bloc="formulaire")
    if form.erreurs:
        return rendre(request, "habilitations/ajouter.html", await contexte_formulaire(moi, form), bloc=bloc, status_code=422)
    try:
        u = await service.creer(request.app.state.settings, moi, form, delegue=form.delegue, adresse=adresse(request))
    except service.CourrielPris:
        form.erreurs["courriel"] = service.COURRIEL_PRIS
    except Exception:
        # The transaction was rolled back: no account, journal line or mail was kept.
        log.exception("Création d'un gestionnaire impossible")
        form.erreurs["enregistrer"] = ECHEC_CREATION
    if form.erreurs:
        return rendre(request, "habilitations/ajouter.html", await contexte_formulaire(moi, form), bloc=bloc, status_code=422)
    return rediriger(request, f"/habilitations/{u.id}/cree")


async def ajouter_unite(request: Request, form: FormGestionnaire, donnees: dict, template: str, bloc=None, **extra) -> Response:
    """The "Ajouter une unité" button: create it, select it, keep everything typed, show no other error."""
    moi = request.state.utilisateur
    unite_id, erreur = await service.creer_unite(moi, donnees.get("nouvelle_unite", ""), adresse(request))
    form.erreurs.clear()
    if erreur:
        form.erreurs["nouvelle_unite"] = erreur
    else:
        form.unite = str(unite_id)
    ctx = await contexte_formulaire(moi, form, unite_ajoutee=not erreur, **extra)
    return rendre(request, template, ctx, bloc=bloc, status_code=422 if erreur else 200)


async def verifier_references(
    moi: Utilisateur, form: FormGestionnaire, sauf: int | None = None, actif: bool = True, actuel: str | None = None
) -> None:
    """Checks that need the database or the actor: the unit belongs to the organisation, the
    courriel is free, a délégué grants at most their own level (`actuel`: the level the
    gestionnaire holds, which may be kept), and only the principal grants "administrateur délégué"."""
    if "niveau" not in form.erreurs and form.niveau and form.niveau not in droits.niveaux_accordables(moi, actuel):
        form.erreurs["niveau"] = NIVEAU_TROP_HAUT
    if "unite" not in form.erreurs and not await service.unite_de(moi.organisme, form.unite_id):
        form.erreurs["unite"] = "Choisissez une des unités proposées."
    if actif and "courriel" not in form.erreurs and form.courriel and await service.courriel_pris(moi.organisme, form.courriel, sauf):
        form.erreurs["courriel"] = service.COURRIEL_PRIS
    if form.delegue and not droits.peut_accorder_delegation(moi):
        raise Interdit


@get("/{id_:str}/cree")
async def cree(request: Request, id_: FromPath[str]) -> Response:
    moi = request.state.utilisateur
    u = await gestionnaire_gere(request, id_)
    # The identifiant is handed over by its creator only: nobody else gets this screen.
    if u.cree_par != moi.id or not droits.peut_gerer(moi, u):
        raise NotFoundException
    return rendre(request, "habilitations/cree.html", {"g": u})


async def gestionnaire_gere(request: Request, id_: str) -> Utilisateur:
    moi = request.state.utilisateur
    u = await service.gestionnaire_de(moi, id_ou_404(id_))
    if u is None:
        raise NotFoundException
    return u


@get("/{id_:str}")
async def fiche(request: Request, id_: FromPath[str]) -> Response:
    moi = request.state.utilisateur
    g = await gestionnaire_gere(request, id_)
    form = FormGestionnaire(
        civilite=g.civilite, prenom=g.prenom, nom=g.nom, courriel=g.courriel, confirmation_courriel=g.courriel,
        telephone_fixe=g.telephone_fixe, telephone_portable=g.telephone_portable, fonction=g.fonction,
        unite=str(g.unite or ""), niveau=g.niveau or "", delegue=g.role == DELEGUE,
    )  # fmt: skip
    q = request.query_params
    ctx = await contexte_formulaire(moi, form, g=g, info=INFOS.get(q.get("fait", "")), refus=REFUS.get(q.get("refus", "")))
    ctx["non_remis"] = next(iter(await courriels_non_remis(moi, utilisateur=g.id)), None)
    return rendre(request, "habilitations/gestionnaire.html", ctx)


@post("/{id_:str}")
async def enregistrer(request: Request, id_: FromPath[str]) -> Response:
    moi = request.state.utilisateur
    g = await gestionnaire_gere(request, id_)
    if not droits.peut_gerer(moi, g):
        raise Interdit
    donnees = await lire_formulaire(request)
    form = FormGestionnaire.lire(donnees)
    if donnees.get("action") == "ajouter_unite":
        return await ajouter_unite(request, form, donnees, "habilitations/gestionnaire.html", g=g)
    await verifier_references(moi, form, sauf=g.id, actif=g.statut == ACTIF, actuel=g.niveau)
    if form.erreurs:
        ctx = await contexte_formulaire(moi, form, g=g)
        return rendre(request, "habilitations/gestionnaire.html", ctx, status_code=422)
    try:
        await service.modifier(moi, g, form, delegue=form.delegue, adresse=adresse(request))
    except service.CourrielPris:
        form.erreurs["courriel"] = service.COURRIEL_PRIS
        return rendre(request, "habilitations/gestionnaire.html", await contexte_formulaire(moi, form, g=g), status_code=422)
    return rediriger(request, f"/habilitations/{g.id}?fait=enregistre")


async def action(request: Request, id_: str, permis, faire) -> Response:
    moi = request.state.utilisateur
    g = await gestionnaire_gere(request, id_)
    if not permis(moi, g):
        raise Interdit
    fait = await faire(moi, g)
    return rediriger(request, f"/habilitations/{g.id}?{fait}")


@post("/{id_:str}/suspendre")
async def suspendre(request: Request, id_: FromPath[str]) -> Response:
    async def faire(moi, g):
        if g.statut == ACTIF:
            await service.changer_statut(moi, g, SUSPENDU, adresse=adresse(request))
        return "fait=suspendu"

    return await action(request, id_, droits.peut_gerer, faire)


@post("/{id_:str}/reactiver")
async def reactiver(request: Request, id_: FromPath[str]) -> Response:
    async def faire(moi, g):
        if g.statut == SUSPENDU:
            try:
                await service.changer_statut(moi, g, ACTIF, adresse=adresse(request))
            except service.CourrielPris:
                return "refus=courriel"
        return "fait=reactive"

    return await action(request, id_, droits.peut_gerer, faire)


@post("/{id_:str}/renouveler")
async def renouveler(request: Request, id_: FromPath[str]) -> Response:
    async def faire(moi, g):
        await renouveler_mot_de_passe(request.app.state.settings, g, acteur=moi.id, adresse=adresse(request))
        return "fait=renouvele"

    return await action(request, id_, droits.peut_renouveler, faire)


@get("/journal")
async def journal(request: Request) -> Response:
    moi = request.state.utilisateur
    q = request.query_params
    personne = q.get("personne", "").strip().upper()[:8]
    type_ = q.get("type", "")
    page = numero_de_page(q.get("page"))
    filtre = Journal.organisme == moi.organisme
    if type_ in TYPES:
        filtre &= Journal.type == type_
    if personne:
        filtre &= (Journal.acteur.identifiant == personne) | (Journal.cible.identifiant == personne)
    total = await Journal.count().where(filtre)
    lignes = (
        await Journal.select(
            Journal.cree_le, Journal.type, Journal.detail, Journal.adresse, Journal.identifiant_saisi,
            Journal.acteur.identifiant.as_alias("acteur"), Journal.cible.identifiant.as_alias("cible"),
        )
        .where(filtre)
        .order_by(Journal.id, ascending=False)
        .limit(JOURNAL_PAR_PAGE)
        .offset((max(1, min(page, 10_000)) - 1) * JOURNAL_PAR_PAGE)
    )  # fmt: skip
    base = {k: v for k, v in (("personne", personne), ("type", type_)) if v}
    ctx = {
        "lignes": lignes, "types": TYPES, "personne": personne, "type_": type_, "page": page, "total": total,
        "pages": max(1, -(-total // JOURNAL_PAR_PAGE)), "lien_page": lambda n: "/habilitations/journal?" + urlencode({**base, "page": n}),
    }  # fmt: skip
    return rendre(request, "habilitations/journal.html", ctx)


router = Router(
    path="/habilitations",
    guards=[droits.exiger_administrateur],
    route_handlers=[recherche, page_ajouter, ajouter, cree, fiche, enregistrer, suspendre, reactiver, renouveler, journal],
)
