"""Gérer les habilitations: search, create, change, suspend (rules in web.droits)."""

from __future__ import annotations

from dataclasses import dataclass

from piccolo.engine.sqlite import SQLiteEngine

from web import courriels, sessions
from web.comptes.service import nom_affiche, ouvrir_compte
from web.db import ecriture, est_doublon
from web.entrees import entier
from web.entrees import page as numero_de_page
from web.habilitations.forms import FormGestionnaire
from web.journal import journaliser
from web.recherche import cle, intervalle_prefixe
from web.settings import Settings
from web.tables import ACTIF, DELEGUE, GESTIONNAIRE, SUSPENDU, Organisme, Unite, Utilisateur
from web.temps import maintenant

PAR_PAGE = 20


@dataclass(frozen=True)
class Criteres:
    prenom: str = ""
    nom: str = ""
    identifiant: str = ""
    unite: str = ""
    page: int = 1

    @classmethod
    def lire(cls, q) -> Criteres:
        page = q.get("page", "1")
        return cls(
            prenom=q.get("prenom", "").strip()[:100],
            nom=q.get("nom", "").strip()[:100],
            identifiant=q.get("identifiant", "").strip()[:8],
            unite=q.get("unite", "").strip()[:12],
            page=numero_de_page(page),
        )


def requetes_recherche(organisme_id: int, c: Criteres):
    """(count, page) queries: always within one organisation; names and identifiant by prefix,
    as an index range on their search keys (also what bench/ explains)."""
    filtre = Utilisateur.organisme == organisme_id
    for colonne, saisie in ((Utilisateur.nom_cle, c.nom), (Utilisateur.prenom_cle, c.prenom), (Utilisateur.identifiant, c.identifiant)):
        if intervalle := intervalle_prefixe(saisie):
            filtre &= colonne >= intervalle[0]
            if intervalle[1] is not None:
                filtre &= colonne < intervalle[1]
    if (unite := entier(c.unite, minimum=1)) is not None:
        filtre &= Utilisateur.unite == unite
    page = (
        Utilisateur.select(
            Utilisateur.id, Utilisateur.civilite, Utilisateur.prenom, Utilisateur.nom, Utilisateur.identifiant,
            Utilisateur.unite.nom.as_alias("unite_nom"), Utilisateur.niveau, Utilisateur.role, Utilisateur.statut,
        )
        .where(filtre)
        .order_by(Utilisateur.nom_cle)
        .order_by(Utilisateur.prenom_cle)
        .order_by(Utilisateur.id)
        .limit(PAR_PAGE)
        .offset((c.page - 1) * PAR_PAGE)
    )  # fmt: skip
    return Utilisateur.count().where(filtre), page


async def rechercher(organisme_id: int, c: Criteres) -> tuple[list[dict], int]:
    compte, page = requetes_recherche(organisme_id, c)
    return await page, await compte


async def unites(organisme_id: int) -> list[dict]:
    return await Unite.select(Unite.id, Unite.nom).where(Unite.organisme == organisme_id).order_by(Unite.nom)


async def unite_de(organisme_id: int, unite_id: int | None) -> bool:
    return unite_id is None or await Unite.exists().where((Unite.id == unite_id) & (Unite.organisme == organisme_id))


async def creer_unite(acteur: Utilisateur, nom: str, adresse: str) -> tuple[int | None, str | None]:
    nom = " ".join(nom.split())
    if not nom:
        return None, "Saisissez le nom de la nouvelle unité."
    if len(nom) > 100:
        return None, "Le nom de l'unité doit compter 100 caractères au maximum."
    async with ecriture():
        existante = await Unite.select(Unite.id).where((Unite.organisme == acteur.organisme) & (Unite.nom == nom)).first()
        if existante:
            return existante["id"], None
        u = Unite(organisme=acteur.organisme, nom=nom)
        await u.save()
        await journaliser("unite_creee", acteur=acteur.id, organisme=acteur.organisme, adresse=adresse, detail=nom)
    return u.id, None


async def courriel_pris(organisme_id: int, courriel: str, sauf: int | None = None) -> bool:
    """A courriel is used once among the organisation's active gestionnaires."""
    filtre = (Utilisateur.organisme == organisme_id) & (Utilisateur.statut == ACTIF) & (Utilisateur.courriel == courriel.lower())
    if sauf is not None:
        filtre &= Utilisateur.id != sauf
    return await Utilisateur.exists().where(filtre)


COURRIEL_PRIS = "Cette adresse de courriel est déjà utilisée par un gestionnaire actif de votre organisme."


class CourrielPris(Exception):
    """Another active gestionnaire took the courriel between the form check and the write."""


async def verrouiller_organisme(organisme_id: int) -> None:
    """Serialises the writes that check "courriel free among active gestionnaires" within one
    organisation. SQLite's BEGIN IMMEDIATE already does; PostgreSQL needs a row lock."""
    if not isinstance(Organisme._meta.db, SQLiteEngine):
        await Organisme.raw("SELECT id FROM organisme WHERE id = {} FOR UPDATE", organisme_id)


async def creer(settings: Settings, acteur: Utilisateur, f: FormGestionnaire, *, delegue: bool, adresse: str) -> Utilisateur:
    """The account, its journal line and its mail: one transaction, retried if the random
    identifiant collided with one created at the same instant (PostgreSQL)."""
    for essai in range(5):
        try:
            async with ecriture():
                await verrouiller_organisme(acteur.organisme)
                if await courriel_pris(acteur.organisme, f.courriel):
                    raise CourrielPris
                u = Utilisateur(
                    organisme=acteur.organisme,
                    role=DELEGUE if delegue else GESTIONNAIRE,
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
                await journaliser(
                    "gestionnaire_cree", acteur=acteur.id, cible=u.id, organisme=acteur.organisme, adresse=adresse,
                    detail=f"{'administrateur délégué' if delegue else 'gestionnaire'}, niveau {f.niveau or 'aucun'}",
                )  # fmt: skip
            courriels.reveiller()
            return u
        except Exception as exc:
            if not est_doublon(exc) or essai == 4:
                raise
    raise AssertionError("unreachable")


async def modifier(acteur: Utilisateur, cible: Utilisateur, f: FormGestionnaire, *, delegue: bool, adresse: str) -> None:
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
    changes = [
        LIBELLES_CHAMPS[col._meta.name]
        for col, v in valeurs.items()
        if col._meta.name in LIBELLES_CHAMPS and getattr(cible, col._meta.name) != v
    ]
    if (f.niveau or None) != cible.niveau:
        changes.append(f"niveau {cible.niveau or 'aucun'} → {f.niveau or 'aucun'}")
    if delegue != (cible.role == DELEGUE):
        changes.append("administrateur délégué" if delegue else "n'est plus administrateur délégué")
    async with ecriture():
        await verrouiller_organisme(acteur.organisme)
        if cible.statut == ACTIF and await courriel_pris(acteur.organisme, f.courriel, cible.id):
            raise CourrielPris
        await Utilisateur.update(valeurs).where(Utilisateur.id == cible.id)
        await journaliser(
            "gestionnaire_modifie", acteur=acteur.id, cible=cible.id, organisme=acteur.organisme, adresse=adresse,
            detail=", ".join(changes) or "aucun changement",
        )  # fmt: skip
        if f.courriel != cible.courriel:
            # Both addresses hear of it: the old one, so that a takeover (new address, then a
            # renewal sent there) never goes unnoticed by the account's holder.
            for destinataire, sujet, corps in courriels_changement_adresse(acteur, cible, f.courriel):
                await courriels.mettre_en_file(destinataire, sujet, corps)
    if f.courriel != cible.courriel:
        courriels.reveiller()


def courriels_changement_adresse(acteur: Utilisateur, cible: Utilisateur, nouveau: str) -> list[tuple[str, str, str]]:
    sujet = "Portail gestionnaire : l'adresse de courriel de votre compte a été modifiée"
    qui = f"{nom_affiche(acteur)}, administrateur de votre organisme,"
    fin = (
        "Si ce changement vous surprend, prévenez sans attendre l'administrateur principal de votre organisme.\n\n"
        "Ce message est envoyé automatiquement, merci de ne pas y répondre.\n"
    )
    return [
        (
            cible.courriel,
            sujet,
            f"Bonjour {nom_affiche(cible)},\n\n{qui} vient de remplacer l'adresse de courriel de votre compte du Portail "
            f"gestionnaire (identifiant {cible.identifiant}) par {nouveau}. Les prochains messages du portail, dont un éventuel "
            f"mot de passe temporaire, iront à cette adresse.\n\n{fin}",
        ),
        (
            nouveau,
            sujet,
            f"Bonjour {nom_affiche(cible)},\n\n{qui} vient d'inscrire cette adresse comme adresse de courriel de votre "
            f"compte du Portail gestionnaire (identifiant {cible.identifiant}), à la place de {cible.courriel}.\n\n{fin}",
        ),
    ]


LIBELLES_CHAMPS = {
    "civilite": "civilité", "prenom": "prénom", "nom": "nom", "courriel": "courriel", "telephone_fixe": "téléphone fixe",
    "telephone_portable": "téléphone portable", "fonction": "fonction", "unite": "unité",
}  # fmt: skip


async def changer_statut(acteur: Utilisateur, cible: Utilisateur, statut: str, *, adresse: str) -> None:
    async with ecriture():
        await verrouiller_organisme(acteur.organisme)
        # Reactivating must not make two active gestionnaires share a courriel.
        if statut == ACTIF and await courriel_pris(acteur.organisme, cible.courriel, cible.id):
            raise CourrielPris
        await Utilisateur.update({Utilisateur.statut: statut}).where(Utilisateur.id == cible.id)
        if statut == SUSPENDU:
            await sessions.fermer_toutes(cible.id)
        type_ = "gestionnaire_suspendu" if statut == SUSPENDU else "gestionnaire_reactive"
        await journaliser(type_, acteur=acteur.id, cible=cible.id, organisme=acteur.organisme, adresse=adresse)


async def gestionnaire_de(acteur: Utilisateur, id_: int) -> Utilisateur | None:
    """Another organisation's account is never found, whatever the id."""
    return await Utilisateur.objects().where((Utilisateur.id == id_) & (Utilisateur.organisme == acteur.organisme)).first()


async def seul_gestionnaire(organisme_id: int) -> bool:
    # Two rows are enough to know: counting 20 000 gestionnaires on each page view is not.
    return len(await Utilisateur.select(Utilisateur.id).where(Utilisateur.organisme == organisme_id).limit(2)) == 1


async def organisme(id_: int) -> Organisme:
    return await Organisme.objects().where(Organisme.id == id_).first()
