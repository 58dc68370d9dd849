"""Journey: a gestionnaire's temporary password is refused by the mail relay (a mistyped address).
Their administrator sees it on « Gérer les habilitations », opens the person's page, corrects the
address and renews the password from the notice; the new mail arrives."""

from __future__ import annotations

from playwright.async_api import Page, expect

from tests.e2e.conftest import audit, champ, confirmer, premiere_connexion
from tests.e2e.test_habilitations import remplir
from tests.e2e.test_premiere_connexion import inscrire


async def test_un_mot_de_passe_non_remis_est_renouvele_par_l_administrateur(page: Page, boite):
    deja = len(boite.messages)
    principal = inscrire(boite, "rose.principal@example.fr", "Rose", "Principal")
    await premiere_connexion(page, principal, await boite.mot_de_passe("rose.principal@example.fr", deja))

    await page.goto("/habilitations/ajouter")
    await remplir(page, "Lucie", "Delahaie", "lucie@inconnu.example")  # a typing mistake in the domain
    await page.get_by_role("button", name="Enregistrer").click()
    await expect(page.get_by_role("heading", name="Création d'un gestionnaire")).to_be_visible()

    # The relay refuses it for good (550): no retry, and the administrator is told.
    notice = page.get_by_role("region", name="Courriels non remis")
    for _ in range(30):
        await page.goto("/habilitations")
        if await notice.count():
            break
        await page.wait_for_timeout(500)
    await expect(notice).to_contain_text("non remis à lucie@inconnu.example, refus définitif du serveur de messagerie (550)")
    await audit(page, "habilitations, courriel non remis")

    await notice.get_by_role("link", name="Mme Lucie DELAHAIE").click()
    fiche = page.get_by_role("region", name="Courriel non remis")
    await expect(fiche).to_contain_text("n'a pas pu être remis à lucie@inconnu.example")
    await audit(page, "fiche, courriel non remis")
    await champ(page, "Courriel").fill("lucie@example.fr")
    await champ(page, "Confirmation courriel").fill("lucie@example.fr")
    await page.get_by_role("button", name="Enregistrer").click()
    await expect(page.get_by_text("Les modifications ont bien été enregistrées.")).to_be_visible()

    avant = len(boite.messages)
    await confirmer(page.get_by_role("region", name="Courriel non remis"), "Renouveler le mot de passe", page=page)
    await expect(page.get_by_text("Un nouveau mot de passe temporaire vient de lui être envoyé par courriel.")).to_be_visible()
    await expect(page.get_by_role("region", name="Courriel non remis")).to_have_count(0)
    assert await boite.mot_de_passe("lucie@example.fr", avant)
