"""The account's history at a glance (issue 15): when its holder last signed in and last chose a
password. Filled for existing accounts by the next migration (Piccolo runs a migration's raw
steps before its added columns)."""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.columns import Timestamptz

ID = "2026-11-28T07:00:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "Dernière connexion et dernier changement de mot de passe des comptes"


async def forwards():
    manager = MigrationManager(migration_id=ID, app_name="portail", description=DESCRIPTION)
    for nom in ("derniere_connexion", "mot_de_passe_modifie_le"):
        manager.add_column(
            table_class_name="Utilisateur", tablename="utilisateur", column_name=nom, db_column_name=nom,
            column_class_name="Timestamptz", column_class=Timestamptz, params={"null": True, "default": None},
        )  # fmt: skip
    return manager
