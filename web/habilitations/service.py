"""Gérer les habilitations: search, create, change, suspend (rules in web.droits)."""

from __future__ import annotations

import asyncio
import calendar
import csv
import datetime as dt
import io
from collections.abc import AsyncIterator
from dataclasses import dataclass

from piccolo.querystring import QueryString

from web import droits, file_d_envoi, sessions
from web.acteur import Acteur
from web.comptes.service import COURRIEL_PRIS, cle_unite, courriel_pris, nom_affiche, ouvrir_compte  # noqa: F401 - re-exported
from web.db import ecriture, est_doublon, lire_planifie, moteur, verrouiller
from web.formulaires import Filtre
from web.habilitations.forms import ROLE_DE, UNITE_INCONNUE, FormFiltres, FormGestionnaire
from web.journal import journaliser
from web.parametres import service as unites
from web.parametres.forms import FormUnite
from web.recherche import cle, intervalle_prefixe
from web.settings import Settings
from web.tables import ACTIF, DELEGUE, GESTIONNAIRE, SUSPENDU, Journal, Organisme, Utilisateur
from web.temps import maintenant

PAR_PAGE = 20


# The form is the criteria (bench/ and the export build them the same way).
Criteres = FormFiltres
# The count shown stops there (« plus de 1 000 »): counting every match of a large organisation
# on each keystroke is what costs, and nobody pages through a thousand names.
PLAFOND_COMPTE = 1000
# Cumulative levels, lowest first; no level sorts before them. Indexed as written (the migration
# 2026-11-28T11:00:01 holds the same text), so that a page of 20 is read in index order.
RANG_NIVEAU = "CASE niveau " + " ".join(f"WHEN '{code}' THEN {i + 1}" for i, code in enumerate(droits.NIVEAUX)) + " ELSE 0 END"
# Unused since: the last sign-in, else the creation, as one indexed expression (an OR of two
# ranges drew both engines to reading thousands of rows). The count reads its matches by that
# index: few once the automatic suspension has done its work, and it stops at the ceiling when
# many. The page reads its sort's index in order and filters on the same value written so that no
# index answers it (a third argument): sorting a range of thousands (« 3 mois ») cost more than
# reading on to the 20th match.
INACTIF_DEPUIS = "COALESCE(derniere_connexion, cree_le)"
INACTIF_DEPUIS_FILTRE = "COALESCE(derniere_connexion, cree_le, NULL)"


def il_y_a_mois(quand: dt.datetime, mois: int) -> dt.datetime:
    """The same instant `mois` calendar months earlier (the 31st becomes the month's last day)."""
    annee, m = divmod(quand.year * 12 + quand.month - 1 - mois, 12)
    jour = min(quand.day, calendar.monthrange(annee, m + 1)[1])
    return quand.replace(year=annee, month=m + 1, day=jour)


# The list's SQL is written here rather than built by Piccolo: building the count and the page
# cost more than running them (a third of a list request on SQLite, bench/RESULTS.md). Columns are
# qualified, since the page and the export join `unite`, which has an `id`, an `organisme` and a
# `nom` too; both engines still match the qualified expressions with their indexes.
def filtre_de(organisme_id: int, c: FormFiltres, compte: bool = False, quand: dt.datetime | None = None) -> tuple[str, list]:
    """(WHERE clause with {} placeholders, its values). Always within one organisation; names and
    identifiant by prefix, as an index range on their search keys (also what bench/ explains).
    `compte`: for the count (see INACTIF_DEPUIS). `quand`: the instant « inactif » counts back
    from (now by default; the page and its count share one)."""
    conditions, valeurs = ["utilisateur.organisme = {}"], [organisme_id]

    def et(condition: str, *v) -> None:
        conditions.append(condition)
        valeurs.extend(v)

    for colonne, saisie in (("nom_cle", c.nom), ("prenom_cle", c.prenom), ("identifiant", c.identifiant)):
        if intervalle := intervalle_prefixe(saisie):
            et(f"utilisateur.{colonne} >= {{}}", intervalle[0])
            if intervalle[1] is not None:
                et(f"utilisateur.{colonne} < {{}}", intervalle[1])
    if c.unite_id is not None:
        et("utilisateur.unite = {}", c.unite_id)
    if c.niveau == "aucun":
        et("utilisateur.niveau IS NULL")
    elif c.niveau:
        et("utilisateur.niveau = {}", c.niveau)
    if c.role:
        et("utilisateur.role = {}", ROLE_DE[c.role])
    if c.statut == "jamais":
        et("utilisateur.derniere_connexion IS NULL")
    elif c.statut:
        et("utilisateur.statut = {}", c.statut)
    if c.inactif:
        depuis = INACTIF_DEPUIS if compte else INACTIF_DEPUIS_FILTRE
        et(f"{depuis} < {{}}", il_y_a_mois(quand or maintenant(), int(c.inactif)))
    return " AND ".join(conditions), valeurs


_NOMS = ["utilisateur.nom_cle", "utilisateur.prenom_cle"]


def ordre_de(c: FormFiltres) -> str:
    """The chosen sort, then a stable tie-break on id; « décroissant » is the exact reverse (the
    accounts without a unit, level or sign-in come first in ascending order; NULLS said on both
    engines, whose defaults differ)."""
    sens = "DESC" if c.ordre == "desc" else "ASC"
    if c.tri == "connexion":
        return f"utilisateur.derniere_connexion {sens} NULLS {'LAST' if sens == 'DESC' else 'FIRST'}, utilisateur.id {sens}"
    cles = {
        "nom": _NOMS,
        "identifiant": ["utilisateur.identifiant"],
        "unite": ["utilisateur.unite_cle", *_NOMS],
        "niveau": [RANG_NIVEAU, *_NOMS],
    }[c.tri] + ["utilisateur.id"]
    return ", ".join(f"{cle_} {sens}" for cle_ in cles)


COLONNES_LISTE = (
    "utilisateur.id, civilite, prenom, utilisateur.nom, identifiant, unite.nom AS unite_nom, niveau, role, statut, derniere_connexion"
)


def requetes_recherche(organisme_id: int, c: FormFiltres) -> tuple[QueryString, QueryString]:
    """(count, page) queries. The count reads at most PLAFOND_COMPTE + 1 matches beyond the page shown.
    The page picks its 20 ids first, from what the indexes hold (a typed name's range index
    carries every filter and sort key), then reads those 20 rows: a name typed and another sort
    chosen sorts thousands of index entries, not thousands of rows."""
    quand = maintenant()
    filtre, valeurs = filtre_de(organisme_id, c, quand=quand)
    ordre = ordre_de(c)
    page = QueryString(
        f"SELECT {COLONNES_LISTE} FROM utilisateur LEFT JOIN unite ON unite.id = utilisateur.unite "
        f"WHERE utilisateur.id IN (SELECT utilisateur.id FROM utilisateur WHERE {filtre} ORDER BY {ordre} "
        f"LIMIT {PAR_PAGE} OFFSET {(c.page - 1) * PAR_PAGE:d}) ORDER BY {ordre}",
        *valeurs,
    )
    filtre, valeurs = filtre_de(organisme_id, c, compte=True, quand=quand)
    compte = QueryString(
        f"SELECT COUNT(*) AS n FROM (SELECT utilisateur.id FROM utilisateur WHERE {filtre} LIMIT {plafond_de(c) + 1:d}) AS t", *valeurs
    )
    return compte, page


def plafond_de(c: FormFiltres) -> int:
    """Where the count stops: PLAFOND_COMPTE, or further when the page shown lies beyond it."""
    return max(PLAFOND_COMPTE, c.page * PAR_PAGE)


@dataclass(frozen=True)
class Compte:
    """How many match: exact up to `plafond`, else « plus de `plafond` »."""

    nombre: int
    plus: bool


@dataclass(frozen=True, slots=True)
class Ligne:
    """A row of the list (COLONNES_LISTE). An attribute, not a dict key: Jinja reads `g.nom` by
    trying the attribute first, and the exception a dict raises there was a quarter of the
    results' rendering (bench/RESULTS.md, « Où passe le temps »)."""

    id: int
    civilite: str
    prenom: str
    nom: str
    identifiant: str
    unite_nom: str | None
    niveau: str | None
    role: str
    statut: str
    derniere_connexion: dt.datetime | None


async def rechercher(organisme_id: int, c: FormFiltres) -> tuple[list[Ligne], Compte]:
    compte, page = requetes_recherche(organisme_id, c)
    if moteur().current_transaction.get() is None:
        # Each on a connection of its own, at the same time: the list waits for the longer one only.
        lignes, comptes = await asyncio.gather(lire_planifie(page), lire_planifie(compte))
    else:
        lignes, comptes = await lire_planifie(page), await lire_planifie(compte)
    n, plafond = comptes[0]["n"], plafond_de(c)
    return [Ligne(**ligne) for ligne in lignes], (Compte(plafond, True) if n > plafond else Compte(n, False))


# --- « Exporter la liste » -------------------------------------------------------------------

# The columns of the list, then what the gestionnaire's page holds (README « Exporter la liste des gestionnaires »).
COLONNES_EXPORT = [
    "Civilité", "Prénom", "Nom", "Identifiant", "Courriel", "Téléphone fixe", "Téléphone portable", "Fonction",
    "Unité", "Niveau d'habilitation", "Rôle", "Statut", "Créé le", "Dernière connexion", "Mot de passe modifié le",
]  # fmt: skip
LOT_EXPORT = 500  # rows read, written and sent at a time: a 20 000-line export never sits in memory
BOM = "\ufeff"
# OWASP « CSV injection »: a spreadsheet reads a cell starting with one of these as a formula.
DEBUTS_FORMULE = ("=", "+", "-", "@", "\t", "\r")


def neutraliser(cellule: str) -> str:
    """A cell a spreadsheet would take for a formula starts with a quote, shown as text."""
    return "'" + cellule if cellule.startswith(DEBUTS_FORMULE) else cellule


def _date(valeur: dt.datetime | None) -> str:
    return valeur.astimezone(dt.UTC).strftime("%d/%m/%Y %H:%M") if valeur else ""


def _ligne_export(u: dict) -> list[str]:
    return [
        u["civilite"], u["prenom"], u["nom"], u["identifiant"], u["courriel"], u["telephone_fixe"], u["telephone_portable"],
        u["fonction"], u["unite_nom"] or "", droits.NIVEAUX.get(u["niveau"] or "", ""), droits.LIBELLES_ROLE[u["role"]],
        "Actif" if u["statut"] == ACTIF else "Suspendu", _date(u["cree_le"]), _date(u["derniere_connexion"]),
        _date(u["mot_de_passe_modifie_le"]),
    ]  # fmt: skip


def csv_tableur(lignes: list[list[str]]) -> bytes:
    """Rows as French spreadsheets read them (`;`, CRLF), each cell neutralised; the file starts with BOM."""
    tampon = io.StringIO()
    ecrivain = csv.writer(tampon, delimiter=";", lineterminator="\r\n")
    ecrivain.writerows([neutraliser(str(cellule)) for cellule in ligne] for ligne in lignes)
    return tampon.getvalue().encode()


def _filtres_journal(c: FormFiltres) -> str:
    """Which filters narrowed the export, for the journal: the chosen values, but never what was
    typed in a name or identifiant (a search term stays out of the journal)."""
    morceaux = []
    for nom, champ in c.champs.items():
        valeur = getattr(c, nom)
        if nom in ("page", "tri", "ordre") or not valeur:
            continue
        if isinstance(champ, Filtre):
            morceaux.append(f"{champ.libelle} : {champ.valeurs[valeur]}")
        else:
            morceaux.append(f"{champ.libelle} (saisi)")
    return ", ".join(morceaux)


async def exporter(acteur: Acteur, c: FormFiltres) -> AsyncIterator[bytes]:
    """« Exporter la liste »: journaled before any line leaves (who, how many lines, which
    filters), then the CSV as a stream read in batches from one cursor, in the list's order."""
    filtre, valeurs = filtre_de(acteur.organisme, c)
    n = (await lire_planifie(QueryString(f"SELECT COUNT(*) AS n FROM utilisateur WHERE {filtre}", *valeurs)))[0]["n"]
    async with ecriture():
        detail = f"{n} gestionnaire{'s' if n > 1 else ''} ; " + (_filtres_journal(c) or "sans filtre")
        await journaliser("liste_exportee", acteur, detail=detail)
    requete = Utilisateur.raw(
        "SELECT civilite, prenom, utilisateur.nom, identifiant, courriel, telephone_fixe, telephone_portable, fonction, "
        "unite.nom AS unite_nom, niveau, role, statut, utilisateur.cree_le, derniere_connexion, mot_de_passe_modifie_le "
        f"FROM utilisateur LEFT JOIN unite ON unite.id = utilisateur.unite WHERE {filtre} ORDER BY {ordre_de(c)}",
        *valeurs,
    )

    async def flux() -> AsyncIterator[bytes]:
        yield BOM.encode() + csv_tableur([COLONNES_EXPORT])
        async with await requete.batch(batch_size=LOT_EXPORT) as lots:
            async for lot in lots:
                yield csv_tableur([_ligne_export(u) for u in lot])

    return flux()


NIVEAU_TROP_HAUT = "Vous ne pouvez pas accorder un niveau d'habilitation supérieur au vôtre."


async def verifier_references(
    moi: Utilisateur, form: FormGestionnaire, sauf: int | None = None, actif: bool = True, actuel: str | None = None
) -> None:
    """Checks that need the database or the actor: the unit belongs to the organisation, the
    courriel is free, a délégué grants at most their own level (`actuel`: the level the
    gestionnaire holds, which may be kept), and only the principal grants "administrateur délégué"."""
    if "niveau" not in form.erreurs and form.niveau and form.niveau not in droits.niveaux_accordables(moi, actuel):
        form.erreurs["niveau"] = NIVEAU_TROP_HAUT
    if "unite" not in form.erreurs and form.unite_id is not None and not await unites.unite_de(moi.organisme, form.unite_id):
        form.erreurs["unite"] = UNITE_INCONNUE
    if actif and "courriel" not in form.erreurs and form.courriel and await courriel_pris(moi.organisme, form.courriel, sauf):
        form.erreurs["courriel"] = COURRIEL_PRIS
    if form.delegue and not droits.peut_accorder_delegation(moi):
        raise droits.Interdit


async def ajouter_unite(acteur: Acteur, form: FormGestionnaire) -> None:
    """The "Ajouter une unité" button: created (or found), then selected; nothing else typed is
    lost, and only the new unit's error is shown."""
    nouvelle = FormUnite.lire({"nom": form.nouvelle_unite})
    form.erreurs.clear()
    if nouvelle.erreurs:
        form.erreurs["nouvelle_unite"] = nouvelle.erreurs["nom"]
    else:
        form.unite = str(await unites.creer(acteur, nouvelle.nom))


class CourrielPris(Exception):
    """Another active gestionnaire took the courriel between the form check and the write."""


async def creer(settings: Settings, acteur: Acteur, f: FormGestionnaire) -> Utilisateur:
    """The account, its journal line and its mail: one transaction, retried if the random
    identifiant collided with one created at the same instant (PostgreSQL)."""
    for essai in range(5):
        try:
            async with ecriture():
                u = await inserer(settings, acteur, f)
            file_d_envoi.reveiller()
            return u
        except Exception as exc:
            if not est_doublon(exc) or essai == 4:
                raise
    raise AssertionError("unreachable")


async def inserer(settings: Settings, acteur: Acteur, f: FormGestionnaire, origine: str = "") -> Utilisateur:
    """The account of a checked form, its journal line and its mail, inside the caller's write
    transaction (« Ajouter un gestionnaire », « Importer des gestionnaires »)."""
    # Serialises the writes that check "courriel free among active gestionnaires" within one organisation.
    await verrouiller(Organisme, acteur.organisme)
    if await courriel_pris(acteur.organisme, f.courriel):
        raise CourrielPris
    u = Utilisateur(
        organisme=acteur.organisme,
        role=DELEGUE if f.delegue else GESTIONNAIRE,
        civilite=f.civilite,
        prenom=f.prenom,
        nom=f.nom.upper(),
        courriel=f.courriel,
        telephone_fixe=f.telephone_fixe,
        telephone_portable=f.telephone_portable,
        fonction=f.fonction,
        unite=f.unite_id,
        niveau=f.niveau or None,
        cree_par=acteur.id,
        habilite_par=acteur.id,
        habilite_le=maintenant(),
    )
    await ouvrir_compte(settings, u)
    quoi = "administrateur délégué" if f.delegue else "gestionnaire"
    await journaliser("gestionnaire_cree", acteur, cible=u.id, detail=f"{quoi}, niveau {f.niveau or 'aucun'}{origine}")
    return u


async def modifier(acteur: Acteur, cible: Utilisateur, f: FormGestionnaire) -> None:
    delegue = f.delegue
    valeurs = {
        Utilisateur.civilite: f.civilite,
        Utilisateur.prenom: f.prenom,
        Utilisateur.nom: f.nom.upper(),
        Utilisateur.nom_cle: cle(f.nom),
        Utilisateur.prenom_cle: cle(f.prenom),
        Utilisateur.courriel: f.courriel,
        Utilisateur.telephone_fixe: f.telephone_fixe,
        Utilisateur.telephone_portable: f.telephone_portable,
        Utilisateur.fonction: f.fonction,
        Utilisateur.unite: f.unite_id,
        Utilisateur.niveau: f.niveau or None,
        Utilisateur.role: DELEGUE if delegue else GESTIONNAIRE,
    }
    if (f.niveau or None) != cible.niveau or delegue != (cible.role == DELEGUE):
        valeurs[Utilisateur.habilite_par] = acteur.id
        valeurs[Utilisateur.habilite_le] = maintenant()
    # The journal says what changed (names of fields, and the habilitation's old and new values).
    avant = {nom: getattr(cible, nom) for nom, champ in f.champs.items() if champ.journal}
    changes = f.changements(avant, {"nom": f.nom.upper(), "unite": f.unite_id})
    if (f.niveau or None) != cible.niveau:
        changes.append(f"niveau {cible.niveau or 'aucun'} → {f.niveau or 'aucun'}")
    if delegue != (cible.role == DELEGUE):
        changes.append("administrateur délégué" if delegue else "n'est plus administrateur délégué")
    async with ecriture():
        await verrouiller(Organisme, acteur.organisme)
        if cible.statut == ACTIF and await courriel_pris(acteur.organisme, f.courriel, cible.id):
            raise CourrielPris
        # Read under the organisation's lock, which a unit's rename takes too.
        valeurs[Utilisateur.unite_cle] = await cle_unite(f.unite_id)
        await Utilisateur.update(valeurs).where(Utilisateur.id == cible.id)
        await journaliser("gestionnaire_modifie", acteur, cible=cible.id, detail=", ".join(changes) or "aucun changement")
        if f.courriel != cible.courriel:
            # Both addresses hear of it: the old one, so that a takeover (new address, then a
            # renewal sent there) never goes unnoticed by the account's holder.
            qui = await Utilisateur.objects().where(Utilisateur.id == acteur.id).first()
            for destinataire, sujet, corps in courriels_changement_adresse(qui, cible, f.courriel):
                await file_d_envoi.mettre_en_file(destinataire, sujet, corps)
    if f.courriel != cible.courriel:
        file_d_envoi.reveiller()


def courriels_changement_adresse(acteur: Utilisateur, cible: Utilisateur, nouveau: str) -> list[tuple[str, str, str]]:
    service = Settings.from_env().nom_service
    sujet = f"{service} : l'adresse de courriel de votre compte a été modifiée"
    qui = f"{nom_affiche(acteur)}, administrateur de votre organisme,"
    fin = (
        "Si ce changement vous surprend, prévenez sans attendre l'administrateur principal de votre organisme.\n\n"
        "Ce message est envoyé automatiquement, merci de ne pas y répondre.\n"
    )
    return [
        (
            cible.courriel,
            sujet,
            f"Bonjour {nom_affiche(cible)},\n\n{qui} vient de remplacer l'adresse de courriel de votre compte du {service} "
            f"(identifiant {cible.identifiant}) par {nouveau}. Les prochains messages du portail, dont un éventuel "
            f"mot de passe temporaire, iront à cette adresse.\n\n{fin}",
        ),
        (
            nouveau,
            sujet,
            f"Bonjour {nom_affiche(cible)},\n\n{qui} vient d'inscrire cette adresse comme adresse de courriel de votre "
            f"compte du {service} (identifiant {cible.identifiant}), à la place de {cible.courriel}.\n\n{fin}",
        ),
    ]


async def changer_statut(acteur: Acteur, cible: Utilisateur, statut: str) -> None:
    async with ecriture():
        await verrouiller(Organisme, acteur.organisme)
        # Reactivating must not make two active gestionnaires share a courriel.
        if statut == ACTIF and await courriel_pris(acteur.organisme, cible.courriel, cible.id):
            raise CourrielPris
        await Utilisateur.update({Utilisateur.statut: statut}).where(Utilisateur.id == cible.id)
        if statut == SUSPENDU:
            await sessions.fermer_toutes(cible.id)
        type_ = "gestionnaire_suspendu" if statut == SUSPENDU else "gestionnaire_reactive"
        await journaliser(type_, acteur, cible=cible.id)


# --- The gestionnaire page's history -------------------------------------------------------------

# The journal's kinds that change an account's status (a feature that adds one adds it here).
TYPES_STATUT = ["gestionnaire_suspendu", "gestionnaire_reactive", "suspension_inactivite"]
HISTORIQUE_MAX = 5  # the newest status changes shown; the journal, filtered on the account, holds them all


@dataclass(frozen=True)
class Historique:
    createur: dict | None  # prenom, nom, identifiant of who created the account (None: at the organisation's registration)
    statuts: list[dict]  # cree_le, type, acteur (identifiant), newest first, at most HISTORIQUE_MAX
    plus: bool  # older status changes exist


async def historique(g: Utilisateur) -> Historique:
    createur = None
    if g.cree_par is not None:
        createur = (
            await Utilisateur.select(Utilisateur.prenom, Utilisateur.nom, Utilisateur.identifiant)
            .where(Utilisateur.id == g.cree_par)
            .first()
        )
    statuts = (
        await Journal.select(Journal.cree_le, Journal.type, Journal.acteur.identifiant.as_alias("acteur"))
        .where((Journal.cible == g.id) & Journal.type.is_in(TYPES_STATUT))
        .order_by(Journal.id, ascending=False)
        .limit(HISTORIQUE_MAX + 1)
    )
    return Historique(createur, statuts[:HISTORIQUE_MAX], len(statuts) > HISTORIQUE_MAX)


async def gestionnaire_de(organisme_id: int, id_: int) -> Utilisateur | None:
    """Another organisation's account is never found, whatever the id."""
    return await Utilisateur.objects().where((Utilisateur.id == id_) & (Utilisateur.organisme == organisme_id)).first()


async def seul_gestionnaire(organisme_id: int) -> bool:
    # Two rows are enough to know: counting 20 000 gestionnaires on each page view is not.
    return len(await Utilisateur.select(Utilisateur.id).where(Utilisateur.organisme == organisme_id).limit(2)) == 1


async def organisme(id_: int) -> Organisme:
    return await Organisme.objects().where(Organisme.id == id_).first()
