"""Composite indexes Piccolo's columns cannot declare."""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager

from web.tables import Utilisateur

ID = "2026-11-27T00:45:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "Index composites : recherche des gestionnaires, emplois uniques"

SQL = [
    # "Rechercher un gestionnaire": prefix of the name within one organisation.
    "CREATE INDEX IF NOT EXISTS utilisateur_organisme_nom_cle ON utilisateur (organisme, nom_cle)",
    # A titulaire is employed once by a given organisation.
    "CREATE UNIQUE INDEX IF NOT EXISTS emploi_titulaire_organisme ON emploi (titulaire, organisme)",
    "CREATE INDEX IF NOT EXISTS emploi_organisme_titulaire ON emploi (organisme, titulaire)",
]


async def forwards():
    manager = MigrationManager(migration_id=ID, app_name="portail", description=DESCRIPTION)

    async def run():
        for sql in SQL:
            await Utilisateur._meta.db.run_ddl(sql)

    manager.add_raw(run)
    return manager
