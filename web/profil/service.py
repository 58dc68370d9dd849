"""« Mes informations professionnelles »: one's own contact details, journaled (which fields, not
their values), the old address told of a change."""

from __future__ import annotations

from web import file_d_envoi
from web.acteur import Acteur
from web.comptes.service import COURRIEL_PRIS, courriel_pris, nom_affiche
from web.db import ecriture
from web.journal import journaliser
from web.profil.forms import FormMesCoordonnees
from web.settings import Settings
from web.tables import Unite, Utilisateur


async def nom_unite(moi: Utilisateur) -> str:
    unite = await Unite.select(Unite.nom).where(Unite.id == moi.unite).first() if moi.unite else None
    return unite["nom"] if unite else ""


async def verifier_courriel(moi: Utilisateur, form: FormMesCoordonnees) -> None:
    """A courriel is used once among the organisation's active gestionnaires."""
    if "courriel" not in form.erreurs and form.courriel != moi.courriel and await courriel_pris(moi.organisme, form.courriel, moi.id):
        form.erreurs["courriel"] = COURRIEL_PRIS


async def enregistrer(moi: Utilisateur, form: FormMesCoordonnees, acteur: Acteur) -> None:
    avant = {"courriel": moi.courriel, "telephone_fixe": moi.telephone_fixe, "telephone_portable": moi.telephone_portable}
    async with ecriture():
        await Utilisateur.update({getattr(Utilisateur, k): getattr(form, k) for k in avant}).where(Utilisateur.id == moi.id)
        await journaliser("profil_modifie", acteur, cible=moi.id, detail=", ".join(form.changements(avant)) or "aucun changement")
        if form.courriel != moi.courriel:
            # The old address hears of it: if someone else made the change, its owner knows.
            service = Settings.from_env().nom_service
            await file_d_envoi.mettre_en_file(
                moi.courriel,
                f"{service} : votre adresse de courriel a été modifiée",
                f"Bonjour {nom_affiche(moi)},\n\nL'adresse de courriel de votre compte du {service} vient d'être "
                f"remplacée par {form.courriel}.\n\nSi vous n'êtes pas à l'origine de ce changement, prévenez sans attendre "
                "votre administrateur.\n\nCe message est envoyé automatiquement, merci de ne pas y répondre.\n",
            )
    file_d_envoi.reveiller()
