from piccolo.conf.apps import AppConfig, table_finder

from web.settings import ROOT

APP_CONFIG = AppConfig(
    app_name="portail",
    migrations_folder_path=str(ROOT / "migrations"),
    table_classes=table_finder(modules=["web.tables"], exclude_imported=True),
    migration_dependencies=[],
    commands=[],
)
