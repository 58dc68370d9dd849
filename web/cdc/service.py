"""The Caisse des Dépôts' actions on organisations: each journaled with the agent."""

from __future__ import annotations

from dataclasses import dataclass

from piccolo.columns.combination import WhereRaw

from web.acteur import Acteur
from web.db import ecriture
from web.entrees import page
from web.journal import journaliser
from web.recherche import motif_prefixe
from web.tables import ACTIF, DELEGUE, GESTIONNAIRE, PRINCIPAL, SUSPENDU, Organisme, Session, Utilisateur

PAR_PAGE = 20

# The raison sociale is stored upper-case with its accents (web.organismes.service.valider);
# folded the way web.recherche.cle folds the query, in SQL that SQLite and PostgreSQL share,
# so that "eloigne" finds "OFFICE ÉLOIGNÉ" without a key column.
SANS_ACCENTS = "raison_sociale"
for _accents, _lettre in (("ÀÂÄÁÃ", "A"), ("Ç", "C"), ("ÉÈÊË", "E"), ("ÎÏÍÌ", "I"), ("ÔÖÓÒÕ", "O"), ("ÙÛÜÚ", "U"), ("ŸÝ", "Y"), ("Ñ", "N")):
    for _c in _accents:
        SANS_ACCENTS = f"REPLACE({SANS_ACCENTS}, '{_c}', '{_lettre}')"
SANS_ACCENTS = f"REPLACE(REPLACE({SANS_ACCENTS}, 'Œ', 'OE'), 'Æ', 'AE')"


@dataclass(frozen=True)
class Criteres:
    q: str = ""
    page: int = 1

    @classmethod
    def lire(cls, params) -> Criteres:
        return cls(q=params.get("q", "").strip()[:200], page=page(params.get("page", "1")))


def filtre_recherche(q: str):
    """Organisations whose raison sociale holds a word starting with `q`, or whose SIRET starts with it."""
    filtre = Organisme.id > 0
    if q:
        filtre = WhereRaw(f"{SANS_ACCENTS} LIKE {{}}", "%" + motif_prefixe(q))
        chiffres = "".join(q.split())
        if chiffres.isascii() and chiffres.isdigit():
            filtre = filtre | Organisme.siret.like(chiffres[:14] + "%")  # a SIRET, or a name holding digits
    return filtre


async def rechercher(c: Criteres) -> tuple[list[dict], int]:
    filtre = filtre_recherche(c.q)
    total = await Organisme.count().where(filtre)
    lignes = (
        await Organisme.select(Organisme.id, Organisme.raison_sociale, Organisme.siret, Organisme.type, Organisme.statut)
        .where(filtre)
        .order_by(Organisme.raison_sociale)
        .order_by(Organisme.id)
        .limit(PAR_PAGE)
        .offset((c.page - 1) * PAR_PAGE)
    )
    principaux = {
        p["organisme"]: p
        for p in await Utilisateur.select(
            Utilisateur.organisme, Utilisateur.civilite, Utilisateur.prenom, Utilisateur.nom, Utilisateur.identifiant
        ).where((Utilisateur.role == PRINCIPAL) & Utilisateur.organisme.is_in([o["id"] for o in lignes] or [0]))
    }
    for o in lignes:
        o["principal"] = principaux.get(o["id"])
    return lignes, total


async def principal_de(organisme_id: int) -> Utilisateur | None:
    return await Utilisateur.objects().where((Utilisateur.organisme == organisme_id) & (Utilisateur.role == PRINCIPAL)).first()


async def changer_statut(acteur: Acteur, org: Organisme, de: str, vers: str) -> None:
    """Suspend or reactivate, only from `de`: a replayed form changes nothing. A suspended
    organisation's people cannot sign in (web.connexion) and their sessions end now."""
    if org.statut != de:
        return
    statut = vers
    async with ecriture():
        await Organisme.update({Organisme.statut: statut}).where(Organisme.id == org.id)
        if statut == SUSPENDU:
            ids = [r["id"] for r in await Utilisateur.select(Utilisateur.id).where(Utilisateur.organisme == org.id)]
            await Session.delete().where(Session.utilisateur.is_in(ids or [0]))
        type_ = "organisme_suspendu" if statut == SUSPENDU else "organisme_reactive"
        await journaliser(type_, acteur, organisme=org.id, detail=f"{org.raison_sociale} - {org.siret}")


class TransfertImpossible(Exception):
    pass


async def transferer(acteur: Acteur, org: Organisme, nouveau_id: int | None) -> Utilisateur:
    """The principal role moves to another active gestionnaire; the former principal becomes a
    plain gestionnaire. One transaction: exactly one principal at every moment others can see."""
    if nouveau_id is None:
        raise TransfertImpossible
    async with ecriture():
        ancien = await principal_de(org.id)
        nouveau = await Utilisateur.objects().where(
            (Utilisateur.id == nouveau_id) & (Utilisateur.organisme == org.id) & (Utilisateur.statut == ACTIF)
            & (Utilisateur.role.is_in([GESTIONNAIRE, DELEGUE]))
        ).first()  # fmt: skip
        if nouveau is None or ancien is None:
            raise TransfertImpossible
        await Utilisateur.update({Utilisateur.role: GESTIONNAIRE}).where(Utilisateur.id == ancien.id)
        await Utilisateur.update({Utilisateur.role: PRINCIPAL}).where(Utilisateur.id == nouveau.id)
        if await Utilisateur.count().where((Utilisateur.organisme == org.id) & (Utilisateur.role == PRINCIPAL)) != 1:
            raise TransfertImpossible  # rolls the transaction back
        detail = f"de {ancien.identifiant} à {nouveau.identifiant}"
        await journaliser("role_principal_transfere", acteur, cible=nouveau.id, organisme=org.id, detail=detail)
    return nouveau


JOURNAL_PAR_PAGE = 25


async def candidats(organisme_id: int) -> list[dict]:
    """Who may become the principal administrator: the organisation's other active gestionnaires."""
    return (
        await Utilisateur.select(Utilisateur.id, Utilisateur.prenom, Utilisateur.nom, Utilisateur.identifiant)
        .where((Utilisateur.organisme == organisme_id) & (Utilisateur.statut == ACTIF) & (Utilisateur.role != PRINCIPAL))
        .order_by(Utilisateur.nom_cle)
        .order_by(Utilisateur.prenom_cle)
    )


async def organisme_de(id_: int) -> Organisme | None:
    return await Organisme.objects().where(Organisme.id == id_).first()


async def siret_inscrit(siret: str) -> bool:
    return await Organisme.exists().where(Organisme.siret == siret)


async def effectifs(organisme_id: int) -> dict[str, int]:
    """Gestionnaires per level ("" for those without one)."""
    compte: dict[str, int] = {}
    for r in await Utilisateur.select(Utilisateur.niveau).where(Utilisateur.organisme == organisme_id):
        compte[r["niveau"] or ""] = compte.get(r["niveau"] or "", 0) + 1
    return compte
