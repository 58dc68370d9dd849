"""Mot de passe oublié, in Chromium: a délégué's request reaches the principal administrator only."""

from __future__ import annotations

from playwright.async_api import Page, expect

from tests.e2e.conftest import audit, champ, premiere_connexion
from tests.e2e.test_premiere_connexion import inscrire
from web.comptes.service import ouvrir_compte
from web.db import ecriture
from web.settings import Settings
from web.tables import Courriel, Utilisateur


async def compte_de(principal: str, role: str, prenom: str, nom: str, courriel: str) -> str:
    """A délégué or gestionnaire of the principal's organisation, opened as the service does (mail included)."""
    organisme = (await Utilisateur.objects().where(Utilisateur.identifiant == principal).first()).organisme
    async with ecriture():
        u = Utilisateur(organisme=organisme, role=role, civilite="M.", prenom=prenom, nom=nom.upper(), courriel=courriel,
                        telephone_fixe="01 23 45 67 89")  # fmt: skip
        await ouvrir_compte(Settings.from_env(), u)
    return u.identifiant


async def test_la_demande_d_un_delegue_ne_va_qu_au_principal(page: Page, new_context, boite):
    deja = len(boite.messages)
    principal = inscrire(boite, "iris.principale@example.fr", "Iris", "Principale")
    await premiere_connexion(page, principal, await boite.mot_de_passe("iris.principale@example.fr", deja))
    avant = len(boite.messages)
    denis = await compte_de(principal, "administrateur_delegue", "Denis", "Delegue", "denis.delegue@example.fr")
    await compte_de(principal, "administrateur_delegue", "Diane", "Deux", "diane.deux@example.fr")
    temporaire_diane = await boite.mot_de_passe("diane.deux@example.fr", avant)

    # Denis has forgotten his password: the link under the password field.
    dp = await (await new_context()).new_page()
    await dp.goto("/connexion")
    await dp.get_by_role("link", name="Mot de passe oublié").click()
    await champ(dp, "Identifiant").fill("")
    await dp.get_by_role("button", name="Envoyer la demande").click()
    await expect(dp.get_by_text("Saisissez votre identifiant.").first).to_be_visible()
    await audit(dp, "mot de passe oublié, identifiant manquant")
    await champ(dp, "Identifiant").fill(denis.lower())
    avant = len(boite.messages)
    await dp.get_by_role("button", name="Envoyer la demande").click()
    await expect(dp.get_by_role("status")).to_contain_text("Si cet identifiant correspond à un compte actif")
    alerte = await boite.attendre("iris.principale@example.fr", avant)
    assert denis in alerte.get_content()
    # Told in the same transaction as the request: the other délégué was not among them.
    recus = {
        c["destinataire"] for c in await Courriel.select(Courriel.destinataire).where(Courriel.sujet.like("%demande de renouvellement%"))
    }
    assert "iris.principale@example.fr" in recus and "diane.deux@example.fr" not in recus

    # Diane, the other délégué, sees nothing to serve.
    xp = await (await new_context()).new_page()
    await premiere_connexion(xp, (await Utilisateur.objects().where(Utilisateur.courriel == "diane.deux@example.fr").first()).identifiant,
                             temporaire_diane)  # fmt: skip
    await xp.get_by_role("navigation", name="Mon menu").get_by_role("link", name="Demandes de renouvellement").click()
    await expect(xp.get_by_role("heading", name="Demandes de renouvellement de mot de passe")).to_be_visible()
    await expect(xp.get_by_text("Aucune demande en attente.")).to_be_visible()
    await audit(xp, "demandes d'un délégué : aucune")

    # The principal administrator sees it from the menu and renews it.
    await page.get_by_role("navigation", name="Mon menu").get_by_role("link", name="Demandes de renouvellement").click()
    await expect(page.get_by_role("cell", name=denis)).to_be_visible()
    await audit(page, "demandes du principal")
    avant = len(boite.messages)
    await page.get_by_role("button", name="Renouveler le mot de passe de Denis DELEGUE").click()
    await expect(page.get_by_text("Le mot de passe a été renouvelé")).to_be_visible()
    await audit(page, "demande du délégué traitée")
    temporaire = await boite.mot_de_passe("denis.delegue@example.fr", avant)

    # Denis signs in with it and must choose a new one.
    await premiere_connexion(dp, denis, temporaire)
    await expect(dp.get_by_role("navigation", name="Mon menu").get_by_role("link", name="Demandes de renouvellement")).to_be_visible()
