"""« Revue des habilitations » (web.revue): the reviews, each account's decision in them, and the
notice mailed before an automatic suspension for inactivity.

The tables are declared here as they are at this migration, so that later changes to web.tables
never change what this migration does."""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.columns import ForeignKey, Integer, Serial, Timestamptz, Varchar
from piccolo.table import Table

ID = "2026-11-28T10:00:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "Revue des habilitations ; avis avant la suspension pour inactivité"


class Organisme(Table, tablename="organisme"):
    id = Serial(primary_key=True)


class Utilisateur(Table, tablename="utilisateur"):
    id = Serial(primary_key=True)


class Revue(Table, tablename="revue"):
    id = Serial(primary_key=True)
    organisme = ForeignKey(references=Organisme, index=True)
    ouverte_par = ForeignKey(references=Utilisateur)
    ouverte_le = Timestamptz()
    terminee_par = ForeignKey(references=Utilisateur, null=True)
    terminee_le = Timestamptz(null=True, default=None)
    confirmes = Integer(default=0)
    modifies = Integer(default=0)
    suspendus = Integer(default=0)


class DecisionRevue(Table, tablename="decision_revue"):
    id = Serial(primary_key=True)
    revue = ForeignKey(references=Revue)
    utilisateur = ForeignKey(references=Utilisateur)
    decision = Varchar(length=10)
    le = Timestamptz()


class AvisInactivite(Table, tablename="avis_inactivite"):
    id = Serial(primary_key=True)
    utilisateur = ForeignKey(references=Utilisateur, unique=True)
    depuis = Timestamptz()
    envoye_le = Timestamptz()


async def forwards():
    manager = MigrationManager(migration_id=ID, app_name="portail", description=DESCRIPTION)

    async def run():
        for table in (Revue, DecisionRevue, AvisInactivite):
            await table.create_table(if_not_exists=True)
        engine = Revue._meta.db
        # At most one open review per organisation: two principals' clicks cannot open two.
        await engine.run_ddl("CREATE UNIQUE INDEX IF NOT EXISTS revue_ouverte ON revue (organisme) WHERE terminee_le IS NULL")
        # The CDC's list asks "a review finished since …" per organisation.
        await engine.run_ddl("CREATE INDEX IF NOT EXISTS revue_terminee ON revue (organisme, terminee_le)")
        # One decision per account and review (the last one replaces the previous).
        await engine.run_ddl("CREATE UNIQUE INDEX IF NOT EXISTS decision_revue_compte ON decision_revue (revue, utilisateur)")

    manager.add_raw(run)
    return manager
