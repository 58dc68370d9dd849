"""The Caisse des Dépôts space: organisations, registration, principal administrators."""

from __future__ import annotations

from litestar import Request, Response, Router, get, post
from litestar.params import FromPath

from web import droits
from web.cdc import service
from web.cdc.forms import FormTransfert
from web.comptes.service import courriels_non_remis, renouveler_mot_de_passe
from web.db import est_doublon
from web.entrees import id_ou_404, trouve
from web.entrees import page as numero_de_page
from web.formulaires import lire_formulaire
from web.journal import TYPES
from web.journal import page as journal_de
from web.organismes.forms import TYPES as TYPES_ORGANISME
from web.organismes.forms import FormInscription
from web.organismes.service import SiretDejaInscrit, inscrire
from web.pagination import paginer
from web.rendu import confirmer, rediriger, rendre, verifier_champ
from web.renouvellement import service as renouvellement
from web.requete import Moi, QuiAgit
from web.tables import ACTIF, PRINCIPAL, SUSPENDU, Organisme

INFOS = {
    "renouvele": "Un nouveau mot de passe temporaire a été envoyé par courriel à l'administrateur principal ; ses sessions sont fermées.",
    "transfere": "Le rôle d'administrateur principal a été transféré.",
    "suspendu": "L'organisme est suspendu : ses gestionnaires ne peuvent plus se connecter.",
    "reactive": "L'organisme est réactivé.",
    "facteurs": "Les seconds facteurs de l'administrateur principal ont été réinitialisés : "
    "il en configurera un nouveau à sa prochaine connexion.",
}


@get("/")
async def organismes(request: Request, moi: Moi) -> Response:
    c = service.Criteres.lire(request.query_params)
    lignes, total = await service.rechercher(c)
    pagination = paginer(c.page, service.PAR_PAGE, "/cdc", {"q": c.q})(total)
    ctx = {"criteres": c, "lignes": lignes, "total": total, "types": TYPES_ORGANISME, "pagination": pagination}

    async def page() -> dict:
        return {"non_remis": await courriels_non_remis(moi, role=PRINCIPAL)}

    return await rendre(request, "cdc/organismes.html", ctx, page=page)


async def page_inscrire(request: Request, form: FormInscription, status_code: int = 200) -> Response:
    return await rendre(request, "cdc/inscrire.html", {"form": form}, status_code=status_code)


@get("/inscrire")
async def formulaire_inscrire(request: Request) -> Response:
    return await page_inscrire(request, FormInscription())


def deja_inscrit(siret: str) -> str:
    return f"Le SIRET {siret} est déjà inscrit."


@post("/inscrire")
async def inscrire_organisme(request: Request, acteur: QuiAgit) -> Response:
    """The same form and service as `portail organisme inscrire`: one copy of the rules."""
    form = FormInscription.lire(await lire_formulaire(request))
    if "siret" not in form.erreurs and form.siret and await service.siret_inscrit(form.siret):
        form.erreurs["siret"] = deja_inscrit(form.siret)
    if form.action == "verifier":
        return await verifier_champ(request, form)
    if form.erreurs:
        return await page_inscrire(request, form, 422)
    try:
        admin = await inscrire(request.app.state.settings, form.inscription(), acteur)
    except Exception as exc:
        if not isinstance(exc, SiretDejaInscrit) and not est_doublon(exc):
            raise
        form.erreurs["siret"] = deja_inscrit(form.siret)
        return await page_inscrire(request, form, 422)
    return rediriger(request, f"/cdc/organismes/{admin.organisme}/inscrit")


async def organisme_ou_404(id_: str) -> Organisme:
    return trouve(await service.organisme_de(id_ou_404(id_)))


@get("/organismes/{id_:str}/inscrit")
async def inscrit(request: Request, id_: FromPath[str]) -> Response:
    org = await organisme_ou_404(id_)
    return await rendre(request, "cdc/inscrit.html", {"org": org, "principal": await service.principal_de(org.id)})


@get("/organismes/{id_:str}")
async def fiche(request: Request, id_: FromPath[str], moi: Moi) -> Response:
    org = await organisme_ou_404(id_)
    principal = await service.principal_de(org.id)
    q = request.query_params
    numero = numero_de_page(q.get("page", "1"))
    pagination = paginer(numero, service.JOURNAL_PAR_PAGE, f"/cdc/organismes/{org.id}", ancre="#journal")
    journal, total = await journal_de(org.id, pagination(0))
    ctx = {
        "org": org, "principal": principal, "candidats": await service.candidats(org.id), "journal": journal, "types_journal": TYPES,
        "pagination": pagination(total), "total_journal": total, "types": TYPES_ORGANISME, "effectifs": await service.effectifs(org.id),
        "niveaux": droits.NIVEAUX, "info": INFOS.get(q.get("fait", "")), "erreur": q.get("erreur") == "transfert",
    }  # fmt: skip
    if principal:
        ctx["non_remis"] = next(iter(await courriels_non_remis(moi, utilisateur=principal.id)), None)
    return await rendre(request, "cdc/organisme.html", ctx)


@get("/organismes/{id_:str}/renouveler")
async def confirmer_renouveler(request: Request, id_: FromPath[str], moi: Moi) -> Response:
    org = await organisme_ou_404(id_)
    principal = await service.principal_de(org.id)
    if principal is None or not droits.peut_renouveler(moi, principal):
        raise droits.Interdit
    nom = f"{principal.prenom} {principal.nom}"
    return await confirmer(
        request, titre=f"Renouveler le mot de passe de {nom}", libelle="Renouveler le mot de passe",
        consequence=f"Le mot de passe actuel de {nom}, administrateur principal de {org.raison_sociale}, ne fonctionnera plus "
        f"et ses sessions seront fermées : un mot de passe temporaire lui sera envoyé à {principal.courriel}.",
        action=f"/cdc/organismes/{org.id}/renouveler", retour=f"/cdc/organismes/{org.id}",
    )  # fmt: skip


@get("/organismes/{id_:str}/transferer")
async def confirmer_transferer(request: Request, id_: FromPath[str]) -> Response:
    """Reached from the organisation page's choice of the new principal (a GET form)."""
    org = await organisme_ou_404(id_)
    form = FormTransfert.lire(dict(request.query_params))
    nouveau = next((c for c in await service.candidats(org.id) if c["id"] == form.nouveau), None)
    principal = await service.principal_de(org.id)
    if nouveau is None:
        return rediriger(request, f"/cdc/organismes/{org.id}?erreur=transfert")
    nom = f"{nouveau['prenom']} {nouveau['nom']}"
    ancien = f" {principal.prenom} {principal.nom} deviendra gestionnaire." if principal else ""
    return await confirmer(
        request, titre=f"Transférer le rôle d'administrateur principal à {nom}", libelle="Transférer le rôle",
        consequence=f"{nom} deviendra administrateur principal de {org.raison_sociale}.{ancien}",
        action=f"/cdc/organismes/{org.id}/transferer", retour=f"/cdc/organismes/{org.id}", champs={"nouveau": str(nouveau["id"])},
    )  # fmt: skip


@get("/organismes/{id_:str}/suspendre")
async def confirmer_suspendre(request: Request, id_: FromPath[str]) -> Response:
    org = await organisme_ou_404(id_)
    return await confirmer(
        request, titre=f"Suspendre l'organisme {org.raison_sociale}", libelle="Suspendre l'organisme",
        consequence=f"Aucun gestionnaire de {org.raison_sociale} ne pourra plus se connecter au portail. "
        "Vous pourrez réactiver l'organisme.",
        action=f"/cdc/organismes/{org.id}/suspendre", retour=f"/cdc/organismes/{org.id}",
    )  # fmt: skip


@post("/organismes/{id_:str}/renouveler")
async def renouveler(request: Request, id_: FromPath[str], moi: Moi, acteur: QuiAgit) -> Response:
    org = await organisme_ou_404(id_)
    principal = await service.principal_de(org.id)
    if principal is None or not droits.peut_renouveler(moi, principal):
        raise droits.Interdit
    await renouveler_mot_de_passe(request.app.state.settings, principal, acteur)
    return rediriger(request, f"/cdc/organismes/{org.id}?fait=renouvele")


@post("/organismes/{id_:str}/transferer")
async def transferer(request: Request, id_: FromPath[str], acteur: QuiAgit) -> Response:
    org = await organisme_ou_404(id_)
    form = FormTransfert.lire(await lire_formulaire(request))
    try:
        await service.transferer(acteur, org, form.nouveau)
    except service.TransfertImpossible:
        return rediriger(request, f"/cdc/organismes/{org.id}?erreur=transfert")
    return rediriger(request, f"/cdc/organismes/{org.id}?fait=transfere")


@post("/organismes/{id_:str}/suspendre")
async def suspendre(request: Request, id_: FromPath[str], acteur: QuiAgit) -> Response:
    org = await organisme_ou_404(id_)
    await service.changer_statut(acteur, org, ACTIF, SUSPENDU)
    return rediriger(request, f"/cdc/organismes/{org.id}?fait=suspendu")


@post("/organismes/{id_:str}/reactiver")
async def reactiver(request: Request, id_: FromPath[str], acteur: QuiAgit) -> Response:
    org = await organisme_ou_404(id_)
    await service.changer_statut(acteur, org, SUSPENDU, ACTIF)
    return rediriger(request, f"/cdc/organismes/{org.id}?fait=reactive")


@get("/demandes")
async def demandes(request: Request, moi: Moi) -> Response:
    ctx = {"demandes": await renouvellement.demandes_pour(moi), "fait": request.query_params.get("fait"), "espace": "cdc"}
    return await rendre(request, "renouvellement/demandes.html", ctx)


@post("/demandes/{id_:str}/renouveler")
async def servir(request: Request, id_: FromPath[str], moi: Moi, acteur: QuiAgit) -> Response:
    # Served meanwhile by another agent (or no such request): say so, renew nothing twice.
    fait = await renouvellement.servir(request.app.state.settings, id_ou_404(id_), moi, acteur)
    return rediriger(request, f"/cdc/demandes?fait={'renouvele' if fait else 'deja'}")


router = Router(
    path="/cdc",
    guards=[droits.exiger_agent_cdc],
    route_handlers=[
        organismes,
        formulaire_inscrire,
        inscrire_organisme,
        inscrit,
        fiche,
        confirmer_renouveler,
        renouveler,
        confirmer_transferer,
        transferer,
        confirmer_suspendre,
        suspendre,
        reactiver,
        demandes,
        servir,
    ],
)
