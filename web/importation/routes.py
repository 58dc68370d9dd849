"""« Importer des gestionnaires » (Gérer les habilitations): upload and check, the report,
« Créer les comptes », the progress, the identifiants to hand over. Administrators only; an
import is seen by its importer alone."""

from __future__ import annotations

from litestar import Request, Response, Router, get, post
from litestar.datastructures import UploadFile
from litestar.exceptions import NotFoundException
from litestar.params import FromPath

from web import droits
from web.entrees import id_ou_404, trouve
from web.habilitations import service as regles
from web.importation import service
from web.importation.forms import COLONNES, LIGNES_MAX, TAILLE_MAX, FichierRefuse, lire_fichier
from web.rendu import rediriger, rendre
from web.requete import Moi, QuiAgit

# Twice the file limit: a file a little too big gets the French message, not a bare 413 (nginx allows as much on this path).
CORPS_MAX = 2 * TAILLE_MAX + 64 * 1024
CHOISIR = "Choisissez le fichier CSV à importer."


async def page_import(request: Request, erreur: str | None = None) -> Response:
    ctx = {
        "erreur": erreur,
        "colonnes": COLONNES,
        "lignes_max": LIGNES_MAX,
        "principal": request.state.utilisateur.role == droits.PRINCIPAL,
    }
    return await rendre(request, "importation/importer.html", ctx, status_code=422 if erreur else 200)


@get("/")
async def formulaire(request: Request) -> Response:
    return await page_import(request)


@post("/", request_max_body_size=CORPS_MAX)
async def deposer(request: Request, moi: Moi) -> Response:
    """First pass: the report, nothing created."""
    fichier = (await request.form()).get("fichier")
    if not isinstance(fichier, UploadFile):
        return await page_import(request, CHOISIR)
    contenu = await fichier.read(TAILLE_MAX + 1)
    if not contenu:
        return await page_import(request, CHOISIR if not fichier.filename else "Le fichier est vide.")
    try:
        lignes = lire_fichier(contenu)
    except FichierRefuse as exc:
        return await page_import(request, str(exc))
    imp_id = await service.enregistrer(moi, await service.verifier(regles, moi, lignes))
    return rediriger(request, f"/habilitations/importer/{imp_id}")


async def import_gere(moi: Moi, id_: str):
    return trouve(await service.import_de(moi, id_ou_404(id_)))


@get("/{id_:str}")
async def rapport(request: Request, id_: FromPath[str], moi: Moi) -> Response:
    imp = await import_gere(moi, id_)
    lignes = await service.lignes_de(imp.id)
    compte = dict.fromkeys(service.STATUTS_LIGNE, 0)
    for ligne in lignes:
        compte[ligne["statut"]] += 1
    return await rendre(request, "importation/rapport.html", {"imp": imp, "lignes": lignes, "compte": compte})


@post("/{id_:str}/confirmer")
async def confirmer(request: Request, id_: FromPath[str], moi: Moi, acteur: QuiAgit) -> Response:
    """« Créer les comptes »: at once for a short file, else by the background task (the page then
    shows the progress). A second click changes nothing."""
    imp = await import_gere(moi, id_)
    if await service.confirmer(imp, acteur.adresse) and imp.a_creer <= service.SEUIL_ARRIERE_PLAN and await service.prendre(imp.id):
        await service.executer(regles, request.app.state.settings, imp.id)
    return rediriger(request, f"/habilitations/importer/{imp.id}")


@get("/{id_:str}/identifiants.csv")
async def identifiants(request: Request, id_: FromPath[str], moi: Moi, acteur: QuiAgit) -> Response:
    """The identifiants created, to hand over: its importer only, journaled."""
    imp = await import_gere(moi, id_)
    if imp.statut != service.TERMINE:
        raise NotFoundException
    crees = [ligne for ligne in await service.lignes_de(imp.id) if ligne["statut"] == service.CREE]
    # The export's writer: `;`, CRLF, cells a spreadsheet would read as a formula neutralised.
    corps = regles.csv_tableur(
        [
            ["ligne", "civilite", "prenom", "nom", "courriel", "identifiant"],
            *([ligne["numero"], ligne["civilite"], ligne["prenom"], ligne["nom"].upper(), ligne["courriel"], ligne["identifiant"]]
              for ligne in crees),
        ]
    )  # fmt: skip
    await service.identifiants_telecharges(acteur, imp.id, len(crees))
    return Response(
        regles.BOM.encode() + corps,
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="identifiants-import-{imp.id}.csv"', "Cache-Control": "no-store"},
    )


router = Router(
    path="/habilitations/importer",
    guards=[droits.exiger_administrateur],
    route_handlers=[formulaire, deposer, rapport, confirmer, identifiants],
)
