"""Sign-in, first sign-in password change, CGU, sign-out (guide: "Première connexion")."""

from __future__ import annotations

import asyncio

from litestar import Request, Response, Router, get, post
from litestar.datastructures import Cookie
from litestar.exceptions import TooManyRequestsException
from litestar.middleware.rate_limit import RateLimitConfig, RateLimitMiddleware
from litestar.types import Receive, Scope, Send

from web import cgu, courriels, observabilite, sessions
from web.comptes.hachage import verifier
from web.comptes.identifiant import normaliser_identifiant
from web.comptes.mot_de_passe import changer, deja_utilise
from web.comptes.service import nom_affiche
from web.connexion import appareil, verrou
from web.connexion.forms import FormConnexion, FormNouveauMotDePasse
from web.db import ecriture
from web.droits import cgu_a_jour, est_agent_cdc, exiger_connexion, exiger_session
from web.formulaires import lire_formulaire
from web.journal import journaliser
from web.rendu import rediriger, rendre
from web.tables import ACTIF, AcceptationCgu, Organisme, Utilisateur
from web.temps import maintenant

INCORRECT = "Identifiant ou mot de passe incorrect."
TEMPORAIRE_EXPIRE = "Votre mot de passe temporaire a expiré (il est valable 72 heures). Demandez à votre administrateur de le renouveler."


def adresse(request: Request) -> str:
    return request.client.host if request.client else ""


def cookie_session(request: Request, jeton: str | None) -> Cookie:
    secure = request.app.state.settings.production
    if jeton is None:
        return Cookie(key=sessions.COOKIE, value="", max_age=0, expires=0, httponly=True, samesite="lax", secure=secure, path="/")
    return Cookie(key=sessions.COOKIE, value=jeton, httponly=True, samesite="lax", secure=secure, path="/")


def message_verrou(jusqua, now) -> str:
    n = verrou.minutes_restantes(jusqua, now)
    return (
        f"Trop de tentatives pour cet identifiant : vous pourrez réessayer dans {n} minute{'s' if n > 1 else ''}. "
        "Si vous avez oublié votre mot de passe, utilisez « Mot de passe oublié » : votre administrateur pourra le renouveler."
    )


SUSPENDU_PENDANT = "Ce compte vient d'être suspendu ou son mot de passe renouvelé : la connexion n'a pas été ouverte."
ADRESSE_SATUREE = "Trop de tentatives depuis votre poste. Réessayez dans quelques minutes."


async def verifier_identite(request: Request, saisie_cle: str, mot_de_passe: str) -> tuple[Utilisateur | None, str | None]:
    """The shared check of sign-in, first password change and password change: counters, password.
    Returns (person, None) on success, else (None, the message to show). Unknown identifiants and
    wrong passwords take the same path, the same time and get the same message.

    A browser with a device cookie for this identifiant has its own counter; any other client
    counts against the identifiant's "unknown device" counter and its address. Each counter is
    reserved before argon2 runs (web.connexion.verrou)."""
    now = maintenant()
    ip = adresse(request)
    nonce = appareil.appareil(request, saisie_cle)
    fenetre = None if nonce else verrou.cle_adresse(ip)
    if fenetre and not await verrou.reserver_fenetre(fenetre, verrou.MAX_PAR_ADRESSE, verrou.FENETRE_ADRESSE, now):
        await journaliser("connexion_refusee", adresse=ip, identifiant_saisi=saisie_cle, detail="limite par adresse atteinte")
        observabilite.connexion("limite_adresse")
        return None, ADRESSE_SATUREE
    r = await verrou.reserver(verrou.cle_identifiant(saisie_cle, nonce), now)
    poste = "poste reconnu" if nonce else "poste inconnu"
    if not r.admise:
        if fenetre:  # no password was checked: the address keeps its attempt
            await verrou.rendre(fenetre)
        await journaliser("connexion_refusee", adresse=ip, identifiant_saisi=saisie_cle, detail=f"identifiant bloqué ({poste})")
        observabilite.connexion("verrouillee")
        return None, message_verrou(r.verrou_jusqua, now)
    u = await Utilisateur.objects().where(Utilisateur.identifiant == saisie_cle).first()
    ok = await verifier(u.mot_de_passe if u else None, mot_de_passe)
    if not ok:
        verrouille = r.verrouille_si_echec(now)
        async with ecriture():
            ids = {"cible": u.id, "organisme": u.organisme} if u else {}
            await journaliser("connexion_echec", adresse=ip, identifiant_saisi=saisie_cle, detail=poste, **ids)
            if verrouille:
                minutes = verrou.minutes_restantes(r.verrou_jusqua, now)
                await journaliser("connexion_verrou", adresse=ip, identifiant_saisi=saisie_cle, detail=f"{minutes} min, {poste}", **ids)
                # The owner hears of a stranger's guesses, once a day at most; nobody for an unknown identifiant.
                if not nonce and await verrou.reclamer_alerte(r.cle, now) and u is not None and u.statut == ACTIF:
                    await courriels.mettre_en_file(u.courriel, *courriel_alerte(request, u, ip, now))
        if verrouille:
            courriels.reveiller()
        observabilite.connexion("verrouillee" if verrouille else "echec")
        return None, message_verrou(r.verrou_jusqua, now) if verrouille else INCORRECT
    await verrou.effacer(r.cle)
    if fenetre:
        await verrou.rendre(fenetre)
    # Past this point the password was right: saying why the account cannot be used
    # reveals nothing to someone who does not already hold it.
    if u.statut != ACTIF or (u.organisme and await Organisme.exists().where((Organisme.id == u.organisme) & (Organisme.statut != ACTIF))):
        observabilite.connexion("refusee")
        return None, "Ce compte est suspendu. Contactez votre administrateur."
    if u.mot_de_passe_temporaire and (u.mot_de_passe_expire_le is None or u.mot_de_passe_expire_le < now):
        observabilite.connexion("refusee")
        return None, TEMPORAIRE_EXPIRE
    return u, None


def courriel_alerte(request: Request, u: Utilisateur, ip: str, now) -> tuple[str, str]:
    settings = request.app.state.settings
    return (
        "Portail gestionnaire : tentatives de connexion à votre compte",
        f"Bonjour {nom_affiche(u)},\n\n"
        f"Plusieurs mots de passe erronés ont été saisis pour votre identifiant {u.identifiant} depuis un poste "
        f"où vous ne vous êtes jamais connecté (adresse {ip}, le {now:%d/%m/%Y à %H:%M} UTC). Les essais depuis "
        "les postes inconnus sont maintenant ralentis ; le poste d'où vous vous connectez habituellement n'est pas bloqué.\n\n"
        "Si c'était vous, vous pouvez réessayer plus tard ou utiliser « Mot de passe oublié ». Sinon, votre mot de passe "
        "n'a pas été trouvé : vous n'avez rien à faire, mais vous pouvez prévenir votre administrateur.\n\n"
        f"Adresse du portail : {settings.base_url}/connexion\n\n"
        "Ce message est envoyé automatiquement, merci de ne pas y répondre.\n",
    )


@get("/connexion", name="connexion")
async def page_connexion(request: Request) -> Response:
    if request.state.utilisateur is not None:
        return rediriger(request, "/")
    info, q = None, request.query_params
    if q.get("mot_de_passe") == "modifie":
        info = "Votre mot de passe a bien été mis à jour. Vous pouvez désormais vous identifier avec."
    elif q.get("deconnecte"):
        info = "Vous êtes déconnecté."
    elif q.get("expiree"):
        info = "Votre session a expiré. Identifiez-vous à nouveau."
    return rendre(request, "connexion/connexion.html", {"form": FormConnexion(), "info": info})


@post("/connexion")
async def se_connecter(request: Request) -> Response:
    form = FormConnexion.lire(await lire_formulaire(request))
    if form.erreurs:
        return rendre(request, "connexion/connexion.html", {"form": form}, status_code=422)
    u, message = await verifier_identite(request, form.cle, form.mot_de_passe)
    if u is None:
        return rendre(request, "connexion/connexion.html", {"form": form, "echec": message}, status_code=422)
    if u.mot_de_passe_temporaire:
        # The temporary password opens nothing but the forced change.
        observabilite.connexion("changement_impose")
        await journaliser(
            "connexion",
            acteur=u.id,
            cible=u.id,
            organisme=u.organisme,
            adresse=adresse(request),
            detail="mot de passe temporaire : changement demandé",
        )
        reponse = rendre(request, "connexion/premiere.html", {"identifiant": u.identifiant})
        reponse.set_cookie(appareil.cookie(request, u.identifiant))
        return reponse
    async with ecriture():
        await sessions.fermer(request.cookies.get(sessions.COOKIE))
        jeton = await sessions.ouvrir(u.id, adresse(request), hash_verifie=u.mot_de_passe)
        if jeton is not None:
            await journaliser("connexion", acteur=u.id, cible=u.id, organisme=u.organisme, adresse=adresse(request))
    if jeton is None:  # suspended or renewed while the password was being checked
        observabilite.connexion("refusee")
        return rendre(request, "connexion/connexion.html", {"form": form, "echec": SUSPENDU_PENDANT}, status_code=422)
    observabilite.connexion("reussie")
    reponse = rediriger(request, "/" if cgu_a_jour(u) else "/cgu")
    reponse.set_cookie(cookie_session(request, jeton))
    reponse.set_cookie(appareil.cookie(request, u.identifiant))
    return reponse


def page_mot_de_passe(request: Request, form: FormNouveauMotDePasse, status_code: int = 200, echec: str | None = None) -> Response:
    return rendre(request, "connexion/mot_de_passe.html", {"form": form, "echec": echec}, status_code=status_code)


@get("/mot-de-passe/premiere-connexion", name="premiere_connexion")
async def page_premiere_connexion(request: Request) -> Response:
    form = FormNouveauMotDePasse(identifiant=request.query_params.get("identifiant", "").strip()[:32])
    await form.evaluer()
    form.erreurs.clear()
    return page_mot_de_passe(request, form)


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
async def evaluer_mot_de_passe(request: Request) -> Response:
    """Live feedback while typing: the policy checklist and the strength label only.
    It knows nothing of the account, so it tells nothing about whether it exists."""
    form = FormNouveauMotDePasse.lire(await lire_formulaire(request), avec_identifiant=False)
    moi, org = request.state.utilisateur, request.state.organisme
    if moi is not None and normaliser_identifiant(form.identifiant) == moi.identifiant:
        # Signed in ("Modifier mon mot de passe"): the name rule is checked live too, from the session only.
        await form.evaluer(prenom=moi.prenom, nom=moi.nom, organisme=org.raison_sociale if org else "")
    else:
        await form.evaluer()
    return rendre(request, "fragments/politique.html", {"form": form})


@post("/mot-de-passe/premiere-connexion")
async def changer_premiere_connexion(request: Request) -> Response:
    form = FormNouveauMotDePasse.lire(await lire_formulaire(request))
    await form.evaluer()
    if form.erreurs:
        return page_mot_de_passe(request, form, 422)
    u, message = await verifier_identite(request, form.identifiant.upper(), form.ancien)
    if u is None:
        return page_mot_de_passe(request, form, 422, echec=message)
    await form.evaluer(prenom=u.prenom, nom=u.nom, organisme=await raison_sociale(u))
    if not form.erreurs and (form.nouveau == form.ancien or await deja_utilise(u, form.nouveau)):
        form.erreurs["nouveau"] = "Choisissez un mot de passe que vous n'avez pas déjà utilisé."
    if form.erreurs:
        return page_mot_de_passe(request, form, 422)
    await changer(u, form.nouveau, adresse=adresse(request))
    return rediriger(request, "/connexion?mot_de_passe=modifie")


async def raison_sociale(u: Utilisateur) -> str:
    """The organisation's name, which a password may not contain either."""
    if not u.organisme:
        return ""
    row = await Organisme.select(Organisme.raison_sociale).where(Organisme.id == u.organisme).first()
    return row["raison_sociale"] if row else ""


@get("/cgu", guards=[exiger_session], name="cgu")
async def page_cgu(request: Request) -> Response:
    if cgu_a_jour(request.state.utilisateur):
        return rediriger(request, "/")
    return rendre(request, "connexion/cgu.html", {"cgu_fichier": cgu.FICHIER, "cgu_taille": cgu.taille_affichee()})


@post("/cgu", guards=[exiger_session])
async def valider_cgu(request: Request) -> Response:
    donnees = await lire_formulaire(request)
    if donnees.get("action") == "annuler":
        return await fermer_session(request)
    if donnees.get("accepte") != "on":
        return rendre(
            request,
            "connexion/cgu.html",
            {
                "cgu_fichier": cgu.FICHIER,
                "cgu_taille": cgu.taille_affichee(),
                "erreurs": {"accepte": "Cochez la case pour accepter les Conditions Générales d'Utilisation."},
            },
            status_code=422,
        )
    u = request.state.utilisateur
    if cgu_a_jour(u):  # a replayed form records nothing twice
        return rediriger(request, "/")
    async with ecriture():
        await AcceptationCgu.insert(
            AcceptationCgu(utilisateur=u.id, version=cgu.VERSION, accepte_le=maintenant(), adresse=adresse(request))
        )
        await Utilisateur.update({Utilisateur.cgu_version: cgu.VERSION}).where(Utilisateur.id == u.id)
        await journaliser(
            "cgu_acceptees", acteur=u.id, cible=u.id, organisme=u.organisme, adresse=adresse(request), detail=f"version {cgu.VERSION}"
        )
    return rediriger(request, "/")


@post("/deconnexion", name="deconnexion")
async def se_deconnecter(request: Request) -> Response:
    return await fermer_session(request)


async def fermer_session(request: Request) -> Response:
    u = request.state.utilisateur
    async with ecriture():
        await sessions.fermer(request.cookies.get(sessions.COOKIE))
        if u is not None:
            await journaliser("deconnexion", acteur=u.id, cible=u.id, organisme=u.organisme, adresse=adresse(request))
    reponse = rediriger(request, "/connexion?deconnecte=1")
    reponse.set_cookie(cookie_session(request, None))
    return reponse


@get("/aide", name="aide")
async def aide(request: Request) -> Response:
    """Public: reachable from the sign-in page."""
    return rendre(request, "aide/aide.html")


@get("/", guards=[exiger_connexion], name="accueil")
async def accueil(request: Request) -> Response:
    if est_agent_cdc(request.state.utilisateur):
        return rediriger(request, "/cdc")  # the Caisse des Dépôts' agents have their own space
    from web.titulaires.routes import page_recherche  # the guide's home page: "Rechercher un titulaire"

    return await page_recherche(request)


router = Router(
    path="/",
    route_handlers=[
        page_connexion,
        se_connecter,
        page_premiere_connexion,
        evaluer_mot_de_passe,
        changer_premiere_connexion,
        page_cgu,
        valider_cgu,
        se_deconnecter,
        accueil,
        aide,
    ],
)
