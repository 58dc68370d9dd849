"""The Caisse des Dépôts space: organisations, registration, principal administrators."""

from __future__ import annotations

from urllib.parse import urlencode

from litestar import Request, Response, Router, get, post
from litestar.exceptions import NotFoundException
from litestar.params import FromPath

from web import droits
from web.cdc import service
from web.comptes.service import CIVILITES, courriels_non_remis, renouveler_mot_de_passe
from web.connexion.routes import adresse
from web.db import est_doublon
from web.entrees import entier, id_ou_404
from web.formulaires import Erreurs, lire_formulaire
from web.journal import TYPES
from web.organismes.service import TYPES as TYPES_ORGANISME
from web.organismes.service import SiretDejaInscrit, inscrire, valider
from web.rendu import cible, rediriger, rendre
from web.renouvellement import service as renouvellement
from web.tables import ACTIF, PRINCIPAL, SUSPENDU, Organisme, Utilisateur

INFOS = {
    "renouvele": "Un nouveau mot de passe temporaire a été envoyé par courriel à l'administrateur principal ; ses sessions sont fermées.",
    "transfere": "Le rôle d'administrateur principal a été transféré.",
    "suspendu": "L'organisme est suspendu : ses gestionnaires ne peuvent plus se connecter.",
    "reactive": "L'organisme est réactivé.",
}
CHAMPS = ("siret", "raison_sociale", "type", "civilite", "prenom", "nom", "courriel", "telephone")


@get("/")
async def organismes(request: Request) -> Response:
    c = service.Criteres.lire(request.query_params)
    lignes, total = await service.rechercher(c)
    ctx = {
        "criteres": c, "lignes": lignes, "total": total, "pages": max(1, -(-total // service.PAR_PAGE)),
        "types": TYPES_ORGANISME, "lien_page": lambda n: "/cdc?" + urlencode({**({"q": c.q} if c.q else {}), "page": n}),
    }  # fmt: skip
    bloc = "resultats" if cible(request) == "resultats" else None
    if bloc is None:
        ctx["non_remis"] = await courriels_non_remis(request.state.utilisateur, role=PRINCIPAL)
    return rendre(request, "cdc/organismes.html", ctx, bloc=bloc)


def page_inscrire(request: Request, donnees: dict, erreurs: Erreurs, status_code: int = 200, bloc: str | None = None) -> Response:
    ctx = {"d": donnees, "erreurs": erreurs, "types": TYPES_ORGANISME, "civilites": CIVILITES}
    return rendre(request, "cdc/inscrire.html", ctx, status_code=status_code, bloc=bloc)


@get("/inscrire")
async def formulaire_inscrire(request: Request) -> Response:
    return page_inscrire(request, {}, Erreurs())


@post("/inscrire")
async def inscrire_organisme(request: Request) -> Response:
    """The same service as `portail organisme inscrire`: one copy of the rules."""
    donnees = {k: v[:300] for k, v in (await lire_formulaire(request)).items() if k in CHAMPS or k == "action"}
    demande, erreurs = valider(donnees)
    if demande is not None and await Organisme.exists().where(Organisme.siret == demande.siret):
        erreurs["siret"] = f"Le SIRET {demande.siret} est déjà inscrit."
    if donnees.get("action") == "verifier":
        nom = request.headers.get("hx-trigger-name", "")
        for k in [k for k in erreurs if k != nom]:
            erreurs.pop(k)
        return page_inscrire(request, donnees, erreurs, bloc="formulaire")
    if erreurs:
        return page_inscrire(request, donnees, erreurs, 422)
    agent = request.state.utilisateur
    try:
        admin = await inscrire(request.app.state.settings, demande, acteur=agent.id, adresse=adresse(request))
    except Exception as exc:
        if not isinstance(exc, SiretDejaInscrit) and not est_doublon(exc):
            raise
        return page_inscrire(request, donnees, Erreurs(siret=f"Le SIRET {demande.siret} est déjà inscrit."), 422)
    return rediriger(request, f"/cdc/organismes/{admin.organisme}/inscrit")


async def organisme_ou_404(id_: str) -> Organisme:
    org = await Organisme.objects().where(Organisme.id == id_ou_404(id_)).first()
    if org is None:
        raise NotFoundException
    return org


@get("/organismes/{id_:str}/inscrit")
async def inscrit(request: Request, id_: FromPath[str]) -> Response:
    org = await organisme_ou_404(id_)
    return rendre(request, "cdc/inscrit.html", {"org": org, "principal": await service.principal_de(org.id)})


@get("/organismes/{id_:str}")
async def fiche(request: Request, id_: FromPath[str]) -> Response:
    org = await organisme_ou_404(id_)
    principal = await service.principal_de(org.id)
    candidats = (
        await Utilisateur.select(Utilisateur.id, Utilisateur.prenom, Utilisateur.nom, Utilisateur.identifiant)
        .where((Utilisateur.organisme == org.id) & (Utilisateur.statut == ACTIF) & (Utilisateur.role != PRINCIPAL))
        .order_by(Utilisateur.nom_cle)
        .order_by(Utilisateur.prenom_cle)
    )
    page = service.numero_de_page(request.query_params.get("page", "1"))
    journal, total = await service.journal(org.id, page)
    ctx = {
        "org": org, "principal": principal, "candidats": candidats, "journal": journal, "types_journal": TYPES,
        "page": page, "pages": max(1, -(-total // service.JOURNAL_PAR_PAGE)), "total_journal": total,
        "types": TYPES_ORGANISME, "effectifs": await service.effectifs(org.id), "niveaux": droits.NIVEAUX,
        "info": INFOS.get(request.query_params.get("fait", "")), "erreur": request.query_params.get("erreur") == "transfert",
    }  # fmt: skip
    if principal:
        ctx["non_remis"] = next(iter(await courriels_non_remis(request.state.utilisateur, utilisateur=principal.id)), None)
    return rendre(request, "cdc/organisme.html", ctx)


@post("/organismes/{id_:str}/renouveler")
async def renouveler(request: Request, id_: FromPath[str]) -> Response:
    org = await organisme_ou_404(id_)
    principal = await service.principal_de(org.id)
    if principal is None or not droits.peut_renouveler(request.state.utilisateur, principal):
        raise droits.Interdit
    await renouveler_mot_de_passe(request.app.state.settings, principal, acteur=request.state.utilisateur.id, adresse=adresse(request))
    return rediriger(request, f"/cdc/organismes/{org.id}?fait=renouvele")


@post("/organismes/{id_:str}/transferer")
async def transferer(request: Request, id_: FromPath[str]) -> Response:
    org = await organisme_ou_404(id_)
    choix = (await lire_formulaire(request)).get("nouveau", "")
    try:
        if (nouveau := entier(choix, minimum=1)) is None:
            raise service.TransfertImpossible
        await service.transferer(request.state.utilisateur, org, nouveau, adresse(request))
    except service.TransfertImpossible:
        return rediriger(request, f"/cdc/organismes/{org.id}?erreur=transfert")
    return rediriger(request, f"/cdc/organismes/{org.id}?fait=transfere")


async def basculer(request: Request, id_: int, de: str, vers: str, fait: str) -> Response:
    """Suspend or reactivate: only from the expected status, so a replayed form changes nothing."""
    org = await organisme_ou_404(id_)
    if org.statut == de:
        await service.changer_statut(request.state.utilisateur, org, vers, adresse(request))
    return rediriger(request, f"/cdc/organismes/{org.id}?fait={fait}")


@post("/organismes/{id_:str}/suspendre")
async def suspendre(request: Request, id_: FromPath[str]) -> Response:
    return await basculer(request, id_, ACTIF, SUSPENDU, "suspendu")


@post("/organismes/{id_:str}/reactiver")
async def reactiver(request: Request, id_: FromPath[str]) -> Response:
    return await basculer(request, id_, SUSPENDU, ACTIF, "reactive")


@get("/demandes")
async def demandes(request: Request) -> Response:
    lignes = await renouvellement.demandes_pour(request.state.utilisateur)
    return rendre(request, "renouvellement/demandes.html", {"demandes": lignes, "fait": request.query_params.get("fait"), "espace": "cdc"})


@post("/demandes/{id_:str}/renouveler")
async def servir(request: Request, id_: FromPath[str]) -> Response:
    try:
        servie = await renouvellement.servir(request.app.state.settings, id_ou_404(id_), request.state.utilisateur, adresse(request))
    except renouvellement.NonAutorise:
        raise droits.Interdit from None
    # Served meanwhile by another agent (or no such request): say so, renew nothing twice.
    return rediriger(request, f"/cdc/demandes?fait={'renouvele' if servie else 'deja'}")


router = Router(
    path="/cdc",
    guards=[droits.exiger_agent_cdc],
    route_handlers=[
        organismes,
        formulaire_inscrire,
        inscrire_organisme,
        inscrit,
        fiche,
        renouveler,
        transferer,
        suspendre,
        reactiver,
        demandes,
        servir,
    ],
)
