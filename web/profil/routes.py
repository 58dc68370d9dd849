"""Guide, "Gestion des données": Mes informations professionnelles and Modifier mon mot de passe."""

from __future__ import annotations

from dataclasses import dataclass, field

from litestar import Request, Response, Router, get, post

from web import courriels, droits, formulaires, sessions
from web.comptes.mot_de_passe import changer, deja_utilise
from web.comptes.service import nom_affiche
from web.connexion.forms import FormNouveauMotDePasse
from web.connexion.routes import adresse, cookie_session, verifier_identite
from web.db import ecriture
from web.formulaires import Erreurs, lire_formulaire
from web.habilitations.service import COURRIEL_PRIS, courriel_pris
from web.journal import journaliser
from web.rendu import rediriger, rendre
from web.tables import Unite, Utilisateur


@dataclass
class FormCoordonnees:
    """Only these four fields: nothing in the request body can reach unit, level or role."""

    courriel: str = ""
    confirmation_courriel: str = ""
    telephone_fixe: str = ""
    telephone_portable: str = ""
    erreurs: Erreurs = field(default_factory=Erreurs)

    @classmethod
    def lire(cls, d: dict[str, str]) -> FormCoordonnees:
        e = Erreurs()
        f = cls(
            courriel=formulaires.courriel(d, "courriel", "Courriel", e),
            confirmation_courriel=" ".join(str(d.get("confirmation_courriel", "")).split())[:254],
            telephone_fixe=formulaires.telephone(d, "telephone_fixe", "Téléphone fixe", e),
            telephone_portable=formulaires.telephone(d, "telephone_portable", "Téléphone portable", e),
        )
        if not f.confirmation_courriel:
            e["confirmation_courriel"] = "Confirmez le courriel."
        elif "courriel" not in e and f.confirmation_courriel.lower() != f.courriel:
            e["confirmation_courriel"] = "La confirmation ne correspond pas au courriel."
        if not (f.telephone_fixe or f.telephone_portable or "telephone_fixe" in e or "telephone_portable" in e):
            e["telephone_fixe"] = "Un numéro de téléphone est obligatoire."
        f.erreurs = e
        return f


async def page(
    request: Request, form: FormCoordonnees, status_code: int = 200, bloc: str | None = None, info: str | None = None
) -> Response:
    moi = request.state.utilisateur
    unite = await Unite.select(Unite.nom).where(Unite.id == moi.unite).first() if moi.unite else None
    ctx = {"form": form, "unite": unite["nom"] if unite else "", "info": info}
    return rendre(request, "profil/informations.html", ctx, status_code=status_code, bloc=bloc)


@get("/")
async def informations(request: Request) -> Response:
    moi = request.state.utilisateur
    form = FormCoordonnees(moi.courriel, moi.courriel, moi.telephone_fixe, moi.telephone_portable)
    info = "Vos informations ont bien été enregistrées." if request.query_params.get("fait") == "enregistre" else None
    return await page(request, form, info=info)


@post("/")
async def enregistrer(request: Request) -> Response:
    moi = request.state.utilisateur
    donnees = await lire_formulaire(request)
    form = FormCoordonnees.lire(donnees)
    if "courriel" not in form.erreurs and form.courriel != moi.courriel and await courriel_pris(moi.organisme, form.courriel, moi.id):
        form.erreurs["courriel"] = COURRIEL_PRIS
    if donnees.get("action") == "verifier":
        nom = request.headers.get("hx-trigger-name", "")
        garder = {nom} | ({"telephone_fixe", "telephone_portable"} if nom.startswith("telephone") else set())
        for k in [k for k in form.erreurs if k not in garder]:
            form.erreurs.pop(k)
        return await page(request, form, bloc="formulaire")
    if form.erreurs:
        return await page(request, form, status_code=422)
    ancien = moi.courriel
    async with ecriture():
        await Utilisateur.update(
            {
                Utilisateur.courriel: form.courriel,
                Utilisateur.telephone_fixe: form.telephone_fixe,
                Utilisateur.telephone_portable: form.telephone_portable,
            }
        ).where(Utilisateur.id == moi.id)
        # Which fields changed, not their values: the journal is read by administrators.
        changes = [
            libelle
            for libelle, avant, apres in (
                ("courriel", moi.courriel, form.courriel),
                ("téléphone fixe", moi.telephone_fixe, form.telephone_fixe),
                ("téléphone portable", moi.telephone_portable, form.telephone_portable),
            )
            if avant != apres
        ]
        await journaliser(
            "profil_modifie",
            acteur=moi.id,
            cible=moi.id,
            organisme=moi.organisme,
            adresse=adresse(request),
            detail=", ".join(changes) or "aucun changement",
        )
        if form.courriel != ancien:
            # The old address hears of it: if someone else made the change, its owner knows.
            await courriels.mettre_en_file(
                ancien,
                "Portail gestionnaire : votre adresse de courriel a été modifiée",
                f"Bonjour {nom_affiche(moi)},\n\nL'adresse de courriel de votre compte du Portail gestionnaire vient d'être "
                f"remplacée par {form.courriel}.\n\nSi vous n'êtes pas à l'origine de ce changement, prévenez sans attendre "
                "votre administrateur.\n\nCe message est envoyé automatiquement, merci de ne pas y répondre.\n",
            )
    courriels.reveiller()
    return rediriger(request, "/profil?fait=enregistre")


def page_mot_de_passe(request: Request, form: FormNouveauMotDePasse, status_code: int = 200, echec: str | None = None) -> Response:
    return rendre(request, "profil/mot_de_passe.html", {"form": form, "echec": echec}, status_code=status_code)


@get("/mot-de-passe")
async def formulaire_mot_de_passe(request: Request) -> Response:
    form = FormNouveauMotDePasse(identifiant=request.state.utilisateur.identifiant)
    await form.evaluer()
    form.erreurs.clear()
    return page_mot_de_passe(request, form)


@post("/mot-de-passe")
async def changer_mot_de_passe(request: Request) -> Response:
    moi = request.state.utilisateur
    donnees = await lire_formulaire(request)
    form = FormNouveauMotDePasse.lire({**donnees, "identifiant": moi.identifiant}, avec_identifiant=False)
    await form.evaluer(prenom=moi.prenom, nom=moi.nom, organisme=request.state.organisme.raison_sociale)
    if form.erreurs:
        return page_mot_de_passe(request, form, 422)
    u, message = await verifier_identite(request, moi.identifiant, form.ancien)
    if u is None:
        return page_mot_de_passe(request, form, 422, echec=message)
    if form.nouveau == form.ancien or await deja_utilise(u, form.nouveau):
        form.erreurs["nouveau"] = "Choisissez un mot de passe que vous n'avez pas déjà utilisé."
        return page_mot_de_passe(request, form, 422)
    await changer(u, form.nouveau, adresse=adresse(request))
    # Every session ended with the change; this browser gets a fresh one, the others stay out.
    jeton = await sessions.ouvrir(u.id, adresse(request))
    reponse = rediriger(request, "/profil/mot-de-passe/modifie" if jeton else "/connexion")
    reponse.set_cookie(cookie_session(request, jeton))
    return reponse


@get("/mot-de-passe/modifie")
async def mot_de_passe_modifie(request: Request) -> Response:
    return rendre(request, "profil/mot_de_passe_modifie.html")


router = Router(
    path="/profil",
    guards=[droits.exiger_organisme],
    route_handlers=[informations, enregistrer, formulaire_mot_de_passe, changer_mot_de_passe, mot_de_passe_modifie],
)
