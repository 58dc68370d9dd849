"""`portail gestionnaires importer`: « Importer des gestionnaires » from the command line, with
the same check and the same creation as the web page (web.importation.service)."""

from __future__ import annotations

import asyncio
import sys
from pathlib import Path

import click

from web.importation.forms import COLONNES, LIGNES_MAX

AIDE = (
    """Crée les gestionnaires d'un organisme depuis FICHIER (CSV), comme « Importer des gestionnaires ».

\b
Fichier CSV en UTF-8 (avec ou sans BOM), séparateur « ; », 1 Mo et """
    + str(LIGNES_MAX)
    + """ lignes au plus,
une ligne d'en-tête nommant ces colonnes :
"""
    + "\n".join(f"  {nom:<23}{contenu}" for nom, contenu in COLONNES.items())
    + """

Chaque ligne est vérifiée avec les règles de « Ajouter un gestionnaire », au nom de
l'administrateur --par (par défaut l'administrateur principal), puis créée entièrement ou pas du
tout ; chaque gestionnaire créé reçoit son mot de passe temporaire par courriel et son identifiant
est affiché. Un courriel déjà celui d'un gestionnaire actif est « déjà présent » : relancer le même
fichier ne crée rien deux fois. Code de sortie 2 si des lignes sont refusées (listées avec la raison)."""
)


@click.group(help="Gestionnaires des organismes.")
def gestionnaires() -> None:
    pass


@gestionnaires.command("importer", help=AIDE)
@click.argument("fichier", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--siret", required=True, help="SIRET de l'organisme.")
@click.option("--par", "par", default="", help="Identifiant de l'administrateur au nom duquel créer (défaut : le principal).")
def importer_commande(fichier: Path, siret: str, par: str) -> None:
    from web.importation.forms import FichierRefuse, lire_fichier

    contenu = fichier.read_bytes()
    try:
        lignes = lire_fichier(contenu)
    except FichierRefuse as exc:
        raise click.ClickException(str(exc)) from None
    lignes_sorties: list[str] = []
    bilan = asyncio.run(_importer(lignes, "".join(siret.split()), par.strip().upper(), lignes_sorties))
    for ligne in lignes_sorties:
        click.echo(ligne)
    click.echo(bilan + ".")
    if any(" refusée : " in ligne for ligne in lignes_sorties):
        sys.exit(2)


async def _importer(lignes, siret: str, par: str, sorties: list[str]) -> str:
    from web import droits
    from web.acteur import Acteur
    from web.courriels import livrer
    from web.habilitations import service as regles
    from web.importation import service
    from web.settings import Settings
    from web.tables import PRINCIPAL, Organisme, Utilisateur

    settings = Settings.from_env()
    org = await Organisme.objects().where(Organisme.siret == siret).first()
    if org is None:
        raise click.ClickException(f"aucun organisme inscrit avec le SIRET {siret}.")
    filtre = (Utilisateur.organisme == org.id) & (Utilisateur.identifiant == par if par else Utilisateur.role == PRINCIPAL)
    moi = await Utilisateur.objects().where(filtre).first()
    if moi is None or not droits.peut_gerer_habilitations(moi):
        qui = par or "l'administrateur principal"
        raise click.ClickException(f"{qui} n'est pas un administrateur actif de cet organisme.")
    acteur = Acteur(moi.id, org.id, "portail")
    verdicts = await service.verifier(regles, moi, lignes)
    connues = await service.Unites.de(org.id)
    bilan: dict[str, int] = {}
    acceptes = [v for v in verdicts if v.statut == service.ACCEPTE]
    resultats = {v.numero: (v.statut, v.raison, None) for v in verdicts if v.statut != service.ACCEPTE}
    with click.progressbar(acceptes, label="Création des gestionnaires", file=sys.stderr) as barre:
        for v in barre:
            resultats[v.numero] = await service.creer_ligne(regles, settings, acteur, moi, v.valeurs, connues)
    for numero in sorted(resultats):
        statut, raison, u = resultats[numero]
        bilan[statut] = bilan.get(statut, 0) + 1
        if u is not None:
            sorties.append(f"Ligne {numero} : {u.identifiant} {u.civilite} {u.prenom} {u.nom} {u.courriel}")
        elif statut == service.PRESENT:
            sorties.append(f"Ligne {numero} : déjà présent.")
        else:
            sorties.append(f"Ligne {numero} refusée : {raison}")
    await service.journaliser("gestionnaires_importes", acteur, detail=service.resume(bilan) + " (ligne de commande)")
    await livrer(settings)
    return service.resume(bilan)
