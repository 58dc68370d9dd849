"""`make captures`: screenshots of /composants and of the main screens at 1280 and 320 px wide,
into var/captures/ (a throwaway SQLite database there, a real `portail serve`, Chromium: Playwright's
own where installed, else Debian's, as tests/e2e/conftest.py does). Look at them after changing
the face."""

from __future__ import annotations

import asyncio
import os
import shutil
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SORTIE = ROOT / "var" / "captures"
LARGEURS = {"1280": {"width": 1280, "height": 900}, "320": {"width": 320, "height": 640}}


def preparer_environnement() -> None:
    shutil.rmtree(SORTIE, ignore_errors=True)
    (SORTIE / "courriels").mkdir(parents=True)
    os.environ.update(
        PORTAIL_ENV="development",
        PORTAIL_DATABASE_URL=f"sqlite:///{SORTIE / 'portail.sqlite'}",
        PORTAIL_COURRIELS_DIR=str(SORTIE / "courriels"),
    )
    sys.path.insert(0, str(ROOT))


async def capturer() -> list[Path]:
    from playwright.async_api import async_playwright

    from tests.e2e.conftest import ARGS_ROOT, CHROMIUM_DEBIAN, _chromium_de_playwright
    from tests.e2e.test_face import monde, se_connecter
    from tests.processus import Portail
    from web.cli import _migrer

    await _migrer()
    m = await monde()
    ecrans = [
        "/", f"/titulaires/{m['tid']}", f"/dossiers/{m['did']}", "/habilitations", "/habilitations/ajouter", f"/habilitations/{m['g']}",
        f"/habilitations/{m['g']}/suspendre", "/habilitations/journal", "/profil/mot-de-passe", "/parametres", "/plan-du-site",
    ]  # fmt: skip
    debian = not _chromium_de_playwright() and os.access(CHROMIUM_DEBIAN, os.X_OK)
    serveur = Portail(nom="captures")
    fichiers = []
    try:
        async with async_playwright() as p:
            options = {"args": ARGS_ROOT if os.geteuid() == 0 else []}
            if debian:
                options["executable_path"] = CHROMIUM_DEBIAN
            navigateur = await p.chromium.launch(**options)
            for largeur, viewport in LARGEURS.items():
                contexte = await navigateur.new_context(base_url=serveur.url, locale="fr-FR", viewport=viewport)
                page = await contexte.new_page()

                async def photo(nom: str, page=page, largeur=largeur) -> None:
                    fichier = SORTIE / f"{largeur}-{nom}.png"
                    await page.screenshot(path=str(fichier), full_page=True)
                    fichiers.append(fichier)

                for url in ("/composants", "/connexion", "/accessibilite"):
                    await page.goto(url)
                    await photo(url.strip("/").replace("/", "-") or "accueil")
                await page.goto("/connexion")
                await se_connecter(page, m["principal"])
                await page.wait_for_url("**/")
                for url in ecrans:
                    await page.goto(url)
                    await photo("connecte-" + (url.strip("/").replace("/", "-") or "accueil"))
                if largeur == "320":
                    await page.locator("summary", has_text="Mon menu").click()
                    await photo("connecte-menu-deplie")
                await contexte.close()
            await navigateur.close()
    finally:
        serveur.arreter()
    return fichiers


def main() -> None:
    preparer_environnement()
    fichiers = asyncio.run(capturer())
    print(f"{len(fichiers)} captures dans {SORTIE.relative_to(ROOT)}/")


if __name__ == "__main__":
    main()
