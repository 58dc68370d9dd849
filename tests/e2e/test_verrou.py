"""Journey: a stranger guesses a principal administrator's password in another browser and locks
the identifiant for unknown browsers; the owner is told by mail and, from the browser they signed
in with before, still signs in (OWASP device cookies, docs/regles.md)."""

from __future__ import annotations

import re

from playwright.async_api import Page, expect

from tests.e2e.conftest import audit, champ, premiere_connexion, s_identifier
from tests.e2e.test_premiere_connexion import NOUVEAU, inscrire


async def se_connecter(page: Page, identifiant: str, mot_de_passe: str) -> None:
    await page.goto("/connexion")
    await champ(page, "Identifiant").fill(identifiant)
    await champ(page, "Mot de passe").fill(mot_de_passe)
    await page.get_by_role("button", name="Je m'identifie").click()


async def test_un_inconnu_bloque_les_inconnus_mais_pas_le_titulaire(page: Page, new_context, boite):
    courriel = "rose.verrou@example.fr"
    deja = len(boite.messages)
    identifiant = inscrire(boite, courriel, "Rose", "Verrou")
    await premiere_connexion(page, identifiant, await boite.mot_de_passe(courriel, deja))
    await page.get_by_role("button", name="Se déconnecter").click()
    await expect(page.get_by_text("Vous êtes déconnecté.")).to_be_visible()

    # Another browser, which never signed in to this identifiant.
    inconnu = await (await new_context()).new_page()
    for _ in range(4):
        await se_connecter(inconnu, identifiant, "Mauvais123abc")
        await expect(inconnu.get_by_text("Identifiant ou mot de passe incorrect.")).to_be_visible()
    await se_connecter(inconnu, identifiant, "Mauvais123abc")
    bloque = re.compile(r"Trop de tentatives pour cet identifiant : vous pourrez réessayer dans 1 minute")
    await expect(inconnu.get_by_text(bloque)).to_be_visible()
    await audit(inconnu, "identifiant bloqué pour un poste inconnu")
    await se_connecter(inconnu, identifiant, NOUVEAU)  # even the right password waits there
    await expect(inconnu.get_by_text(re.compile("Trop de tentatives pour cet identifiant"))).to_be_visible()

    # The owner hears of it.
    temporaire = next(i for i, m in enumerate(boite.messages) if i >= deja and courriel in str(m["To"]))
    alerte = await boite.attendre(courriel, apres=temporaire + 1)
    if "sécurité de votre compte" in str(alerte["Subject"]):  # the second factor's enrolment came first
        alerte = await boite.attendre(courriel, apres=boite.messages.index(alerte) + 1)
    assert "tentatives de connexion" in str(alerte["Subject"])
    assert identifiant in alerte.get_content() and "n'est pas bloqué" in alerte.get_content()

    # The owner's own browser is not locked out.
    await s_identifier(page, identifiant, NOUVEAU)
    await expect(page.get_by_role("button", name="Se déconnecter")).to_be_visible()
