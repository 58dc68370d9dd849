"""The unit's name as a sort key on each account (« Gérer les habilitations » sorted by unit).
Filled, and its index made, by the next migration (Piccolo runs a migration's raw steps before
its added columns)."""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.columns import Varchar

ID = "2026-11-28T11:00:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "Clé de tri de l'unité des comptes"


async def forwards():
    manager = MigrationManager(migration_id=ID, app_name="portail", description=DESCRIPTION)
    manager.add_column(
        table_class_name="Utilisateur", tablename="utilisateur", column_name="unite_cle", db_column_name="unite_cle",
        column_class_name="Varchar", column_class=Varchar, params={"length": 100, "default": ""},
    )  # fmt: skip
    return manager
