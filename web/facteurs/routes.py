"""The second factor: the sign-in's second step and required enrolment (a session opened by the
password alone), « Sécurité du compte », and the hierarchy's reset of someone's factors."""

from __future__ import annotations

from datetime import timedelta

from litestar import Request, Response, Router, get, post
from litestar.params import FromPath

from web import droits, sessions
from web.acteur import Acteur
from web.droits import apres_connexion, exiger_connexion, exiger_session
from web.entrees import id_ou_404, suite_locale, trouve
from web.facteurs import service, totp
from web.facteurs.forms import FormCodeSecours, FormCodeTotp, FormConfirmation, FormNomCle, FormReponseCle
from web.formulaires import lire_formulaire
from web.rendu import rediriger, rendre
from web.requete import Moi, QuiAgit, adresse, cookie_session
from web.tables import AGENT_CDC, PRINCIPAL, Utilisateur
from web.temps import maintenant

# A removal or new recovery codes: no code asked again within this long of a second-factor check.
CONFIRMATION_RECENTE = timedelta(minutes=5)
INFOS = {
    "totp": "L'application d'authentification est configurée.",
    "cle": "La clé d'accès a bien été ajoutée.",
    "supprime": "Le second facteur a bien été supprimé.",
    "renomme": "La clé d'accès a bien été renommée.",
}


def _demi(request: Request, etape: str) -> Utilisateur | None:
    """The person of a session opened by the password alone, at `etape`."""
    demi = request.state.get("demi_session")
    return demi[0] if demi is not None and demi[1] == etape else None


def _titulaire(request: Request) -> tuple[Utilisateur, str] | None:
    """Who enrols a factor: the signed-in person, or a half session at its required enrolment."""
    moi = request.state.get("utilisateur")
    if moi is not None:
        return moi, ""
    u = _demi(request, "enrolement")
    return (u, "enrolement") if u is not None else None


def _jeton(request: Request) -> str:
    return request.cookies.get(sessions.COOKIE, "")


async def _completer(request: Request, u: Utilisateur, etape: str, apres: Response | None = None, suite: str = "") -> Response:
    """The half session becomes a full one under a new token; on to the CGU, the page asked for
    before sign-in (`suite`) or the portal."""
    jeton = await sessions.completer(_jeton(request), etape)
    if jeton is None:
        reponse = rediriger(request, "/connexion?expiree=1")
        reponse.set_cookie(cookie_session(request, None))
        return reponse
    reponse = apres or rediriger(request, apres_connexion(u, suite))
    reponse.set_cookie(cookie_session(request, jeton))
    return reponse


def _cles(request: Request) -> dict:
    return {"cles_possibles": service.cles_possibles(request.app.state.settings)}


def _json(donnees: dict, status_code: int = 200) -> Response:
    return Response(donnees, status_code=status_code, media_type="application/json")


# --- The second step --------------------------------------------------------------------------


async def page_second_facteur(request: Request, u: Utilisateur, status_code: int = 200, **ctx) -> Response:
    f = await service.facteurs(u.id)
    # The page asked for before sign-in rides along in the address the forms post to.
    suite = suite_locale(request.query_params.get("suite", ""))
    ctx = {"form_totp": FormCodeTotp(), "form_secours": FormCodeSecours(), "facteurs": f, "suite": suite, **_cles(request), **ctx}
    return await rendre(request, "facteurs/second_facteur.html", ctx, status_code=status_code)


@get("/connexion/second-facteur", name="second_facteur")
async def second_facteur(request: Request) -> Response:
    u = _demi(request, "second_facteur")
    if u is None:
        return rediriger(request, "/connexion")
    return await page_second_facteur(request, u)


@post("/connexion/second-facteur")
async def verifier_second_facteur(request: Request) -> Response:
    u = _demi(request, "second_facteur")
    if u is None:
        return rediriger(request, "/connexion")
    donnees = await lire_formulaire(request)
    secours = donnees.get("action") == "secours"
    form = (FormCodeSecours if secours else FormCodeTotp).lire(donnees)
    if form.erreurs:
        cle = "form_secours" if secours else "form_totp"
        return await page_second_facteur(request, u, 422, **{cle: form})
    acteur = Acteur.de(u, adresse(request))
    echec = await service.verifier_code(request.app.state.settings, u, form.secours if secours else form.code, acteur)
    if echec:
        return await page_second_facteur(request, u, 422, echec=echec)
    return await _completer(request, u, "second_facteur", suite=suite_locale(request.query_params.get("suite", "")))


@post("/connexion/second-facteur/cle/options")
async def options_cle_connexion(request: Request) -> Response:
    u = _demi(request, "second_facteur")
    if u is None:
        return _json({"erreur": "Votre session a expiré. Identifiez-vous à nouveau."}, 401)
    options, defi = await service.options_authentification(u)
    await sessions.poser_defi(_jeton(request), defi)
    return Response(options, status_code=200, media_type="application/json")


@post("/connexion/second-facteur/cle")
async def verifier_cle_connexion(request: Request) -> Response:
    u = _demi(request, "second_facteur")
    if u is None:
        return _json({"erreur": "Votre session a expiré. Identifiez-vous à nouveau."}, 401)
    form = FormReponseCle.lire(await lire_formulaire(request))
    defi = await sessions.prendre_defi(_jeton(request))
    echec = await service.verifier_cle(request.app.state.settings, u, form.reponse, defi, Acteur.de(u, adresse(request)))
    if echec:
        return _json({"erreur": echec}, 422)
    return await _completer(request, u, "second_facteur", _json({"aller": apres_connexion(u, form.suite)}))


# --- Enrolment (required after the password, or from « Sécurité du compte ») -------------------


async def page_totp(
    request: Request, u: Utilisateur, etape: str, form: FormCodeTotp | None = None, status_code: int = 200, **ctx
) -> Response:
    secret = await service.secret_en_cours(request.app.state.settings, u)
    if secret is None:  # already configured
        return rediriger(request, "/securite")
    ctx = {
        "form": form or FormCodeTotp(), "enrolement": etape == "enrolement", "secret": totp.secret_lisible(secret),
        "qr": totp.qr_svg(totp.uri(secret, u.identifiant, request.app.state.settings.nom_service)),
        "form_nom": FormNomCle(), **_cles(request), **ctx,
    }  # fmt: skip
    gabarit = "facteurs/enrolement.html" if etape == "enrolement" else "facteurs/totp.html"
    return await rendre(request, gabarit, ctx, status_code=status_code)


@get("/connexion/enrolement", name="enrolement")
async def enrolement(request: Request) -> Response:
    u = _demi(request, "enrolement")
    if u is None:
        return rediriger(request, "/connexion")
    return await page_totp(request, u, "enrolement")


@get("/securite/totp", guards=[exiger_connexion])
async def configurer_totp(request: Request, moi: Moi) -> Response:
    return await page_totp(request, moi, "")


@post("/facteurs/totp")
async def confirmer_totp(request: Request) -> Response:
    qui = _titulaire(request)
    if qui is None:
        return rediriger(request, "/connexion")
    u, etape = qui
    form = FormCodeTotp.lire(await lire_formulaire(request))
    if form.erreurs:
        return await page_totp(request, u, etape, form, 422)
    ok, codes = await service.confirmer_totp(request.app.state.settings, u, form.code, Acteur.de(u, adresse(request)))
    if not ok:
        return await page_totp(request, u, etape, form, 422, echec=service.ECHEC)
    return await _apres_enrolement(request, u, etape, codes, "totp")


async def _apres_enrolement(request: Request, u: Utilisateur, etape: str, codes: list[str], fait: str) -> Response:
    # Right after the required enrolment the page is that of the full session being opened.
    ctx = {"codes": codes, "premiers": True, **({"moi": u, "suite": "/"} if etape else {})}
    page = await rendre(request, "facteurs/codes.html", ctx) if codes else None
    if etape:
        return await _completer(request, u, etape, page)
    return page or rediriger(request, f"/securite?fait={fait}")


@post("/facteurs/cle/options")
async def options_cle_ajout(request: Request) -> Response:
    qui = _titulaire(request)
    if qui is None:
        return _json({"erreur": "Votre session a expiré. Identifiez-vous à nouveau."}, 401)
    options, defi = await service.options_enregistrement(request.app.state.settings, qui[0])
    await sessions.poser_defi(_jeton(request), defi)
    return Response(options, status_code=200, media_type="application/json")


@post("/facteurs/cle")
async def ajouter_cle(request: Request) -> Response:
    qui = _titulaire(request)
    if qui is None:
        return _json({"erreur": "Votre session a expiré. Identifiez-vous à nouveau."}, 401)
    u, etape = qui
    form = FormReponseCle.lire(await lire_formulaire(request))
    nom = " ".join(form.nom.split()) or "Clé d'accès"
    defi = await sessions.prendre_defi(_jeton(request))
    if not await service.enregistrer_cle(request.app.state.settings, u, form.reponse, defi, nom, Acteur.de(u, adresse(request))):
        return _json({"erreur": "La clé d'accès n'a pas pu être enregistrée. Réessayez."}, 422)
    # The recovery codes are shown on a page of their own (a JSON answer cannot show them once).
    aller = "/securite/codes" if not (await service.facteurs(u.id)).codes_emis else "/securite?fait=cle"
    if etape:
        return await _completer(request, u, etape, _json({"aller": aller}))
    return _json({"aller": aller})


# --- « Sécurité du compte » -----------------------------------------------------------------------


@get("/securite", guards=[exiger_connexion], name="securite")
async def securite(request: Request, moi: Moi) -> Response:
    ctx = {"facteurs": await service.facteurs(moi.id), "info": INFOS.get(request.query_params.get("fait", "")), "form_nom": FormNomCle(),
           **_cles(request)}  # fmt: skip
    return await rendre(request, "facteurs/securite.html", ctx)


async def _confirmation_recente(request: Request) -> bool:
    le = await sessions.facteur_verifie_le(_jeton(request))
    return le is not None and maintenant() - le < CONFIRMATION_RECENTE


async def page_confirmer(request: Request, titre: str, texte: str, action: str, bouton: str, *, code: bool, status_code: int = 200,
                         form: FormConfirmation | None = None, echec: str | None = None,
                         retour: str = "/securite") -> Response:  # fmt: skip
    ctx = {"titre": titre, "texte": texte, "action": action, "bouton": bouton, "code": code, "form": form or FormConfirmation(),
           "echec": echec, "retour": retour}  # fmt: skip
    return await rendre(request, "facteurs/confirmer.html", ctx, status_code=status_code)


async def _confirme(
    request: Request, moi: Utilisateur, acteur: Acteur, secours_seulement: bool = False
) -> tuple[bool, FormConfirmation, str | None]:
    """The step-up: a recent second-factor check, or a code typed now."""
    form = FormConfirmation.lire(await lire_formulaire(request))
    if await _confirmation_recente(request):
        form.erreurs.clear()
        return True, form, None
    if form.erreurs:
        return False, form, None
    echec = await service.verifier_code(request.app.state.settings, moi, form.confirmation, acteur, secours_seulement=secours_seulement)
    if echec:
        return False, form, echec
    await sessions.facteur_verifie(_jeton(request))
    return True, form, None


def _suppression(f: service.Facteurs, quoi: str, cle_id: int | None) -> tuple[str, str, str]:
    if quoi == "cle":
        cle = trouve(next((c for c in f.cles if c["id"] == cle_id), None))
        return (f"Supprimer la clé d'accès « {cle['nom']} »", f"La clé d'accès « {cle['nom']} » ne permettra plus de vous identifier.",
                f"/securite/cles/{cle_id}/supprimer")  # fmt: skip
    trouve(f.totp)
    return ("Supprimer l'application d'authentification",
            "Les codes de votre application d'authentification ne permettront plus de vous identifier. "
            "S'il vous est demandé un code pour confirmer, utilisez un code de secours.",
            "/securite/totp/supprimer")  # fmt: skip


async def _page_suppression(request: Request, moi: Utilisateur, quoi: str, cle_id: int | None, status_code: int = 200, **kw) -> Response:
    titre, texte, action = _suppression(await service.facteurs(moi.id), quoi, cle_id)
    return await page_confirmer(request, titre, texte, action, "Supprimer", code=not await _confirmation_recente(request),
                                status_code=status_code, **kw)  # fmt: skip


async def _supprimer(request: Request, moi: Utilisateur, acteur: Acteur, quoi: str, cle_id: int | None) -> Response:
    _suppression(await service.facteurs(moi.id), quoi, cle_id)  # 404 when it is not there
    ok, form, echec = await _confirme(request, moi, acteur, secours_seulement=quoi == "totp")
    if not ok:
        return await _page_suppression(request, moi, quoi, cle_id, 422, form=form, echec=echec)
    try:
        await service.supprimer(request.app.state.settings, moi, quoi, cle_id, acteur)
    except service.Refus as refus:
        return await _page_suppression(request, moi, quoi, cle_id, 422, form=form, echec=str(refus))
    return rediriger(request, "/securite?fait=supprime")


@get("/securite/cles/{cle:str}/supprimer", guards=[exiger_connexion])
async def confirmer_suppression_cle(request: Request, moi: Moi, cle: FromPath[str]) -> Response:
    return await _page_suppression(request, moi, "cle", id_ou_404(cle))


@post("/securite/cles/{cle:str}/supprimer", guards=[exiger_connexion])
async def supprimer_cle(request: Request, moi: Moi, acteur: QuiAgit, cle: FromPath[str]) -> Response:
    return await _supprimer(request, moi, acteur, "cle", id_ou_404(cle))


@get("/securite/totp/supprimer", guards=[exiger_connexion])
async def confirmer_suppression_totp(request: Request, moi: Moi) -> Response:
    return await _page_suppression(request, moi, "totp", None)


@post("/securite/totp/supprimer", guards=[exiger_connexion])
async def supprimer_totp(request: Request, moi: Moi, acteur: QuiAgit) -> Response:
    return await _supprimer(request, moi, acteur, "totp", None)


async def _page_renommer(
    request: Request, moi: Utilisateur, cle_id: int, form: FormNomCle | None = None, status_code: int = 200
) -> Response:
    cle = trouve(next((c for c in (await service.facteurs(moi.id)).cles if c["id"] == cle_id), None))
    return await rendre(
        request, "facteurs/renommer.html", {"cle": cle, "form": form or FormNomCle(nom=cle["nom"])}, status_code=status_code
    )


@get("/securite/cles/{cle:str}/renommer", guards=[exiger_connexion])
async def formulaire_renommer(request: Request, moi: Moi, cle: FromPath[str]) -> Response:
    return await _page_renommer(request, moi, id_ou_404(cle))


@post("/securite/cles/{cle:str}/renommer", guards=[exiger_connexion])
async def renommer(request: Request, moi: Moi, acteur: QuiAgit, cle: FromPath[str]) -> Response:
    cle_id = id_ou_404(cle)
    form = FormNomCle.lire(await lire_formulaire(request))
    if form.erreurs:
        return await _page_renommer(request, moi, cle_id, form, 422)
    trouve(await service.renommer_cle(moi, cle_id, form.nom, acteur) or None)
    return rediriger(request, "/securite?fait=renomme")


# The first recovery codes (after a first passkey) need no confirmation; new ones replace the old.
@get("/securite/codes", guards=[exiger_session])
async def confirmer_codes(request: Request, moi: Moi) -> Response:
    premiers = not (await service.facteurs(moi.id)).codes_emis
    return await _page_codes(request, premiers, code=not premiers and not await _confirmation_recente(request))


async def _page_codes(request: Request, premiers: bool, *, code: bool, status_code: int = 200, **kw) -> Response:
    if premiers:
        titre, texte = (
            "Générer vos codes de secours",
            "Dix codes de secours vont être générés. Chacun permet une connexion si vous n'avez plus votre clé d'accès "
            "ni votre application.",
        )
    else:
        titre, texte = (
            "Générer de nouveaux codes de secours",
            "Dix nouveaux codes de secours vont être générés ; les anciens ne seront plus valables.",
        )
    return await page_confirmer(request, titre, texte, "/securite/codes", "Générer les codes", code=code, status_code=status_code,
                                retour="/" if premiers else "/securite", **kw)  # fmt: skip


@post("/securite/codes", guards=[exiger_session])
async def generer_codes(request: Request, moi: Moi, acteur: QuiAgit) -> Response:
    f = await service.facteurs(moi.id)
    if f.aucun:
        raise droits.Interdit
    if f.codes_emis:
        ok, form, echec = await _confirme(request, moi, acteur)
        if not ok:
            return await _page_codes(request, False, code=True, status_code=422, form=form, echec=echec)
        codes = await service.regenerer_codes(request.app.state.settings, moi, acteur)
    else:
        codes = await service.codes_si_absents(moi)
    return await rendre(request, "facteurs/codes.html", {"codes": codes, "premiers": not f.codes_emis})


# --- Losing every factor: the hierarchy resets them -------------------------------------------------


async def _cible(moi: Utilisateur, id_: str) -> Utilisateur:
    """The person whose factors `moi` would reset: 404 when `moi` may not even see them, 403 when
    they may see but not reset."""
    cible = trouve(await Utilisateur.objects().where(Utilisateur.id == id_ou_404(id_)).first())
    if droits.est_agent_cdc(moi):
        visible = cible.role in (PRINCIPAL, AGENT_CDC)
    else:
        visible = moi.organisme is not None and cible.organisme == moi.organisme
    if not visible:
        trouve(None)
    if not droits.peut_reinitialiser_facteurs(moi, cible):
        raise droits.Interdit
    return cible


def _retour(moi: Utilisateur, cible: Utilisateur) -> str:
    if droits.est_agent_cdc(moi) and cible.organisme:
        return f"/cdc/organismes/{cible.organisme}"
    return f"/habilitations/{cible.id}"


@get("/facteurs/reinitialiser/{id_:str}", guards=[exiger_connexion])
async def confirmer_reinitialisation(request: Request, moi: Moi, id_: FromPath[str]) -> Response:
    cible = await _cible(moi, id_)
    nom = f"{cible.civilite} {cible.prenom} {cible.nom} ({cible.identifiant})"
    texte = (f"Les clés d'accès, l'application d'authentification et les codes de secours de {nom} seront supprimés et ses sessions "
             "fermées. À sa prochaine connexion, après son mot de passe, il lui sera demandé d'en configurer un nouveau. "
             "Un courriel l'en informera.")  # fmt: skip
    return await page_confirmer(request, f"Réinitialiser les seconds facteurs de {nom}", texte, f"/facteurs/reinitialiser/{cible.id}",
                                "Réinitialiser les seconds facteurs", code=False, retour=_retour(moi, cible))  # fmt: skip


@post("/facteurs/reinitialiser/{id_:str}", guards=[exiger_connexion])
async def reinitialiser(request: Request, moi: Moi, acteur: QuiAgit, id_: FromPath[str]) -> Response:
    cible = await _cible(moi, id_)
    await service.reinitialiser(request.app.state.settings, acteur, cible)
    return rediriger(request, f"{_retour(moi, cible)}?fait=facteurs")


router = Router(
    path="/",
    route_handlers=[
        second_facteur, verifier_second_facteur, options_cle_connexion, verifier_cle_connexion,
        enrolement, configurer_totp, confirmer_totp, options_cle_ajout, ajouter_cle,
        securite, confirmer_suppression_cle, supprimer_cle, confirmer_suppression_totp, supprimer_totp,
        formulaire_renommer, renommer, confirmer_codes, generer_codes,
        confirmer_reinitialisation, reinitialiser,
    ],
)  # fmt: skip
