"""Fills a fresh database with national-scale data, in bulk.

    python -m bench.generer [--echelle 1] [--titulaires 6000000]

At scale 1: 5 000 organisations, 100 000 gestionnaires (20 000 in the first one), 1 000 000
titulaires with valid NIRs, their employment, yearly credits, dossiers in every status with
their history and the debits of closed ones. The database is PORTAIL_DATABASE_URL's, emptied
first. Rows go in through the driver's bulk path (executemany on SQLite, COPY on PostgreSQL):
Piccolo's per-row inserts would take hours at this size.

Every gestionnaire shares one argon2id hash of MOT_DE_PASSE (hashing 100 000 distinct passwords
would cost an hour and measure nothing). jeu.json (in PORTAIL_BANC_DIR, var/bench/) lists the accounts and titulaires
the benchmarks use.
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import json
import os
import random
import sqlite3
import sys
import time
from collections.abc import Iterable, Iterator
from pathlib import Path
from urllib.parse import unquote, urlparse

from stdnum import luhn

from bench import SORTIES
from web import cgu
from web.comptes.hachage import HASHER
from web.comptes.identifiant import base_identifiant
from web.db import config_postgres
from web.recherche import cle
from web.settings import Settings

MOT_DE_PASSE = "Banc-essai-Portail-2026"
JEU = SORTIES / "jeu.json"
LOT = 20_000  # rows per bulk statement

# Each organisation's units; its gestionnaires are spread over them in turn.
UNITES = ("Direction", "Ressources humaines", "Formation")
NOMS = (
    "Martin Bernard Thomas Petit Robert Richard Durand Dubois Moreau Laurent Simon Michel Lefèvre Leroy David "
    "Bertrand Morel Fournier Girard Bonnet Dupont Lambert Fontaine Rousseau Vincent Müller Lefebvre Faure André "
    "Mercier Blanc Guérin Boyer Garnier Chevalier François Legrand Gauthier Garcia Perrin Robin Clément Morin "
    "Nicolas Henry Roussel Mathieu Gautier Masson Marchand Duval Denis Dumont Marie Lemaire Noël Meyer Dufour "
    "Meunier Brun Blanchard Giraud Joly Rivière Lucas Brunet Gaillard Barbier Arnaud Martínez Gérard Roche Renard "
    "Schmitt Roy Leroux Colin Vidal Caron Picard Roger Fabre Aubert Lemoine Renaud Dumas Lacroix Olivier Philippe "
    "Bourgeois Pierre Benoît Rey Leclerc Payet Rolland Leclercq Guillaume Lecomte López Jean Dupuy Guillot Hubert "
    "Berger Carpentier Sánchez Dupuis Moulin Louis Deschamps Huet Vasseur Perez Boucher Fleury Royer Klein Jacquet "
    "Adam Paris Poirier Marty Aubry Guyot Carré Charles Renault Charpentier Ménard Maillard Baron Bertin Bailly "
    "Hervé Schneider Fernández Collet Léger Bouvier Julien Prévost Millet Perrot Daniel Cousin "
    "Germain Breton Besson Langlois Rémy Pelletier Lévêque Perrier Leblanc Barré Lebrun Marchal Weber "
    "Mallet Hamon Boulanger Jacob Monnier Michaud Rodríguez Guichard Gillet Étienne Grondin Poulain Tessier Chevallier "
    "Collin Chauvin Bouchet Gay Lemaître Bénard Maréchal Humbert Reynaud Antoine Hoarau Perret Barthélemy "
    "Cordier Pichon Lejeune Gilbert Lamy Delaunay Pasquier Carlier Laporte N'Diaye Lœuf Œuvrard Delahaye"
).split()
NOMS += ["Le Gall", "Da Silva", "Le Roux", "Le Goff", "Roux"]  # names of two words, and one of their parts
PRENOMS_F = (
    "Marie Nathalie Isabelle Sylvie Catherine Françoise Anne Christine Valérie Sandrine "
    "Émilie Léa Chloé Inès Zoé Maëlle Céline Hélène Agnès Béatrice"
).split()
PRENOMS_H = (
    "Jean Philippe Michel Alain Patrick Nicolas Christophe Pierre Daniel Éric "
    "Frédéric Stéphane Laurent Julien Loïc Jérôme Benoît Hervé Noé Raphaël"
).split()
DEPARTEMENTS = [d for d in range(1, 96) if d != 20]  # "20" is no longer a département in a NIR
STATUTS = (("en_cours_elaboration", 30), ("valide", 25), ("rejete", 10), ("cloture", 35))
INTITULES = (
    "Bureautique : tableur avancé",
    "Management d'équipe",
    "Anglais professionnel",
    "Prévention des risques",
    "Comptabilité publique",
)


def echelle_tailles(echelle: float, titulaires: int | None = None) -> dict[str, int]:
    """The sizes at `echelle`; `titulaires`: as many titulaires whatever the scale (the whole
    country's 5.7 M public agents beside 100 000 gestionnaires: issue 17)."""
    organismes = max(3, round(5_000 * echelle))
    return {
        "organismes": organismes,
        "gestionnaires": max(organismes * 2, round(100_000 * echelle)),
        "grand": max(2, round(20_000 * echelle)),
        "titulaires": titulaires or max(50, round(1_000_000 * echelle)),
    }


# --- Values -----------------------------------------------------------------------------------


def siret(i: int) -> str:
    """A valid SIRET (Luhn on the SIREN and on the whole), distinct for each i."""
    base = f"{30_000_000 + i:08d}"
    siren = base + luhn.calc_check_digit(base)
    debut = siren + "0001"
    return debut + luhn.calc_check_digit(debut)


def nir_de(i: int, sexe: int, naissance: dt.date) -> str:
    """A valid NIR, distinct for each i (département, commune and order number come from i)."""
    ordre = 1 + i % 999
    commune = 1 + (i // 999) % 990
    dep = DEPARTEMENTS[(i // (999 * 990)) % len(DEPARTEMENTS)]
    debut = f"{sexe}{naissance.year % 100:02d}{naissance.month:02d}{dep:02d}{commune:03d}{ordre:03d}"
    return debut + f"{97 - int(debut) % 97:02d}"


def suffixe(i: int) -> str:
    """4 base-36 characters, distinct for each i below 36**4: the random part of an identifiant."""
    chiffres = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"
    s = ""
    for _ in range(4):
        i, r = divmod(i, 36)
        s = chiffres[r] + s
    return s


# --- Writers ----------------------------------------------------------------------------------


class Barre:
    """A progress bar on stderr, redrawn at most ten times a second on a terminal."""

    def __init__(self, titre: str, total: int) -> None:
        self.titre, self.total, self.fait, self.debut, self.affiche = titre, max(1, total), 0, time.perf_counter(), 0.0

    def avancer(self, n: int, *, forcer: bool = False) -> None:
        self.fait += n
        now = time.perf_counter()
        if forcer or (now - self.affiche >= 0.1 and sys.stderr.isatty()):  # in a log: one line per table
            self.affiche = now
            part = min(1.0, self.fait / self.total)
            plein = int(part * 30)
            barre = "#" * plein + "." * (30 - plein)
            fait = f"{self.fait:>10,}".replace(",", " ")
            sys.stderr.write(f"\r{self.titre:<22} [{barre}] {part:6.1%} {fait} lignes {now - self.debut:6.1f} s")
            sys.stderr.flush()

    def finir(self) -> None:
        self.avancer(0, forcer=True)
        sys.stderr.write("\n")


def lots(lignes: Iterable[tuple], taille: int = LOT) -> Iterator[list[tuple]]:
    lot: list[tuple] = []
    for ligne in lignes:
        lot.append(ligne)
        if len(lot) >= taille:
            yield lot
            lot = []
    if lot:
        yield lot


class Base:
    """Bulk inserts for one engine."""

    moteur = ""

    async def vider(self) -> None: ...
    async def ecrire(self, table: str, colonnes: tuple[str, ...], lignes: Iterable[tuple], total: int) -> None: ...
    async def finir(self) -> None: ...


class BaseSqlite(Base):
    moteur = "sqlite"

    def __init__(self, chemin: Path) -> None:
        import piccolo.engine.sqlite  # noqa: F401 - registers Piccolo's adapters (dates, timestamps)

        self.chemin = chemin

    async def vider(self) -> None:
        for suffixe_ in ("", "-wal", "-shm"):
            Path(f"{self.chemin}{suffixe_}").unlink(missing_ok=True)  # noqa: ASYNC240 - before any query

    async def ouvrir(self) -> None:
        self.cx = sqlite3.connect(self.chemin, isolation_level=None)
        self.cx.execute("PRAGMA synchronous=OFF")
        self.cx.execute("PRAGMA cache_size=-262144")  # 256 MiB while loading

    async def ecrire(self, table, colonnes, lignes, total) -> None:
        barre = Barre(table, total)
        sql = f"INSERT INTO {table} ({', '.join(colonnes)}) VALUES ({', '.join('?' * len(colonnes))})"
        self.cx.execute("BEGIN")
        for lot in lots(lignes):
            self.cx.executemany(sql, lot)
            barre.avancer(len(lot))
        self.cx.execute("COMMIT")
        barre.finir()

    async def finir(self) -> None:
        self.cx.execute("ANALYZE")  # the planner's statistics, as a production base would have
        # Every loaded page back in the file and the WAL emptied, as in a base in service (SQLite
        # does it when the last connection closes, but the engine's kept ones are still open).
        # Left to the portal, the first write it commits would copy the whole load back (1.7 GiB
        # at 6 M titulaires) in the middle of the measures.
        self.cx.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        self.cx.close()
        os.sync()  # the written pages on disk before the measures, not during them


class BasePostgres(Base):
    moteur = "postgresql"

    def __init__(self, url: str) -> None:
        self.config = config_postgres(url)

    async def vider(self) -> None:
        import asyncpg

        cx = await asyncpg.connect(**self.config)
        await cx.execute("DROP SCHEMA public CASCADE; CREATE SCHEMA public;")
        await cx.close()

    async def ouvrir(self) -> None:
        import asyncpg

        self.cx = await asyncpg.connect(**self.config)

    async def ecrire(self, table, colonnes, lignes, total) -> None:
        barre = Barre(table, total)
        async with self.cx.transaction():
            for lot in lots(lignes):
                await self.cx.copy_records_to_table(table, records=lot, columns=list(colonnes))
                barre.avancer(len(lot))
        barre.finir()
        # Rows carry their ids: move the sequence past them.
        await self.cx.execute(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), coalesce(max(id), 1)) FROM {table}")

    async def finir(self) -> None:
        # VACUUM as well: after millions of inserted rows, autovacuum would otherwise work through
        # them in the background during the first minutes of the measures (it did, on 2 cores).
        # A production base has its visibility map set; the counts then read their indexes alone.
        await self.cx.execute("VACUUM (ANALYZE)")
        # Then write every page the load and the VACUUM dirtied, now rather than by the next
        # checkpoint, which spreads that over minutes of measures (the throwaway cluster's user
        # may ask for it; elsewhere it waits for its own).
        import asyncpg

        try:
            await self.cx.execute("CHECKPOINT")
        except asyncpg.InsufficientPrivilegeError:
            pass
        await self.cx.close()
        os.sync()  # and the system its own dirty pages (as for SQLite)


def base_de(url: str) -> Base:
    p = urlparse(url)
    if p.scheme == "sqlite":
        return BaseSqlite(Path(unquote(p.path)))
    return BasePostgres(url)


# --- Generation -------------------------------------------------------------------------------


async def generer(echelle: float, graine: int = 2026, sortie: Path = JEU, titulaires: int | None = None) -> dict:
    from web.cli import _migrer

    t = echelle_tailles(echelle, titulaires)
    rnd = random.Random(graine)
    url = Settings.from_env().database_url
    base = base_de(url)
    debut = time.perf_counter()
    await base.vider()
    await _migrer()
    await base.ouvrir()
    now = dt.datetime.now(dt.UTC).replace(microsecond=0)
    hash_ = HASHER.hash(MOT_DE_PASSE)
    n_org = t["organismes"]

    # Organisations: the first is the large employer; one in five is an operator.
    types = ["employeur_public"] + [("operateur" if i % 5 == 0 else "employeur_public") for i in range(2, n_org + 1)]
    await base.ecrire(
        "organisme",
        ("id", "siret", "raison_sociale", "type", "statut", "cree_le"),
        ((i, siret(i), f"ORGANISME DE TEST {i}", types[i - 1], "actif", now) for i in range(1, n_org + 1)),
        n_org,
    )
    await base.ecrire(
        "unite",
        ("id", "organisme", "nom"),
        ((3 * (o - 1) + k, o, nom) for o in range(1, n_org + 1) for k, nom in enumerate(UNITES, 1)),
        3 * n_org,
    )

    # Gestionnaires: t["grand"] in organisation 1, the rest spread evenly; each one's first is its principal.
    par_org = [t["grand"]] + [0] * (n_org - 1)
    reste = t["gestionnaires"] - t["grand"]
    for k in range(reste):
        par_org[1 + k % (n_org - 1)] += 1
    comptes: list[tuple[int, str, int]] = []  # (organisme, identifiant, rang in the organisation)

    # « Gérer les habilitations » filters on these (issue 15): a few suspended accounts, a fifth
    # never signed in, the others at any time over 30 months. Their own generator: the rest of the
    # data stays what it was.
    activite = random.Random(15)
    suspendus: set[str] = set()

    def utilisateurs() -> Iterator[tuple]:
        uid = 0
        for o, n in enumerate(par_org, 1):
            for r in range(n):
                uid += 1
                femme = rnd.random() < 0.6
                prenom = rnd.choice(PRENOMS_F if femme else PRENOMS_H)
                nom = rnd.choice(NOMS) if rnd.random() < 0.9 else f"{rnd.choice(NOMS)}-{rnd.choice(NOMS)}"
                identifiant = base_identifiant(prenom, nom) + suffixe(uid)
                role = "administrateur_principal" if r == 0 else ("administrateur_delegue" if r % 50 == 1 else "gestionnaire")
                niveau = None
                if types[o - 1] == "operateur":
                    niveau = "cloture" if r < 2 else rnd.choice(("consultation", "creation", "validation", "cloture"))
                statut = "suspendu" if r > 0 and activite.random() < 0.03 else "actif"
                # A portal in service for years: its housekeeping has suspended the accounts unused for
                # 12 months, so an active one signed in within 11 (none due a notice: the housekeeping
                # of a `portail serve` under measure has nothing to do; bench.revue measures a backlog).
                recul = activite.randint(0, 330 if statut == "actif" else 900)
                connexion = None if r > 0 and activite.random() < 0.2 else now - dt.timedelta(days=recul)
                comptes.append((o, identifiant, r))
                if statut != "actif":  # never among the accounts the benchmarks sign in with
                    suspendus.add(identifiant)
                yield (
                    uid, identifiant, o, role, "Mme" if femme else "M.", prenom, nom.upper(),
                    f"{cle(prenom).lower()}.{uid}@organisme{o}.example", 3 * (o - 1) + 1 + r % 3, niveau, statut,
                    hash_, False, None, cgu.VERSION, now, cle(nom), cle(prenom), cle(UNITES[r % 3]), connexion, connexion,
                )  # fmt: skip

    await base.ecrire(
        "utilisateur",
        (
            "id",
            "identifiant",
            "organisme",
            "role",
            "civilite",
            "prenom",
            "nom",
            "courriel",
            "unite",
            "niveau",
            "statut",
            "mot_de_passe",
            "mot_de_passe_temporaire",
            "mot_de_passe_expire_le",
            "cgu_version",
            "cree_le",
            "nom_cle",
            "prenom_cle",
            "unite_cle",
            "derniere_connexion",
            "mot_de_passe_modifie_le",
        ),  # fmt: skip
        utilisateurs(),
        t["gestionnaires"],
    )

    # Administrators sign in with a second factor: each has a passkey (bench.authentificateur, one
    # key for all as they share one password hash), as one registered in the portal.
    from webauthn.helpers import bytes_to_base64url

    from bench.authentificateur import Authentificateur

    cle_publique = bytes_to_base64url(Authentificateur.banc("").cose())
    admins = [(uid, c[1]) for uid, c in enumerate(comptes, 1) if c[2] == 0 or c[2] % 50 == 1]

    def cles() -> Iterator[tuple]:
        for i, (uid, identifiant) in enumerate(admins, 1):
            yield (i, uid, bytes_to_base64url(Authentificateur.banc(identifiant).id), cle_publique, 0, "internal", "Banc", now)

    colonnes_cles = ("id", "utilisateur", "credential_id", "cle_publique", "compteur", "transports", "nom", "cree_le")
    await base.ecrire("cle_acces", colonnes_cles, cles(), len(admins))

    # Titulaires: one in ten works for organisation 1, the others spread; one in twenty has a second employer.
    n_tit = t["titulaires"]
    employeurs: list[int] = []
    echantillon: list[dict] = []

    def titulaires() -> Iterator[tuple]:
        for i in range(1, n_tit + 1):
            sexe = 1 if rnd.random() < 0.45 else 2
            naissance = dt.date(rnd.randint(1960, 2003), rnd.randint(1, 12), rnd.randint(1, 28))
            nir = nir_de(i, sexe, naissance)
            nom = rnd.choice(NOMS)
            usage = rnd.choice(NOMS) if sexe == 2 and rnd.random() < 0.3 else ""
            prenom = rnd.choice(PRENOMS_H if sexe == 1 else PRENOMS_F)
            o = 1 if i % 10 == 0 else 2 + (i * 7919) % (n_org - 1)
            employeurs.append(o)
            if o == 1 and len(echantillon) < 2_000:
                echantillon.append({"nir": nir, "nom": (usage or nom) if i % 2 else nom})
            yield (i, nir, nom.upper(), usage.upper(), prenom, naissance, cle(nom), cle(usage), "", "", "")

    await base.ecrire(
        "titulaire",
        (
            "id",
            "nir",
            "nom_naissance",
            "nom_usage",
            "prenom",
            "date_naissance",
            "nom_naissance_cle",
            "nom_usage_cle",
            "courriel",
            "telephone",
            "adresse",
        ),
        titulaires(),
        n_tit,
    )

    def emplois() -> Iterator[tuple]:
        eid = 0
        for i, o in enumerate(employeurs, 1):
            eid += 1
            yield (eid, i, o)
            if i % 20 == 3:  # n_emplois counts these
                eid += 1
                yield (eid, i, 1 + (o % n_org))

    n_emplois = n_tit + len(range(3, n_tit + 1, 20))
    await base.ecrire("emploi", ("id", "titulaire", "organisme"), emplois(), n_emplois)

    # Yearly credits (25 h, up to 150 h), then dossiers: one titulaire in five has one.
    annees = {i: rnd.randint(1, 6) for i in range(1, n_tit + 1)}

    def credits() -> Iterator[tuple]:
        mid = 0
        for i in range(1, n_tit + 1):
            for a in range(2025 - annees[i] + 1, 2026):
                mid += 1
                yield (mid, i, dt.date(a, 12, 31), 25, "alimentation", f"Alimentation {a}", None)

    n_credits = sum(annees.values())
    await base.ecrire("mouvement", ("id", "titulaire", "date", "heures", "type", "libelle", "dossier"), credits(), n_credits)

    avec_dossier = [i for i in range(1, n_tit + 1) if i % 5 == 1]
    poids = [p for _, p in STATUTS]
    dossiers: list[tuple] = []
    historique: list[tuple] = []
    debits: list[tuple] = []
    for did, i in enumerate(avec_dossier, 1):
        statut = rnd.choices([s for s, _ in STATUTS], poids)[0]
        o = employeurs[i - 1]
        debut_f = dt.date(2025, rnd.randint(1, 12), rnd.randint(1, 28))
        heures = rnd.randint(7, 25 * annees[i])
        realisees = heures if statut == "cloture" else None
        createur = 1 + sum(par_org[: o - 1]) if o <= 50 else None  # the principal, for the first organisations
        motif = "Formation sans lien avec le projet professionnel." if statut == "rejete" else ""
        dossiers.append(
            (
                did,
                i,
                o,
                rnd.choice(INTITULES),
                "Organisme de formation de test",
                debut_f,
                debut_f + dt.timedelta(days=30),
                heures,
                realisees,
                statut,
                motif,
                createur,
                now,
                now,
            )  # fmt: skip
        )
        historique.append((len(historique) + 1, did, "", "en_cours_elaboration", createur, now, ""))
        if statut != "en_cours_elaboration":
            premier = "rejete" if statut == "rejete" else "valide"
            historique.append((len(historique) + 1, did, "en_cours_elaboration", premier, createur, now, motif))
        if statut == "cloture":
            historique.append((len(historique) + 1, did, "valide", "cloture", createur, now, f"{heures} h réalisées"))
            debits.append(
                (n_credits + len(debits) + 1, i, debut_f + dt.timedelta(days=31), -heures, "cloture", "Clôture de la formation", did)
            )
    await base.ecrire(
        "dossier",
        (
            "id",
            "titulaire",
            "organisme",
            "intitule",
            "organisme_formation",
            "date_debut",
            "date_fin",
            "heures_prevues",
            "heures_realisees",
            "statut",
            "motif",
            "cree_par",
            "cree_le",
            "modifie_le",
        ),  # fmt: skip
        dossiers,
        len(dossiers),
    )
    await base.ecrire("historique_dossier", ("id", "dossier", "de", "vers", "par", "le", "motif"), historique, len(historique))
    await base.ecrire("mouvement", ("id", "titulaire", "date", "heures", "type", "libelle", "dossier"), debits, len(debits))
    await base.finir()

    # What the benchmarks use: the large organisation's principal, sign-in accounts spread over
    # every organisation, titulaires of organisation 1 with the name a gestionnaire would type.
    jeu = {
        "echelle": echelle,
        "tailles": t,
        "mot_de_passe": MOT_DE_PASSE,
        "grand_principal": next(c[1] for c in comptes if c[0] == 1 and c[2] == 0),
        "connexions": [c[1] for c in rnd.sample(comptes, min(len(comptes), 2_000)) if c[1] not in suspendus],
        "principaux": [c[1] for c in comptes if c[2] == 0][:50],
        "titulaires": echantillon,
        "lignes": {
            "organisme": n_org,
            "unite": 3 * n_org,
            "utilisateur": t["gestionnaires"],
            "titulaire": n_tit,
            "emploi": n_emplois,
            "mouvement": n_credits + len(debits),
            "dossier": len(dossiers),
            "historique_dossier": len(historique),
        },  # fmt: skip
        "duree_s": round(time.perf_counter() - debut, 1),
        "moteur": base.moteur,
    }
    sortie.parent.mkdir(parents=True, exist_ok=True)  # noqa: ASYNC240 - once, after the load
    sortie.write_text(json.dumps(jeu, ensure_ascii=False, indent=1))  # noqa: ASYNC240
    return jeu


def main(argv: list[str] | None = None) -> None:
    p = argparse.ArgumentParser(description="Remplit la base PORTAIL_DATABASE_URL (vidée d'abord) de données de test en masse.")
    p.add_argument("--echelle", type=float, default=1.0, help="1 : 5 000 organismes, 100 000 gestionnaires, 1 000 000 titulaires")
    p.add_argument("--titulaires", type=int, help="autant de titulaires, quelle que soit l'échelle (6000000 : le pays entier)")
    a = p.parse_args(argv)
    jeu = asyncio.run(generer(a.echelle, titulaires=a.titulaires))
    lignes = sum(jeu["lignes"].values())
    print(f"{lignes:,} lignes en {jeu['duree_s']} s ({jeu['moteur']}). Comptes du banc d'essai : {JEU}".replace(",", " "))


if __name__ == "__main__":
    main()
