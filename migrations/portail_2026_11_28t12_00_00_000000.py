"""Inactivity notices: whether each was included in its administrators' grouped mail, so that the
housekeeping task notices a backlog in small transactions and a run that dies before the grouped
mail leaves it to the next run (web.revue.inactivite). The notices made before this release were
mailed with their administrators' list already: marked included, nobody is told again."""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager

from web.tables import AvisInactivite

ID = "2026-11-28T12:00:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "Avis d'inactivité : inclus dans le courriel des administrateurs"

DDL = [
    "ALTER TABLE avis_inactivite ADD COLUMN administrateurs_avises BOOLEAN NOT NULL DEFAULT false",
    "UPDATE avis_inactivite SET administrateurs_avises = true",
    # The notices still to tell: none, or a crashed run's, among every notice ever made.
    "CREATE INDEX IF NOT EXISTS avis_inactivite_a_annoncer ON avis_inactivite (utilisateur) WHERE NOT administrateurs_avises",
]


async def forwards():
    manager = MigrationManager(migration_id=ID, app_name="portail", description=DESCRIPTION)

    async def run():
        engine = AvisInactivite._meta.db
        for sql in DDL:
            await engine.run_ddl(sql)

    manager.add_raw(run)
    return manager
