"""« Revue des habilitations »: the principal reviews every account of the organisation (those
not used for 6 months first, then those never signed in), confirms it, changes its level or
suspends it; the review stays open, saved decision by decision, until « Terminer la revue ».

An account is reviewed while it is active: one suspended before the review has no access left to
review (it stays listed once suspended during the review, with its decision)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from piccolo.columns.combination import WhereRaw
from piccolo.query.functions.aggregate import Max
from piccolo.querystring import QueryString

from web import droits, sessions
from web.acteur import Acteur
from web.cdc import service as cdc
from web.db import ecriture, est_doublon, lire_par_cle, lire_planifie, verrouiller
from web.entrees import page as numero_de_page
from web.journal import journaliser
from web.tables import ACTIF, CONFIRME, MODIFIE, PRINCIPAL, SUSPENDU, DecisionRevue, Organisme, Revue, Utilisateur
from web.temps import instant, maintenant, mois_avant

PAR_PAGE = 50
# Accounts not used for this many months come first.
MOIS_NON_UTILISE = 6


class RevueFermee(Exception):
    """The review was finished (by another tab) before this decision."""


class RevueIncomplete(Exception):
    def __init__(self, restants: int) -> None:
        super().__init__(restants)
        self.restants = restants


async def ouverte(organisme_id: int) -> Revue | None:
    return await Revue.objects().where((Revue.organisme == organisme_id) & Revue.terminee_le.is_null()).first()


async def derniere(organisme_id: int) -> dict | None:
    """The last finished review, with who finished it."""
    return (
        await Revue.select(
            Revue.terminee_le, Revue.confirmes, Revue.modifies, Revue.suspendus,
            Revue.terminee_par.prenom.as_alias("prenom"), Revue.terminee_par.nom.as_alias("nom"),
        )
        .where((Revue.organisme == organisme_id) & Revue.terminee_le.is_not_null())
        .order_by(Revue.terminee_le, ascending=False)
        .first()
    )  # fmt: skip


@dataclass(frozen=True)
class Echeance:
    """When the next review is due (None: never reviewed, due now) and whether it is due."""

    prochaine: datetime | None
    due: bool
    en_cours: bool

    @classmethod
    def de(cls, terminee_le: datetime | None, periode: timedelta, en_cours: bool) -> Echeance:
        """From the last finished review's end (None: never reviewed, due now)."""
        prochaine = terminee_le + periode if terminee_le else None
        return cls(prochaine, prochaine is None or prochaine <= maintenant(), en_cours)


async def echeance(organisme_id: int, periode: timedelta) -> Echeance:
    d = await derniere(organisme_id)
    en_cours = await Revue.exists().where((Revue.organisme == organisme_id) & Revue.terminee_le.is_null())
    return Echeance.de(d["terminee_le"] if d else None, periode, en_cours)


async def rappel(moi: Utilisateur, periode: timedelta) -> Echeance | None:
    """The home page's reminder for the principal: a review due or under way, when there is an
    account besides the principal's to review. One query, the home page asking on every visit;
    two accounts are enough to know (counting 20 000 gestionnaires each time is not). A read by
    key, as the session's (web.db.lire_par_cle)."""
    if not droits.peut_revoir_habilitations(moi):
        return None
    [r] = await lire_par_cle(QueryString(
        "SELECT (SELECT COUNT(*) FROM (SELECT 1 FROM utilisateur WHERE organisme = {} LIMIT 2) AS deux) AS comptes, "
        "(SELECT MAX(terminee_le) FROM revue WHERE organisme = {}) AS terminee_le, "
        "EXISTS (SELECT 1 FROM revue WHERE organisme = {} AND terminee_le IS NULL) AS en_cours",
        moi.organisme, moi.organisme, moi.organisme,
    ))  # fmt: skip
    if r["comptes"] < 2:
        return None
    e = Echeance.de(instant(r["terminee_le"]) if r["terminee_le"] is not None else None, periode, bool(r["en_cours"]))
    return e if e.due or e.en_cours else None


async def commencer(acteur: Acteur) -> Revue:
    """Opens the organisation's review, or returns the one already open (a unique index allows one)."""
    if r := await ouverte(acteur.organisme):
        return r
    try:
        async with ecriture():
            r = Revue(organisme=acteur.organisme, ouverte_par=acteur.id, ouverte_le=maintenant())
            await r.save()
            await journaliser("revue_commencee", acteur)
        return r
    except Exception as exc:
        if not est_doublon(exc):
            raise
        return await ouverte(acteur.organisme)


_DEPUIS = """FROM utilisateur u LEFT JOIN decision_revue d ON d.revue = {} AND d.utilisateur = u.id
WHERE u.organisme = {} AND u.role <> {} AND (u.statut = {} OR d.id IS NOT NULL)"""


async def comptes(revue: Revue, page: int) -> tuple[list[dict], int]:
    """One page of the accounts under review: not used for MOIS_NON_UTILISE months (oldest first),
    then never signed in, then the others; each with its decision in this review, if any."""
    limite = mois_avant(maintenant(), MOIS_NON_UTILISE)
    args = (revue.id, revue.organisme, PRINCIPAL, ACTIF)
    # Planned for the organisation at hand (web.db.lire_planifie): one of 20 accounts or of 20,000.
    lignes = await lire_planifie(QueryString(
        "SELECT u.id, u.civilite, u.prenom, u.nom, u.identifiant, u.role, u.niveau, u.statut, u.derniere_connexion, "
        f"d.decision {_DEPUIS} ORDER BY CASE WHEN u.derniere_connexion IS NULL THEN 1 WHEN u.derniere_connexion <= {{}} "
        "THEN 0 ELSE 2 END, u.derniere_connexion, u.nom_cle, u.prenom_cle, u.id LIMIT {} OFFSET {}",
        *args, limite, PAR_PAGE, (page - 1) * PAR_PAGE,
    ))  # fmt: skip
    total = (await lire_planifie(QueryString(f"SELECT COUNT(*) AS n {_DEPUIS}", *args)))[0]["n"]
    for ligne in lignes:
        ligne["non_utilise"] = ligne["derniere_connexion"] is not None and ligne["derniere_connexion"] <= limite
    return lignes, total


async def restants(revue: Revue) -> int:
    """Active accounts (the principal's aside) without a decision in this review."""
    return (
        await lire_planifie(QueryString(
            "SELECT COUNT(*) AS n FROM utilisateur u WHERE u.organisme = {} AND u.role <> {} AND u.statut = {} "
            "AND NOT EXISTS (SELECT 1 FROM decision_revue d WHERE d.revue = {} AND d.utilisateur = u.id)",
            revue.organisme, PRINCIPAL, ACTIF, revue.id,
        ))
    )[0]["n"]  # fmt: skip


async def decomptes(revue_id: int) -> dict[str, int]:
    lignes = await DecisionRevue.raw("SELECT decision, COUNT(*) AS n FROM decision_revue WHERE revue = {} GROUP BY decision", revue_id)
    n = {ligne["decision"]: ligne["n"] for ligne in lignes}
    return {"confirmes": n.get(CONFIRME, 0), "modifies": n.get(MODIFIE, 0), "suspendus": n.get(SUSPENDU, 0)}


async def compte(organisme_id: int, id_: int) -> Utilisateur | None:
    """Another organisation's account is never found, whatever the id."""
    return await Utilisateur.objects().where((Utilisateur.id == id_) & (Utilisateur.organisme == organisme_id)).first()


async def _decider(revue: Revue, cible: Utilisateur, decision: str) -> None:
    """Inside the caller's transaction: the review must still be open; the decision replaces any
    earlier one for this account."""
    await verrouiller(Revue, revue.id)
    if not await Revue.exists().where((Revue.id == revue.id) & Revue.terminee_le.is_null()):
        raise RevueFermee
    await DecisionRevue.delete().where((DecisionRevue.revue == revue.id) & (DecisionRevue.utilisateur == cible.id))
    await DecisionRevue.insert(DecisionRevue(revue=revue.id, utilisateur=cible.id, decision=decision, le=maintenant()))


async def confirmer(acteur: Acteur, revue: Revue, cible: Utilisateur) -> None:
    async with ecriture():
        await _decider(revue, cible, CONFIRME)
        await journaliser("habilitation_confirmee", acteur, cible=cible.id, detail=f"niveau {cible.niveau or 'aucun'}")


async def changer_niveau(acteur: Acteur, revue: Revue, cible: Utilisateur, niveau: str | None) -> None:
    """The new level (the route checked it is one the principal may grant); the same level is a
    confirmation."""
    if niveau == cible.niveau:
        return await confirmer(acteur, revue, cible)
    async with ecriture():
        await _decider(revue, cible, MODIFIE)
        await Utilisateur.update(
            {Utilisateur.niveau: niveau, Utilisateur.habilite_par: acteur.id, Utilisateur.habilite_le: maintenant()}
        ).where(Utilisateur.id == cible.id)
        detail = f"niveau {cible.niveau or 'aucun'} → {niveau or 'aucun'} (revue des habilitations)"
        await journaliser("gestionnaire_modifie", acteur, cible=cible.id, detail=detail)


async def suspendre(acteur: Acteur, revue: Revue, cible: Utilisateur) -> None:
    """As the gestionnaire's page suspends (sessions closed, the same journal line), recorded in the review."""
    async with ecriture():
        await _decider(revue, cible, SUSPENDU)
        if (
            await Utilisateur.update({Utilisateur.statut: SUSPENDU})
            .where((Utilisateur.id == cible.id) & (Utilisateur.statut == ACTIF))
            .returning(Utilisateur.id)
        ):
            await sessions.fermer_toutes(cible.id)
            await journaliser("gestionnaire_suspendu", acteur, cible=cible.id)


async def terminer(acteur: Acteur, revue: Revue) -> dict[str, int]:
    """Closes the review once every active account has a decision; records and journals the counts."""
    async with ecriture():
        await verrouiller(Revue, revue.id)  # the decisions lock it too: none lands after the counts
        if not await Revue.exists().where((Revue.id == revue.id) & Revue.terminee_le.is_null()):
            raise RevueFermee
        if n := await restants(revue):
            raise RevueIncomplete(n)
        c = await decomptes(revue.id)
        await Revue.update(
            {Revue.terminee_le: maintenant(), Revue.terminee_par: acteur.id, Revue.confirmes: c["confirmes"],
             Revue.modifies: c["modifies"], Revue.suspendus: c["suspendus"]}
        ).where(Revue.id == revue.id)  # fmt: skip
        detail = f"{c['confirmes']} confirmé(s), {c['modifies']} modifié(s), {c['suspendus']} suspendu(s)"
        await journaliser("revue_terminee", acteur, detail=detail)
    return c


# --- The Caisse des Dépôts' list -----------------------------------------------------------------

PAR_PAGE_CDC = 20


@dataclass(frozen=True)
class CriteresCdc:
    """Raison sociale or SIRET (as « Organismes »), type, never reviewed only, page."""

    q: str = ""
    type: str = ""
    jamais: bool = False
    page: int = 1

    @classmethod
    def lire(cls, params, types: dict[str, str]) -> CriteresCdc:
        type_ = params.get("type", "")
        return cls(
            q=params.get("q", "").strip()[:200], type=type_ if type_ in types else "", jamais=params.get("jamais") == "on",
            page=numero_de_page(params.get("page", "1")),
        )  # fmt: skip


async def en_retard(c: CriteresCdc, periode: timedelta) -> tuple[list[dict], int]:
    """Active organisations without a review finished within `periode` (never reviewed included,
    or only them), by raison sociale; each with its last review and its principal's last sign-in
    (the principal is never suspended for inactivity: the Caisse des Dépôts watches it here)."""
    depuis = datetime(1, 1, 1, tzinfo=UTC) if c.jamais else maintenant() - periode
    filtre = cdc.filtre_recherche(c.q) & (Organisme.statut == ACTIF)
    filtre &= WhereRaw("NOT EXISTS (SELECT 1 FROM revue r WHERE r.organisme = organisme.id AND r.terminee_le >= {})", depuis)
    if c.type:
        filtre &= Organisme.type == c.type
    total = await Organisme.count().where(filtre)
    lignes = (
        await Organisme.select(Organisme.id, Organisme.raison_sociale, Organisme.siret, Organisme.type, Organisme.cree_le)
        .where(filtre)
        .order_by(Organisme.raison_sociale)
        .order_by(Organisme.id)
        .limit(PAR_PAGE_CDC)
        .offset((c.page - 1) * PAR_PAGE_CDC)
    )
    ids = [o["id"] for o in lignes] or [0]
    dernieres = {
        r["organisme"]: instant(r["derniere"])
        for r in await Revue.select(Revue.organisme, Max(Revue.terminee_le).as_alias("derniere"))
        .where(Revue.organisme.is_in(ids) & Revue.terminee_le.is_not_null())
        .group_by(Revue.organisme)
    }
    principaux = {
        p["organisme"]: p
        for p in await Utilisateur.select(
            Utilisateur.organisme, Utilisateur.civilite, Utilisateur.prenom, Utilisateur.nom, Utilisateur.identifiant,
            Utilisateur.derniere_connexion,
        ).where((Utilisateur.role == PRINCIPAL) & Utilisateur.organisme.is_in(ids))
    }  # fmt: skip
    for o in lignes:
        o["derniere"], o["principal"] = dernieres.get(o["id"]), principaux.get(o["id"])
    return lignes, total
