"""`portail titulaires importer`: titulaires, their employment and their yearly hour credits
for one organisation, from a CSV file. One transaction per line; re-running changes nothing."""

from __future__ import annotations

import csv
import datetime as dt
import io
from dataclasses import dataclass

import click

from web.db import ecriture
from web.entrees import entier
from web.formulaires import Erreurs, courriel, telephone, texte
from web.recherche import cle
from web.titulaires import service
from web.titulaires.nir import lire_nir

COLONNES = ["nir", "nom_naissance", "nom_usage", "prenom", "date_naissance", "courriel", "telephone", "annee", "heures"]
AIDE = """Charge les titulaires d'un organisme, leur emploi et leurs crédits d'heures depuis FICHIER (CSV).

\b
Fichier CSV en UTF-8, séparateur « ; », une ligne d'en-tête avec ces colonnes :
  nir             Nº de sécurité sociale, 15 caractères (espaces admis), clé vérifiée
  nom_naissance   nom de naissance (obligatoire)
  nom_usage       nom d'usage (facultatif)
  prenom          prénom (obligatoire)
  date_naissance  AAAA-MM-JJ (obligatoire)
  courriel        facultatif
  telephone       facultatif, numéro français
  annee           année du crédit (AAAA), facultatif avec heures
  heures          heures créditées pour cette année (1 à 400), facultatif avec annee

Un titulaire déjà connu (même NIR) n'est pas modifié ; il est rattaché à l'organisme.
Un crédit est enregistré une fois par titulaire et par année. Chaque ligne est
enregistrée entièrement ou pas du tout ; les lignes refusées sont listées avec la raison.
Relancer le même fichier ne change rien."""


@dataclass
class Ligne:
    nir: str
    nom_naissance: str
    nom_usage: str
    prenom: str
    date_naissance: dt.date
    courriel: str
    telephone: str
    annee: int | None
    heures: int | None


def lire_ligne(brute: dict[str, str]) -> tuple[Ligne | None, list[str]]:
    d = {k: (v or "").strip() for k, v in brute.items() if k}
    e = Erreurs()
    nir, erreur = lire_nir(d.get("nir", ""))
    if erreur:
        e["nir"] = erreur
    nom_naissance = texte(d, "nom_naissance", "nom_naissance", e)
    nom_usage = texte(d, "nom_usage", "nom_usage", e, requis=False)
    prenom = texte(d, "prenom", "prenom", e)
    naissance = None
    try:
        naissance = dt.date.fromisoformat(d.get("date_naissance", ""))
    except ValueError:
        e["date_naissance"] = "« date_naissance » doit être une date AAAA-MM-JJ."
    mel = courriel(d, "courriel", "courriel", e) if d.get("courriel") else ""
    tel = telephone(d, "telephone", "telephone", e)
    annee = heures = None
    if d.get("annee") or d.get("heures"):
        if (annee := entier(d.get("annee", ""), 1900, dt.date.today().year)) is None:
            e["annee"] = f"« annee » doit être une année entre 1900 et {dt.date.today().year}."
        if (heures := entier(d.get("heures", ""), 1, 400)) is None:
            e["heures"] = "« heures » doit être un nombre entier d'heures entre 1 et 400."
    if e:
        return None, list(e.values())
    return Ligne(nir, nom_naissance, nom_usage, prenom, naissance, mel, tel, annee, heures), []


async def importer_ligne(organisme_id: int, ligne: Ligne) -> list[str]:
    """What this line changed (empty: nothing, it was already there). One transaction."""
    fait: list[str] = []
    async with ecriture():
        t = await service.titulaire_par_nir(ligne.nir)
        if t is None:
            t = await service.creer_titulaire(
                ligne.nir, ligne.nom_naissance, ligne.prenom, ligne.date_naissance,
                nom_usage=ligne.nom_usage, courriel=ligne.courriel, telephone=ligne.telephone,
            )  # fmt: skip
            fait.append("titulaire créé")
        elif cle(t.nom_naissance) != cle(ligne.nom_naissance) or t.date_naissance != ligne.date_naissance:
            raise ValueError("ce NIR est déjà celui d'un titulaire d'un autre nom de naissance ou d'une autre date de naissance.")
        if await service.employer(t.id, organisme_id):
            fait.append("rattaché à l'organisme")
        if ligne.annee is not None and await service.crediter(t.id, ligne.annee, ligne.heures):
            fait.append(f"{ligne.heures} h créditées pour {ligne.annee}")
    return fait


async def importer(contenu: str, siret: str, *, barre=None) -> tuple[int, int, list[tuple[int, str]]]:
    """(lines that changed something, lines unchanged, [(line number, reason)] refused)."""
    org = await service.organisme_par_siret(siret)
    if org is None:
        raise click.ClickException(f"aucun organisme inscrit avec le SIRET {siret}.")
    lecteur = csv.DictReader(io.StringIO(contenu), delimiter=";")
    manquantes = [c for c in ("nir", "nom_naissance", "prenom", "date_naissance") if c not in (lecteur.fieldnames or [])]
    if manquantes:
        raise click.ClickException("colonnes absentes de l'en-tête : " + ", ".join(manquantes) + ".")
    lignes = list(lecteur)
    changees = inchangees = 0
    refus: list[tuple[int, str]] = []
    for numero, brute in enumerate(lignes, start=2):  # line 1 is the header
        ligne, erreurs = lire_ligne(brute)
        if ligne is None:
            refus.append((numero, " ".join(erreurs)))
        else:
            try:
                if await importer_ligne(org.id, ligne):
                    changees += 1
                else:
                    inchangees += 1
            except ValueError as exc:
                refus.append((numero, str(exc)))
        if barre is not None:
            barre.update(1)
    return changees, inchangees, refus
