"""Guide, "Gestion des données": Mes informations professionnelles and Modifier mon mot de passe."""

from __future__ import annotations

from litestar import Request, Response, Router, get, post

from web import droits, sessions
from web.comptes import authentification
from web.comptes.mot_de_passe import DEJA_UTILISE, changer, deja_utilise
from web.connexion import appareil
from web.connexion.forms import FormMotDePasseConnecte
from web.formulaires import lire_formulaire
from web.profil import service
from web.profil.forms import FormMesCoordonnees
from web.rendu import rediriger, rendre, verifier_champ
from web.requete import Moi, QuiAgit, SonOrganisme, cookie_session


async def page(request: Request, moi: Moi, form: FormMesCoordonnees, status_code: int = 200, info: str | None = None) -> Response:
    ctx = {"form": form, "unite": await service.nom_unite(moi), "info": info}
    return await rendre(request, "profil/informations.html", ctx, status_code=status_code)


@get("/")
async def informations(request: Request, moi: Moi) -> Response:
    form = FormMesCoordonnees(courriel=moi.courriel, confirmation_courriel=moi.courriel, telephone_fixe=moi.telephone_fixe,
                              telephone_portable=moi.telephone_portable)  # fmt: skip
    info = "Vos informations ont bien été enregistrées." if request.query_params.get("fait") == "enregistre" else None
    return await page(request, moi, form, info=info)


@post("/")
async def enregistrer(request: Request, moi: Moi, acteur: QuiAgit) -> Response:
    form = FormMesCoordonnees.lire(await lire_formulaire(request))
    await service.verifier_courriel(moi, form)
    if form.action == "verifier":
        return await verifier_champ(request, form)
    if form.erreurs:
        return await page(request, moi, form, status_code=422)
    await service.enregistrer(moi, form, acteur)
    return rediriger(request, "/profil?fait=enregistre")


async def page_mot_de_passe(request: Request, form: FormMotDePasseConnecte, status_code: int = 200, echec: str | None = None) -> Response:
    return await rendre(request, "profil/mot_de_passe.html", {"form": form, "echec": echec}, status_code=status_code)


@get("/mot-de-passe")
async def formulaire_mot_de_passe(request: Request, moi: Moi) -> Response:
    form = FormMotDePasseConnecte(identifiant=moi.identifiant)
    await form.evaluer()
    form.erreurs.clear()
    return await page_mot_de_passe(request, form)


@post("/mot-de-passe")
async def changer_mot_de_passe(request: Request, moi: Moi, organisme: SonOrganisme, acteur: QuiAgit) -> Response:
    form = FormMotDePasseConnecte.lire({**await lire_formulaire(request), "identifiant": moi.identifiant})
    await form.evaluer(prenom=moi.prenom, nom=moi.nom, organisme=organisme.raison_sociale)
    if form.erreurs:
        return await page_mot_de_passe(request, form, 422)
    nonce = appareil.appareil(request, moi.identifiant)
    u, message = await authentification.verifier_identite(
        request.app.state.settings, moi.identifiant, form.ancien, adresse=acteur.adresse, appareil=nonce
    )
    if u is None:
        return await page_mot_de_passe(request, form, 422, echec=message)
    if form.nouveau == form.ancien or await deja_utilise(u, form.nouveau):
        form.erreurs["nouveau"] = DEJA_UTILISE
        return await page_mot_de_passe(request, form, 422)
    await changer(u, form.nouveau, acteur)
    # Every session ended with the change; this browser gets a fresh one, the others stay out.
    jeton = await sessions.ouvrir(u.id, acteur.adresse)
    reponse = rediriger(request, "/profil/mot-de-passe/modifie" if jeton else "/connexion")
    reponse.set_cookie(cookie_session(request, jeton))
    return reponse


@get("/mot-de-passe/modifie")
async def mot_de_passe_modifie(request: Request) -> Response:
    return await rendre(request, "profil/mot_de_passe_modifie.html")


router = Router(
    path="/profil",
    guards=[droits.exiger_organisme],
    route_handlers=[informations, enregistrer, formulaire_mot_de_passe, changer_mot_de_passe, mot_de_passe_modifie],
)
