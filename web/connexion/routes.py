"""Sign-in, first sign-in password change, live password checklist, CGU, sign-out, Aide
(guide: "Première connexion")."""

from __future__ import annotations

import asyncio

from litestar import Request, Response, Router, get, post
from litestar.exceptions import TooManyRequestsException
from litestar.middleware.rate_limit import RateLimitConfig, RateLimitMiddleware
from litestar.types import Receive, Scope, Send

from web import cgu, sessions
from web.acteur import Acteur
from web.comptes import authentification
from web.comptes.identifiant import normaliser_identifiant
from web.comptes.mot_de_passe import DEJA_UTILISE, changer, deja_utilise
from web.connexion import appareil, service
from web.connexion.forms import FormCgu, FormConnexion, FormMotDePasseConnecte, FormNouveauMotDePasse
from web.droits import ETAPES, apres_connexion, avec_suite, cgu_a_jour, exiger_session
from web.entrees import suite_locale
from web.facteurs import service as facteurs
from web.formulaires import lire_formulaire
from web.rendu import rediriger, rendre
from web.requete import Moi, MoiPeutEtre, OrganismePeutEtre, QuiAgit, adresse, cookie_session
from web.tables import Utilisateur
from web.titulaires.donnees_demo import apercu

SUSPENDU_PENDANT = "Ce compte vient d'être suspendu ou son mot de passe renouvelé : la connexion n'a pas été ouverte."
INFOS = {
    "mot_de_passe": "Votre mot de passe a bien été mis à jour. Vous pouvez désormais vous identifier avec.",
    "deconnecte": "Vous êtes déconnecté.",
    "expiree": "Votre session a expiré. Identifiez-vous à nouveau.",
}


async def verifier_identite(request: Request, cle: str, mot_de_passe: str) -> tuple[Utilisateur | None, str | None]:
    """The identity check of web.comptes.authentification, with this browser's device cookie."""
    return await authentification.verifier_identite(
        request.app.state.settings, cle, mot_de_passe, adresse=adresse(request), appareil=appareil.appareil(request, cle)
    )


@get("/connexion", name="connexion")
async def page_connexion(request: Request, moi: MoiPeutEtre) -> Response:
    q = request.query_params
    suite = suite_locale(q.get("suite", ""))
    if moi is not None:
        return rediriger(request, apres_connexion(moi, suite))
    cle = "mot_de_passe" if q.get("mot_de_passe") == "modifie" else next((k for k in ("deconnecte", "expiree") if q.get(k)), None)
    return await rendre(request, "connexion/connexion.html", {"form": FormConnexion(suite=suite), "info": INFOS.get(cle or "")})


@post("/connexion")
async def se_connecter(request: Request) -> Response:
    form = FormConnexion.lire(await lire_formulaire(request))
    if form.erreurs:
        return await rendre(request, "connexion/connexion.html", {"form": form}, status_code=422)
    u, message = await verifier_identite(request, form.cle, form.mot_de_passe)
    if u is None:
        return await rendre(request, "connexion/connexion.html", {"form": form, "echec": message}, status_code=422)
    acteur = Acteur.de(u, adresse(request))
    if u.mot_de_passe_temporaire:
        await service.changement_impose(u, acteur)
        # The guide's banner, on the sign-in page above the form.
        reponse = await rendre(request, "connexion/connexion.html", {"form": FormConnexion(), "premiere": u.identifiant})
        reponse.set_cookie(appareil.cookie(request, u.identifiant))
        return reponse
    etape = await facteurs.etape_apres_mot_de_passe(u)
    jeton = await service.ouvrir_session(u, acteur, request.cookies.get(sessions.COOKIE), etape)
    if jeton is None:
        return await rendre(request, "connexion/connexion.html", {"form": form, "echec": SUSPENDU_PENDANT}, status_code=422)
    if etape:  # the second step (or the required enrolment) first; the page asked for follows it
        reponse = rediriger(request, avec_suite(ETAPES[etape], form.suite))
    else:
        reponse = rediriger(request, apres_connexion(u, form.suite))
    reponse.set_cookie(cookie_session(request, jeton))
    reponse.set_cookie(appareil.cookie(request, u.identifiant))
    return reponse


async def page_mot_de_passe(request: Request, form: FormNouveauMotDePasse, status_code: int = 200, echec: str | None = None) -> Response:
    return await rendre(request, "connexion/mot_de_passe.html", {"form": form, "echec": echec}, status_code=status_code)


@get("/mot-de-passe/premiere-connexion", name="premiere_connexion")
async def page_premiere_connexion(request: Request) -> Response:
    form = FormNouveauMotDePasse(identifiant=request.query_params.get("identifiant", "").strip()[:32])
    await form.evaluer()
    form.erreurs.clear()
    return await page_mot_de_passe(request, form)


class LimiteRalentie(RateLimitMiddleware):
    """Litestar's per-address limit, with the refusal held back a moment: a client that floods
    waits instead of sending its next request at once, so the flood costs the server next to
    nothing (the client's address is uvicorn's, from X-Forwarded-For behind a trusted proxy)."""

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        try:
            await super().__call__(scope, receive, send)
        except TooManyRequestsException:
            await asyncio.sleep(RALENTI_S)
            raise


# Live feedback sends one request per pause in typing: a person stays far below this.
EVALUATIONS_PAR_MINUTE = 60
RALENTI_S = 1.0
LIMITE_EVALUER = RateLimitConfig(rate_limit=("minute", EVALUATIONS_PAR_MINUTE), middleware_class=LimiteRalentie, store="evaluer")


@post("/mot-de-passe/evaluer", middleware=[LIMITE_EVALUER.middleware])
async def evaluer_mot_de_passe(request: Request, moi: MoiPeutEtre, organisme: OrganismePeutEtre) -> Response:
    """Live feedback while typing: the policy checklist and the strength label only.
    It knows nothing of the account, so it tells nothing about whether it exists."""
    form = FormMotDePasseConnecte.lire(await lire_formulaire(request))
    if moi is not None and normaliser_identifiant(form.identifiant) == moi.identifiant:
        # Signed in ("Modifier mon mot de passe"): the name rule is checked live too, from the session only.
        await form.evaluer(prenom=moi.prenom, nom=moi.nom, organisme=organisme.raison_sociale if organisme else "")
    else:
        await form.evaluer()
    return await rendre(request, "fragments/politique.html", {"form": form})


@post("/mot-de-passe/premiere-connexion")
async def changer_premiere_connexion(request: Request) -> Response:
    form = FormNouveauMotDePasse.lire(await lire_formulaire(request))
    await form.evaluer()
    if form.erreurs:
        return await page_mot_de_passe(request, form, 422)
    u, message = await verifier_identite(request, form.identifiant.upper(), form.ancien)
    if u is None:
        return await page_mot_de_passe(request, form, 422, echec=message)
    await form.evaluer(prenom=u.prenom, nom=u.nom, organisme=await authentification.raison_sociale(u))
    if not form.erreurs and (form.nouveau == form.ancien or await deja_utilise(u, form.nouveau)):
        form.erreurs["nouveau"] = DEJA_UTILISE
    if form.erreurs:
        return await page_mot_de_passe(request, form, 422)
    await changer(u, form.nouveau, Acteur.de(u, adresse(request)))
    return rediriger(request, "/connexion?mot_de_passe=modifie")


async def page_cgu(request: Request, form: FormCgu, status_code: int = 200) -> Response:
    # The guide keeps the left menu beside the CGU (its entries lead back here until they are accepted).
    ctx = {"form": form, "cgu_fichier": cgu.FICHIER, "cgu_taille": cgu.taille_affichee(), "menu_avant_cgu": True}
    return await rendre(request, "connexion/cgu.html", ctx, status_code=status_code)


@get("/cgu", guards=[exiger_session], name="cgu")
async def cgu_a_valider(request: Request, moi: Moi) -> Response:
    suite = suite_locale(request.query_params.get("suite", ""))
    if cgu_a_jour(moi):
        return rediriger(request, suite or "/")
    return await page_cgu(request, FormCgu(suite=suite))


@post("/cgu", guards=[exiger_session])
async def valider_cgu(request: Request, moi: Moi, acteur: QuiAgit) -> Response:
    form = FormCgu.lire(await lire_formulaire(request))
    if form.action == "annuler":
        return await fermer_session(request, moi, acteur)
    if form.erreurs:
        return await page_cgu(request, form, 422)
    if not cgu_a_jour(moi):  # a replayed form records nothing twice
        await service.accepter_cgu(moi, acteur)
    return rediriger(request, form.suite or "/")


@post("/deconnexion", name="deconnexion")
async def se_deconnecter(request: Request, moi: MoiPeutEtre, acteur: QuiAgit) -> Response:
    return await fermer_session(request, moi, acteur)


async def fermer_session(request: Request, moi: MoiPeutEtre, acteur: QuiAgit) -> Response:
    await service.fermer_session(request.cookies.get(sessions.COOKIE), moi, acteur)
    reponse = rediriger(request, "/connexion?deconnecte=1")
    reponse.set_cookie(cookie_session(request, None))
    return reponse


@get("/aide", name="aide")
async def aide(request: Request) -> Response:
    """Public: reachable from the sign-in page. In development only, the demo accounts and the
    NIR + nom pairs to try (what `portail demo` prints)."""
    demo = [] if request.app.state.settings.production else await apercu()
    return await rendre(request, "aide/aide.html", {"demo": demo})


router = Router(
    path="/",
    route_handlers=[
        page_connexion,
        se_connecter,
        page_premiere_connexion,
        evaluer_mot_de_passe,
        changer_premiere_connexion,
        cgu_a_valider,
        valider_cgu,
        se_deconnecter,
        aide,
    ],
)
