"""Gérer les habilitations: search, create, change, suspend (rules in web.droits)."""

from __future__ import annotations

from dataclasses import dataclass

from web import droits, file_d_envoi, sessions
from web.acteur import Acteur
from web.comptes.service import COURRIEL_PRIS, courriel_pris, nom_affiche, ouvrir_compte  # noqa: F401 - re-exported
from web.db import ecriture, est_doublon, verrouiller
from web.entrees import entier
from web.entrees import page as numero_de_page
from web.habilitations.forms import UNITE_INCONNUE, FormGestionnaire
from web.journal import journaliser
from web.parametres import service as unites
from web.parametres.forms import FormUnite
from web.recherche import cle, intervalle_prefixe
from web.settings import Settings
from web.tables import ACTIF, DELEGUE, GESTIONNAIRE, SUSPENDU, Organisme, Utilisateur
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


async def gestionnaire_de(organisme_id: int, id_: int) -> Utilisateur | None:
    """Another organisation's account is never found, whatever the id."""
    return await Utilisateur.objects().where((Utilisateur.id == id_) & (Utilisateur.organisme == organisme_id)).first()


async def seul_gestionnaire(organisme_id: int) -> bool:
    # Two rows are enough to know: counting 20 000 gestionnaires on each page view is not.
    return len(await Utilisateur.select(Utilisateur.id).where(Utilisateur.organisme == organisme_id).limit(2)) == 1


async def organisme(id_: int) -> Organisme:
    return await Organisme.objects().where(Organisme.id == id_).first()
