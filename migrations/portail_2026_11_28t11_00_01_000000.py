"""« Gérer les habilitations » sorted by unit or by level, and three filters, read in index order
at national scale (issue 15; plans printed by bench/, bench.lancer.plans), within one organisation:
- by unit: the unit's name key kept on the account (previous migration), filled here for the
  existing accounts;
- by level: an index on the level's rank, the very expression the list sorts by
  (web.habilitations.service.RANG_NIVEAU; tests/unit/test_listes.py checks they are the same);
- a typed name with any filter or sort: the name index also holds every key;
- « jamais connecté »: a partial index of the accounts never signed in, in name order;
- « inactif depuis »: the last sign-in, else the creation, as one indexed expression, alone and
  after the status (its count; web.habilitations.service.INACTIF_DEPUIS). Both: SQLite has no
  range statistics, and with the first alone it read half the organisation for « suspendus
  inactifs depuis 6 mois »;
- a status sorted by last sign-in (the suspended accounts unused for months), with the creation
  date that « inactif depuis » reads when there was never a sign-in.
On PostgreSQL the key compares by code point (collation "C"), as the name keys do."""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager

from web.recherche import cle
from web.tables import Utilisateur

ID = "2026-11-28T11:00:01:000000"
VERSION = "1.38.0"
DESCRIPTION = "Gérer les habilitations : tri par unité et par niveau, comptes jamais connectés, statut par dernière connexion"

INACTIF_DEPUIS = "COALESCE(derniere_connexion, cree_le)"
RANG_NIVEAU = "CASE niveau WHEN 'consultation' THEN 1 WHEN 'creation' THEN 2 WHEN 'validation' THEN 3 WHEN 'cloture' THEN 4 ELSE 0 END"
COMMUN = [
    # A typed name's range carries every filter and sort key, so that the page's 20 ids are
    # chosen without reading the rows (web.habilitations.service.requetes_recherche); it
    # replaces the narrower name index, whose columns lead it.
    "CREATE INDEX IF NOT EXISTS utilisateur_organisme_nom_large ON utilisateur (organisme, nom_cle, prenom_cle, id, identifiant, "
    "unite_cle, niveau, unite, statut, role, derniere_connexion, cree_le)",
    "DROP INDEX IF EXISTS utilisateur_organisme_nom_prenom",
    f"CREATE INDEX IF NOT EXISTS utilisateur_organisme_inactif ON utilisateur (organisme, ({INACTIF_DEPUIS}))",
    f"CREATE INDEX IF NOT EXISTS utilisateur_organisme_statut_inactif ON utilisateur (organisme, statut, ({INACTIF_DEPUIS}))",
    "CREATE INDEX IF NOT EXISTS utilisateur_organisme_unite_cle ON utilisateur (organisme, unite_cle, nom_cle, prenom_cle, id)",
    f"CREATE INDEX IF NOT EXISTS utilisateur_organisme_rang_niveau ON utilisateur (organisme, ({RANG_NIVEAU}), nom_cle, prenom_cle, id)",
    "CREATE INDEX IF NOT EXISTS utilisateur_organisme_jamais ON utilisateur (organisme, nom_cle, prenom_cle, id) "
    "WHERE derniere_connexion IS NULL",
]
# NULLS FIRST (never signed in = the oldest) said on PostgreSQL; SQLite puts NULLs first already.
STATUT_CONNEXION = "CREATE INDEX IF NOT EXISTS utilisateur_organisme_statut_connexion ON utilisateur (organisme, statut, {}, id, cree_le)"
CONNEXION = {"postgres": "derniere_connexion NULLS FIRST", "sqlite": "derniere_connexion"}


async def forwards():
    manager = MigrationManager(migration_id=ID, app_name="portail", description=DESCRIPTION)

    async def run():
        engine = Utilisateur._meta.db
        if engine.engine_type == "postgres":
            await engine.run_ddl('ALTER TABLE utilisateur ALTER COLUMN unite_cle TYPE VARCHAR(100) COLLATE "C"')
        unites = await Utilisateur.raw("SELECT id, organisme, nom FROM unite WHERE id IN (SELECT unite FROM utilisateur)")
        for u in unites:
            await Utilisateur.raw(
                "UPDATE utilisateur SET unite_cle = {} WHERE organisme = {} AND unite = {}", cle(u["nom"]), u["organisme"], u["id"]
            )
        for sql in [*COMMUN, STATUT_CONNEXION.format(CONNEXION[engine.engine_type])]:
            await engine.run_ddl(sql)

    manager.add_raw(run)
    return manager
