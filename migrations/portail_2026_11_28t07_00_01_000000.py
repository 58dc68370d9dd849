"""The last sign-in and the last password chosen, for the accounts that existed before their
columns (migration 2026-11-28T07:00:00). The journal has recorded every full sign-in
(« connexion » without detail, or the second step passed) and every password chosen by its holder
(« mot_de_passe_modifie ») since the first release. tests/unit/test_migrations.py upgrades a
database filled as the previous release wrote it."""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager

from web.tables import Utilisateur

ID = "2026-11-28T07:00:01:000000"
VERSION = "1.38.0"
DESCRIPTION = "Dernière connexion et dernier changement de mot de passe des comptes existants"

# column: the journal lines that set it
DEPUIS_LE_JOURNAL = {
    "derniere_connexion": "(j.type = 'connexion' AND j.detail = '') OR j.type = 'second_facteur'",
    "mot_de_passe_modifie_le": "j.type = 'mot_de_passe_modifie'",
}


async def forwards():
    manager = MigrationManager(migration_id=ID, app_name="portail", description=DESCRIPTION)

    async def run():
        for nom, lignes in DEPUIS_LE_JOURNAL.items():
            await Utilisateur.raw(
                f"UPDATE utilisateur SET {nom} = (SELECT MAX(j.cree_le) FROM journal j "
                f"WHERE j.cible = utilisateur.id AND ({lignes})) WHERE {nom} IS NULL"
            )

    manager.add_raw(run)
    return manager
