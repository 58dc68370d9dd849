"""Indexes of « Gérer les habilitations » with its filters and sorts (issue 15), read from the
plans bench/ prints (bench.lancer.plans).

The page of 20 is read in index order, within one organisation: each equality filter (statut,
rôle, niveau, unité) leads an index that then goes in the default order (nom, prénom, id), so a
rare value (the suspended accounts, the délégués) is found without walking the whole
organisation; the sort by identifiant and by last sign-in have their own. The bounded count
(web.habilitations.service.PLAFOND_COMPTE) reads the same ranges.

The last sign-in is sorted NULLS FIRST (never signed in = the oldest): PostgreSQL's index says so
(its default puts NULLs last); SQLite puts NULLs first already and has no such clause in an index."""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager

from web.tables import Utilisateur

ID = "2026-11-28T08:00:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "Gérer les habilitations : index des filtres et des tris"

COMMUN = [
    "CREATE INDEX IF NOT EXISTS utilisateur_organisme_identifiant ON utilisateur (organisme, identifiant)",
    "CREATE INDEX IF NOT EXISTS utilisateur_organisme_statut_nom ON utilisateur (organisme, statut, nom_cle, prenom_cle, id)",
    "CREATE INDEX IF NOT EXISTS utilisateur_organisme_role_nom ON utilisateur (organisme, role, nom_cle, prenom_cle, id)",
    "CREATE INDEX IF NOT EXISTS utilisateur_organisme_niveau_nom ON utilisateur (organisme, niveau, nom_cle, prenom_cle, id)",
    "CREATE INDEX IF NOT EXISTS utilisateur_organisme_unite_nom ON utilisateur (organisme, unite, nom_cle, prenom_cle, id)",
]
CONNEXION = {
    "postgres": "CREATE INDEX IF NOT EXISTS utilisateur_organisme_connexion ON utilisateur (organisme, derniere_connexion NULLS FIRST, id)",
    "sqlite": "CREATE INDEX IF NOT EXISTS utilisateur_organisme_connexion ON utilisateur (organisme, derniere_connexion, id)",
}


async def forwards():
    manager = MigrationManager(migration_id=ID, app_name="portail", description=DESCRIPTION)

    async def run():
        engine = Utilisateur._meta.db
        for sql in [*COMMUN, CONNEXION[engine.engine_type]]:
            await engine.run_ddl(sql)

    manager.add_raw(run)
    return manager
