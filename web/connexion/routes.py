"""Sign-in, first sign-in password change, CGU, sign-out (guide: "Première connexion")."""

from __future__ import annotations

from litestar import Request, Response, Router, get, post
from litestar.datastructures import Cookie

from web import cgu, observabilite, sessions
from web.comptes.hachage import verifier
from web.comptes.identifiant import normaliser_identifiant
from web.comptes.mot_de_passe import changer, deja_utilise
from web.connexion import verrou
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


async def verifier_identite(request: Request, saisie_cle: str, mot_de_passe: str) -> tuple[Utilisateur | None, str | None]:
    """The shared check of sign-in and first password change: address limit, lock, password.
    Returns (person, None) on success, else (None, the message to show). Unknown identifiants
    and wrong passwords take the same time and get the same message."""
    now = maintenant()
    ip = adresse(request)
    if await verrou.adresse_saturee(ip, now):
        observabilite.connexion("limite_adresse")
        return None, "Trop de tentatives depuis votre poste. Réessayez dans quelques minutes."
    if jusqua := await verrou.bloque_jusqua(saisie_cle, now):
        observabilite.connexion("verrouillee")
        return None, message_verrou(jusqua, now)
    u = await Utilisateur.objects().where(Utilisateur.identifiant == saisie_cle).first()
    ok = await verifier(u.mot_de_passe if u else None, mot_de_passe)
    if not ok:
        async with ecriture():
            jusqua = await verrou.noter_echec(saisie_cle, now)
            ids = {"cible": u.id, "organisme": u.organisme} if u else {}
            await journaliser("connexion_echec", adresse=ip, identifiant_saisi=saisie_cle, **ids)
            if jusqua:
                await journaliser("connexion_verrou", adresse=ip, identifiant_saisi=saisie_cle, **ids)
        observabilite.connexion("verrouillee" if jusqua else "echec")
        return None, message_verrou(jusqua, now) if jusqua else INCORRECT
    await verrou.effacer(saisie_cle)
    # Past this point the password was right: saying why the account cannot be used
    # reveals nothing to someone who does not already hold it.
    if u.statut != ACTIF or (u.organisme and await Organisme.exists().where((Organisme.id == u.organisme) & (Organisme.statut != ACTIF))):
        observabilite.connexion("refusee")
        return None, "Ce compte est suspendu. Contactez votre administrateur."
    if u.mot_de_passe_temporaire and (u.mot_de_passe_expire_le is None or u.mot_de_passe_expire_le < now):
        observabilite.connexion("refusee")
        return None, TEMPORAIRE_EXPIRE
    return u, None


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
        return rendre(request, "connexion/premiere.html", {"identifiant": u.identifiant})
    async with ecriture():
        await sessions.fermer(request.cookies.get(sessions.COOKIE))
        jeton = await sessions.ouvrir(u.id, adresse(request))
        await journaliser("connexion", acteur=u.id, cible=u.id, organisme=u.organisme, adresse=adresse(request))
    observabilite.connexion("reussie")
    reponse = rediriger(request, "/" if cgu_a_jour(u) else "/cgu")
    reponse.set_cookie(cookie_session(request, jeton))
    return reponse


def page_mot_de_passe(request: Request, form: FormNouveauMotDePasse, status_code: int = 200, echec: str | None = None) -> Response:
    return rendre(request, "connexion/mot_de_passe.html", {"form": form, "echec": echec}, status_code=status_code)


@get("/mot-de-passe/premiere-connexion", name="premiere_connexion")
async def page_premiere_connexion(request: Request) -> Response:
    form = FormNouveauMotDePasse(identifiant=request.query_params.get("identifiant", "").strip()[:32])
    form.evaluer()
    form.erreurs.clear()
    return page_mot_de_passe(request, form)


@post("/mot-de-passe/evaluer")
async def evaluer_mot_de_passe(request: Request) -> Response:
    """Live feedback while typing: the policy checklist and the strength label only.
    It knows nothing of the account, so it tells nothing about whether it exists."""
    form = FormNouveauMotDePasse.lire(await lire_formulaire(request), avec_identifiant=False)
    moi = request.state.utilisateur
    if moi is not None and normaliser_identifiant(form.identifiant) == moi.identifiant:
        # Signed in ("Modifier mon mot de passe"): the name rule is checked live too, from the session only.
        form.evaluer(prenom=moi.prenom, nom=moi.nom)
    return rendre(request, "fragments/politique.html", {"form": form})


@post("/mot-de-passe/premiere-connexion")
async def changer_premiere_connexion(request: Request) -> Response:
    form = FormNouveauMotDePasse.lire(await lire_formulaire(request))
    if form.erreurs:
        return page_mot_de_passe(request, form, 422)
    u, message = await verifier_identite(request, form.identifiant.upper(), form.ancien)
    if u is None:
        return page_mot_de_passe(request, form, 422, echec=message)
    form.evaluer(prenom=u.prenom, nom=u.nom)
    if not form.erreurs and (form.nouveau == form.ancien or await deja_utilise(u, form.nouveau)):
        form.erreurs["nouveau"] = "Choisissez un mot de passe que vous n'avez pas déjà utilisé."
    if form.erreurs:
        return page_mot_de_passe(request, form, 422)
    await changer(u, form.nouveau, adresse=adresse(request))
    return rediriger(request, "/connexion?mot_de_passe=modifie")


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
