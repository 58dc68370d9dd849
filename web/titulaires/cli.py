"""`portail titulaires …` subcommands."""

from __future__ import annotations

import asyncio
import sys
from pathlib import Path

import click

from web.titulaires.importer import AIDE


@click.group(help="Titulaires (agents) des organismes.")
def titulaires() -> None:
    pass


@titulaires.command("importer", help=AIDE)
@click.argument("fichier", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--siret", required=True, help="SIRET de l'organisme qui emploie ces titulaires.")
def importer_commande(fichier: Path, siret: str) -> None:
    from web.titulaires.importer import importer

    try:
        contenu = fichier.read_text(encoding="utf-8-sig")
    except UnicodeDecodeError:
        raise click.ClickException("le fichier doit être encodé en UTF-8.") from None
    siret = "".join(siret.split())
    total = max(0, len([x for x in contenu.splitlines() if x.strip()]) - 1)
    with click.progressbar(length=total, label="Import des titulaires", file=sys.stderr) as barre:
        changees, inchangees, refus = asyncio.run(importer(contenu, siret, barre=barre))
    for numero, raison in refus:
        click.echo(f"Ligne {numero} refusée : {raison}")
    click.echo(f"{changees} ligne(s) importée(s), {inchangees} ligne(s) déjà à jour, {len(refus)} ligne(s) refusée(s).")
    if refus:
        sys.exit(2)
