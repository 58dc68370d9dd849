"""« Nous contacter »: the messages to the Caisse des Dépôts and their answers (web.contact)."""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.columns.base import OnDelete, OnUpdate
from piccolo.columns.column_types import ForeignKey, Serial, Text, Timestamptz, Varchar
from piccolo.columns.defaults.timestamptz import TimestamptzNow
from piccolo.columns.indexes import IndexMethod
from piccolo.table import Table

ID = "2026-11-28T05:00:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "Nous contacter : messages à la Caisse des Dépôts et leurs réponses"


class Utilisateur(Table, tablename="utilisateur", schema=None):
    id = Serial(null=False, primary_key=True, unique=False, index=False, index_method=IndexMethod.btree, choices=None,
                db_column_name=None, secret=False)  # fmt: skip


class Organisme(Table, tablename="organisme", schema=None):
    id = Serial(null=False, primary_key=True, unique=False, index=False, index_method=IndexMethod.btree, choices=None,
                db_column_name=None, secret=False)  # fmt: skip


class MessageContact(Table, tablename="message_contact", schema=None):
    id = Serial(null=False, primary_key=True, unique=False, index=False, index_method=IndexMethod.btree, choices=None,
                db_column_name=None, secret=False)  # fmt: skip


def _params(**kw) -> dict:
    return {"null": False, "primary_key": False, "unique": False, "index": False, "index_method": IndexMethod.btree,
            "choices": None, "db_column_name": None, "secret": False, **kw}  # fmt: skip


def _cle(references, **kw) -> dict:
    return _params(references=references, on_delete=OnDelete.cascade, on_update=OnUpdate.cascade, target_column=None, **kw)


TABLES = {
    ("MessageContact", "message_contact"): [
        ("id", Serial, {**_params(primary_key=True)}),
        ("auteur", ForeignKey, _cle(Utilisateur, index=True)),
        ("organisme", ForeignKey, _cle(Organisme, index=True)),
        ("objet", Varchar, _params(length=150, default="")),
        ("corps", Text, _params(default="")),
        ("statut", Varchar, _params(length=10, default="nouveau", index=True)),
        ("cree_le", Timestamptz, _params(default=TimestamptzNow(), index=True)),
        ("maj_le", Timestamptz, _params(default=TimestamptzNow())),
    ],
    ("ReponseContact", "reponse_contact"): [
        ("id", Serial, {**_params(primary_key=True)}),
        ("message", ForeignKey, _cle(MessageContact, index=True)),
        ("auteur", ForeignKey, _cle(Utilisateur)),
        ("corps", Text, _params(default="")),
        ("cree_le", Timestamptz, _params(default=TimestamptzNow())),
    ],
}


async def forwards():
    manager = MigrationManager(migration_id=ID, app_name="portail", description=DESCRIPTION)
    for (classe, table), colonnes in TABLES.items():
        manager.add_table(class_name=classe, tablename=table, schema=None, columns=None)
        for nom, type_, params in colonnes:
            manager.add_column(table_class_name=classe, tablename=table, column_name=nom, db_column_name=nom,
                               column_class_name=type_.__name__, column_class=type_, params=params, schema=None)  # fmt: skip
    return manager
