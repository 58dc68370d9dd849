"""Search keys of the rows written before their columns existed.

Migration 2026-11-27T00:40:56 added utilisateur.nom_cle / prenom_cle empty: the gestionnaires
created before it could not be found by name in « Rechercher un gestionnaire ». This fills every
empty derived key from its source column, titulaires' included, with the portal's own key
function (web.recherche.cle): a later change of that function comes with its own migration.
tests/unit/test_migrations.py upgrades a database filled as the first release wrote it."""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager

from web.recherche import cle
from web.tables import Utilisateur

ID = "2026-11-28T02:00:01:000000"
VERSION = "1.38.0"
DESCRIPTION = "Clés de recherche des lignes existantes (gestionnaires, titulaires)"

# table: (source column, key column) pairs
CLES = {
    "utilisateur": (("nom", "nom_cle"), ("prenom", "prenom_cle")),
    "titulaire": (("nom_naissance", "nom_naissance_cle"), ("nom_usage", "nom_usage_cle")),
}


async def forwards():
    manager = MigrationManager(migration_id=ID, app_name="portail", description=DESCRIPTION)

    async def run():
        for table, paires in CLES.items():
            vides = " OR ".join(f"({cle_} = '' AND {source} <> '')" for source, cle_ in paires)
            sources = ", ".join(source for source, _ in paires)
            for ligne in await Utilisateur.raw(f"SELECT id, {sources} FROM {table} WHERE {vides}"):
                affectations = ", ".join(f"{cle_} = {{}}" for _, cle_ in paires)
                valeurs = [cle(ligne[source] or "") for source, _ in paires]
                await Utilisateur.raw(f"UPDATE {table} SET {affectations} WHERE id = {{}}", *valeurs, ligne["id"])

    manager.add_raw(run)
    return manager
