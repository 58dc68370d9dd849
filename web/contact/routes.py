"""« Nous contacter » (guide, « Mes informations professionnelles »: « le formulaire de contact à
votre disposition »): people of an organisation write and read their threads under /contact; the
Caisse des Dépôts' agents read the queue and answer under /cdc/messages."""

from __future__ import annotations

from litestar import Request, Response, Router, get, post
from litestar.params import FromPath

from web import droits
from web.contact import service
from web.contact.forms import MESSAGE_MAX, OBJET_MAX, FormMessage, FormReponse
from web.entrees import entier, id_ou_404, trouve
from web.entrees import page as numero_de_page
from web.formulaires import lire_formulaire
from web.pagination import paginer
from web.rendu import rediriger, rendre
from web.requete import Moi, QuiAgit, SonOrganisme

TROP = (
    f"Vous avez déjà envoyé {service.MAX_PAR_PERSONNE} messages ces dernières 24 heures : votre message n'a pas été envoyé. "
    "Réessayez plus tard, ou complétez un message déjà envoyé lorsque la Caisse des Dépôts vous aura répondu."
)
INFOS = {
    "envoye": "Votre message a été envoyé à la Caisse des Dépôts. La réponse vous parviendra par courriel et s'affichera ci-dessous.",
    "repondu": "Votre réponse a été envoyée par courriel et ajoutée à l'échange ; le message est marqué « Répondu ».",
    "repondu_aussi": "Votre réponse a été envoyée par courriel et ajoutée à l'échange. Un autre agent avait répondu entre-temps : "
    "les deux réponses figurent ci-dessous.",
}
LIMITES = {"objet_max": OBJET_MAX, "message_max": MESSAGE_MAX}


async def page_contact(request: Request, moi: Moi, organisme: SonOrganisme, form: FormMessage, status_code: int = 200, erreur=None):
    ctx = {"form": form, "org": organisme, "erreur": erreur, **LIMITES}
    return await rendre(request, "contact/nous_contacter.html", ctx, status_code=status_code)


@get("/")
async def nous_contacter(request: Request, moi: Moi, organisme: SonOrganisme) -> Response:
    return await page_contact(request, moi, organisme, FormMessage())


@post("/")
async def envoyer(request: Request, moi: Moi, organisme: SonOrganisme, acteur: QuiAgit) -> Response:
    form = FormMessage.lire(await lire_formulaire(request))
    if form.erreurs:
        return await page_contact(request, moi, organisme, form, 422)
    try:
        message_id = await service.envoyer(acteur, form.objet, form.message)
    except service.TropDeMessages:
        return await page_contact(request, moi, organisme, form, 429, erreur=TROP)
    return rediriger(request, f"/contact/messages/{message_id}?fait=envoye")


@get("/messages")
async def mes_messages(request: Request, moi: Moi) -> Response:
    pagination = paginer(numero_de_page(request.query_params.get("page", "1")), service.PAR_PAGE, "/contact/messages")
    lignes, total = await service.mes_messages(moi, pagination(0))
    ctx = {"lignes": lignes, "total": total, "pagination": pagination(total), "statuts": service.STATUTS}
    return await rendre(request, "contact/mes_messages.html", ctx)


@get("/messages/{id_:str}")
async def mon_message(request: Request, id_: FromPath[str], moi: Moi) -> Response:
    fil = trouve(await service.fil(id_ou_404(id_), auteur=moi))
    ctx = {"fil": fil, "statuts": service.STATUTS, "info": INFOS.get(request.query_params.get("fait", "")), "espace": "organisme"}
    return await rendre(request, "contact/fil.html", ctx)


router = Router(path="/contact", guards=[droits.exiger_organisme], route_handlers=[nous_contacter, envoyer, mes_messages, mon_message])


# --- The Caisse des Dépôts' queue -------------------------------------------------------------

TOUS = "tous"
FILTRES = {service.NOUVEAU: "Nouveaux", service.REPONDU: "Répondus", TOUS: "Tous"}


@get("/")
async def file_des_messages(request: Request) -> Response:
    q = request.query_params
    choix = q.get("statut", service.NOUVEAU)
    choix = choix if choix in FILTRES else service.NOUVEAU
    pagination = paginer(numero_de_page(q.get("page", "1")), service.PAR_PAGE, "/cdc/messages", {"statut": choix})
    lignes, total = await service.file("" if choix == TOUS else choix, pagination(0))
    ctx = {"lignes": lignes, "total": total, "pagination": pagination(total), "choix": choix, "filtres": FILTRES,
           "statuts": service.STATUTS}  # fmt: skip
    return await rendre(request, "contact/file.html", ctx)


async def page_message(request: Request, message_id: int, form: FormReponse, status_code: int = 200) -> Response:
    fil = trouve(await service.fil(message_id))
    ctx = {"fil": fil, "form": form, "statuts": service.STATUTS, "info": INFOS.get(request.query_params.get("fait", "")),
           "espace": "cdc", **LIMITES}  # fmt: skip
    return await rendre(request, "contact/fil.html", ctx, status_code=status_code)


@get("/{id_:str}")
async def message(request: Request, id_: FromPath[str]) -> Response:
    return await page_message(request, id_ou_404(id_), FormReponse())


@post("/{id_:str}/repondre")
async def repondre(request: Request, id_: FromPath[str], acteur: QuiAgit) -> Response:
    message_id = id_ou_404(id_)
    donnees = await lire_formulaire(request)
    form = FormReponse.lire(donnees)
    if form.erreurs:
        return await page_message(request, message_id, form, 422)
    trouve(await service.fil(message_id))
    vues = entier(donnees.get("vues", "0"), maximum=10**6) or 0
    try:
        autre = await service.repondre(request.app.state.settings, acteur, message_id, form.reponse, vues)
    except LookupError:
        trouve(None)
    return rediriger(request, f"/cdc/messages/{message_id}?fait={'repondu_aussi' if autre else 'repondu'}")


router_cdc = Router(path="/cdc/messages", guards=[droits.exiger_agent_cdc], route_handlers=[file_des_messages, message, repondre])
