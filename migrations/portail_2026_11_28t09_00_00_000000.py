"""« Importer des gestionnaires »: the checked files and their lines, kept until they expire
(web.importation, purged by web.menage).

The tables are declared here as they are at this migration, so that later changes to web.tables
never change what this migration does."""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.columns import ForeignKey, Integer, Serial, Text, Timestamptz, Varchar
from piccolo.table import Table

ID = "2026-11-28T09:00:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "Importer des gestionnaires : fichiers vérifiés et leurs lignes"


class Organisme(Table, tablename="organisme"):
    id = Serial(primary_key=True)


class Utilisateur(Table, tablename="utilisateur"):
    id = Serial(primary_key=True)


class ImportGestionnaires(Table, tablename="import_gestionnaires"):
    id = Serial(primary_key=True)
    organisme = ForeignKey(references=Organisme, index=True)
    auteur = ForeignKey(references=Utilisateur, index=True)
    cree_le = Timestamptz()
    expire_le = Timestamptz(index=True)
    statut = Varchar(length=12, default="verifie")
    a_creer = Integer(default=0)
    faites = Integer(default=0)
    pris_le = Timestamptz(null=True, default=None)
    adresse = Varchar(length=45, default="")


class LigneImport(Table, tablename="ligne_import"):
    id = Serial(primary_key=True)
    lot = ForeignKey(references=ImportGestionnaires, index=True)
    numero = Integer()
    donnees = Text()
    statut = Varchar(length=10)
    raison = Varchar(length=500, default="")
    utilisateur = ForeignKey(references=Utilisateur, null=True)


async def forwards():
    manager = MigrationManager(migration_id=ID, app_name="portail", description=DESCRIPTION)

    async def run():
        for table in (ImportGestionnaires, LigneImport):
            await table.create_table(if_not_exists=True)

    manager.add_raw(run)
    return manager
