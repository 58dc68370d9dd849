"""Sign-in counters reserved atomically (per identifiant and device, per address), and the queue of
"Mot de passe oublié" requests. The former lock table is dropped: its counts were read then written.

The tables are declared here as they are at this migration, so that later changes to web.tables
never change what this migration does."""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.columns import Integer, Serial, Timestamptz, Varchar
from piccolo.table import Table

ID = "2026-11-28T01:00:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "Compteurs d'échecs réservés atomiquement, file des « Mot de passe oublié »"


class Compteur(Table, tablename="compteur"):
    id = Serial(primary_key=True)
    cle = Varchar(length=120, unique=True)
    echecs = Integer(default=0)
    verrou_jusqua = Timestamptz(null=True, default=None)
    debut = Timestamptz(null=True, default=None)
    jeton = Varchar(length=32, default="")
    alerte_le = Timestamptz(null=True, default=None)
    maj_le = Timestamptz()


class DemandeOubli(Table, tablename="demande_oubli"):
    id = Serial(primary_key=True)
    identifiant = Varchar(length=32)
    adresse = Varchar(length=45, default="")
    cree_le = Timestamptz()


async def forwards():
    manager = MigrationManager(migration_id=ID, app_name="portail", description=DESCRIPTION)

    async def run():
        await Compteur.create_table(if_not_exists=True)
        await DemandeOubli.create_table(if_not_exists=True)
        engine = Compteur._meta.db
        # The purge reads counters by age.
        await engine.run_ddl("CREATE INDEX IF NOT EXISTS compteur_maj_le ON compteur (maj_le)")
        await engine.run_ddl("DROP TABLE IF EXISTS verrou")

    manager.add_raw(run)
    return manager
