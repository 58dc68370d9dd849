"""The second factor (issue 16): passkeys, one-time-code secrets, recovery codes; the session's
step (a session opened by the password alone opens nothing but the second step); the
organisation's « second facteur requis pour tous les gestionnaires ».

The tables are declared here as they are at this migration, so that later changes to web.tables
never change what this migration does."""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.columns import BigInt, Boolean, ForeignKey, Serial, Text, Timestamptz, Varchar
from piccolo.table import Table

ID = "2026-11-28T06:00:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "Second facteur : clés d'accès, codes à usage unique, codes de secours, étape de session"


class Utilisateur(Table, tablename="utilisateur"):
    id = Serial(primary_key=True)


class CleAcces(Table, tablename="cle_acces"):
    id = Serial(primary_key=True)
    utilisateur = ForeignKey(references=Utilisateur, index=True)
    credential_id = Varchar(length=1400, unique=True)
    cle_publique = Text()
    compteur = BigInt(default=0)
    transports = Varchar(length=200, default="")
    nom = Varchar(length=64)
    cree_le = Timestamptz()
    utilise_le = Timestamptz(null=True, default=None)


class FacteurTotp(Table, tablename="facteur_totp"):
    id = Serial(primary_key=True)
    utilisateur = ForeignKey(references=Utilisateur, unique=True)
    secret = Text()
    dernier_pas = BigInt(default=0)
    confirme = Boolean(default=False)
    cree_le = Timestamptz()
    utilise_le = Timestamptz(null=True, default=None)


class CodeSecours(Table, tablename="code_secours"):
    id = Serial(primary_key=True)
    utilisateur = ForeignKey(references=Utilisateur, index=True)
    hash = Varchar(length=200)
    utilise_le = Timestamptz(null=True, default=None)


async def forwards():
    manager = MigrationManager(migration_id=ID, app_name="portail", description=DESCRIPTION)

    async def run():
        for table in (CleAcces, FacteurTotp, CodeSecours):
            await table.create_table(if_not_exists=True)

    manager.add_raw(run)
    colonnes = [
        # "": a full session; "second_facteur": the password only, the second step to come;
        # "enrolement": the password only, a factor to enrol first.
        ("Session", "session", "etape", Varchar, {"length": 20, "default": ""}),
        ("Session", "session", "facteur_le", Timestamptz, {"null": True, "default": None}),
        ("Session", "session", "defi", Varchar, {"length": 200, "default": ""}),
        ("Session", "session", "defi_le", Timestamptz, {"null": True, "default": None}),
        ("Organisme", "organisme", "second_facteur_requis", Boolean, {"default": False}),
    ]
    for classe, table, nom, colonne, params in colonnes:
        manager.add_column(
            table_class_name=classe, tablename=table, column_name=nom, db_column_name=nom,
            column_class_name=colonne.__name__, column_class=colonne, params=params,
        )  # fmt: skip
    return manager
