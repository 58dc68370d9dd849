"""Indexes measured by bench/: the gestionnaire search and the per-address sign-in limit.

On PostgreSQL the gestionnaires' search keys also compare by code point (collation "C"): the
search asks for a prefix as a range (web.recherche.intervalle_prefixe), which under a linguistic
collation is not the prefix's, and LIKE 'X%' is not indexed there. SQLite compares by code point
(BINARY) already."""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager

from web.tables import Utilisateur

ID = "2026-11-27T03:00:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "Recherche des gestionnaires : collation C (PostgreSQL), index dans l'ordre affiché ; échecs par adresse"

# Both engines: the per-address limit counts recent failures from one address at every sign-in;
# with only single-column indexes it read every line of that address.
# "Rechercher un gestionnaire" reads its page of 20 in index order, without sorting the matches.
COMMUN = [
    "CREATE INDEX IF NOT EXISTS journal_type_adresse_cree_le ON journal (type, adresse, cree_le)",
    "CREATE INDEX IF NOT EXISTS utilisateur_organisme_nom_prenom ON utilisateur (organisme, nom_cle, prenom_cle, id)",
    "DROP INDEX IF EXISTS utilisateur_organisme_nom_cle",
]

SQL = [
    'ALTER TABLE utilisateur ALTER COLUMN nom_cle TYPE VARCHAR(100) COLLATE "C"',
    'ALTER TABLE utilisateur ALTER COLUMN prenom_cle TYPE VARCHAR(100) COLLATE "C"',
    'ALTER TABLE utilisateur ALTER COLUMN identifiant TYPE VARCHAR(8) COLLATE "C"',
]


async def forwards():
    manager = MigrationManager(migration_id=ID, app_name="portail", description=DESCRIPTION)

    async def run():
        engine = Utilisateur._meta.db
        for sql in (SQL if engine.engine_type == "postgres" else []) + COMMUN:
            await engine.run_ddl(sql)

    manager.add_raw(run)
    return manager
