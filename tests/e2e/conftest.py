"""End-to-end set-up: a real `portail serve` process on loopback, a real SMTP server
(aiosmtpd) it delivers to, and Chromium driven by Playwright."""

from __future__ import annotations

import asyncio
import email
import glob
import os
import re
import time
from email.policy import default as politique_mail
from pathlib import Path

import pytest
from aiosmtpd.controller import Controller
from axe_playwright_python.async_playwright import Axe
from playwright.async_api import Page, expect

from tests.conftest import extraire_mot_de_passe
from tests.processus import Portail, port_libre

ROOT = Path(__file__).resolve().parents[2]
CHROMIUM_DEBIAN = "/usr/bin/chromium"
ARGS_ROOT = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


def _chromium_de_playwright() -> bool:
    racine = os.environ.get("PLAYWRIGHT_BROWSERS_PATH") or str(Path.home() / ".cache" / "ms-playwright")
    return bool(glob.glob(os.path.join(racine, "chromium*")))


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args):
    """Playwright's own Chromium where installed, as on a laptop; else Debian's."""
    args = dict(browser_type_launch_args)
    if not _chromium_de_playwright() and os.path.exists(CHROMIUM_DEBIAN):
        args["executable_path"] = CHROMIUM_DEBIAN
    if hasattr(os, "geteuid") and os.geteuid() == 0:
        args["args"] = [*args.get("args", []), *ARGS_ROOT]
    return args


@pytest.fixture(scope="session")
def browser_context_args(browser_context_args, serveur):
    return {**browser_context_args, "base_url": serveur, "locale": "fr-FR"}


class BoiteAuxLettres:
    """What the portal's SMTP client delivered, as a person's mailbox would show it. Addresses of
    the domain `inconnu.example` are refused for good (550), as a relay refuses an unknown mailbox."""

    def __init__(self) -> None:
        self.messages: list[email.message.EmailMessage] = []

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):  # noqa: N802 - aiosmtpd's hook
        if address.endswith("@inconnu.example"):
            return "550 5.1.1 Destinataire inconnu"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        self.messages.append(email.message_from_bytes(envelope.content, policy=politique_mail))
        return "250 OK"

    async def attendre(self, destinataire: str, apres: int = 0, delai: float = 15.0) -> email.message.EmailMessage:
        fin = time.monotonic() + delai
        while time.monotonic() < fin:
            for m in self.messages[apres:]:
                if destinataire in str(m["To"]):
                    return m
            await asyncio.sleep(0.1)
        raise AssertionError(f"aucun courriel reçu pour {destinataire}")

    async def mot_de_passe(self, destinataire: str, apres: int = 0) -> str:
        m = await self.attendre(destinataire, apres)
        return extraire_mot_de_passe(m.get_content())


@pytest.fixture(scope="session")
def boite() -> BoiteAuxLettres:
    b = BoiteAuxLettres()
    controleur = Controller(b, hostname="127.0.0.1", port=port_libre())
    controleur.start()
    b.port = controleur.port
    yield b
    controleur.stop()


@pytest.fixture(scope="session")
def serveur(boite, base_migree) -> str:
    port = port_libre()
    p = Portail(env={"PORTAIL_SMTP_URL": f"smtp://127.0.0.1:{boite.port}", "PORTAIL_BASE_URL": f"http://127.0.0.1:{port}"}, port=port)
    _SERVEURS.append(p)
    yield p.url
    p.arreter()


_SERVEURS: list[Portail] = []


@pytest.fixture(scope="package", autouse=True)
def serveur_arrete_apres_les_parcours():
    """The server (session-wide, as Playwright's context fixtures are) stops with the last
    journey: otherwise its mail sender would keep claiming the outbox of the tests that follow."""
    yield
    for p in _SERVEURS:
        p.arreter()


AXE = Axe()


async def audit(page: Page, etat: str) -> None:
    """axe-core on the page as it stands: zero violations allowed."""
    resultats = await AXE.run(page)
    assert resultats.violations_count == 0, f"{etat} :\n{resultats.generate_report()}"


async def sans_defilement_horizontal(page: Page, ou: str) -> None:
    """WCAG 1.4.10 (reflow): the page itself never scrolls sideways; a wide table scrolls inside
    its own frame."""
    largeurs = await page.evaluate("[document.documentElement.scrollWidth, window.innerWidth]")
    assert largeurs[0] <= largeurs[1], f"{ou} : la page défile horizontalement ({largeurs[0]} > {largeurs[1]} px)"


ETROIT = {"width": 320, "height": 640}


async def aussi_a_320_px(page: Page, etat: str) -> None:
    """The state on screen, again at 320 CSS px (WCAG 1.4.10): no horizontal scroll of the page,
    axe-core clean; then back to the page's own width."""
    avant = page.viewport_size
    await page.set_viewport_size(ETROIT)
    await sans_defilement_horizontal(page, f"320 px, {etat}")
    await audit(page, f"320 px, {etat}")
    await page.set_viewport_size(avant)


def champ(page: Page, libelle: str):
    """The field whose label reads `libelle`, with or without its required-field asterisk."""
    return page.get_by_label(re.compile(rf"^{re.escape(libelle)}( \*)?$"))


# Fail in seconds, not the default 30: every page here is local.
expect.set_options(timeout=8000)


# The second factor of each account these journeys enrolled, as its holder keeps it: the
# application's secret, the last time step used, the recovery codes.
FACTEURS: dict[str, dict] = {}
APRES_MOT_DE_PASSE = re.compile(r"/(connexion/(second-facteur|enrolement)|cgu|cdc)?(\?suite=[^&]*)?$")


async def second_facteur(page: Page, identifiant: str) -> None:
    """After the password step: the required enrolment (the secret read on the page, the code
    computed as an authenticator app does), or the second step with the next unused code."""
    import pyotp

    from web.facteurs import totp

    if page.url.endswith("/connexion/enrolement"):
        secret = (await page.locator("#secret").inner_text()).replace(" ", "")
        pas = totp.pas_courant()
        await champ(page, "Code à usage unique").fill(pyotp.TOTP(secret).at(pas * totp.PERIODE))
        await page.get_by_role("button", name="Activer").click()
        await expect(page.get_by_role("heading", name="Vos codes de secours")).to_be_visible()
        codes = await page.get_by_role("list", name="Codes de secours").get_by_role("listitem").all_inner_texts()
        FACTEURS[identifiant] = {"secret": secret, "pas": pas, "secours": codes}
        await page.get_by_role("link", name="Continuer").click()
    elif "/connexion/second-facteur" in page.url:  # maybe with the page asked for (?suite=)
        f = FACTEURS[identifiant]
        pas = max(totp.pas_courant(), f["pas"] + 1)
        if pas > totp.pas_courant() + totp.DERIVE:  # two sign-ins within the same 30 s: the next code
            await asyncio.sleep(totp.PERIODE - time.time() % totp.PERIODE + 0.5)
        f["pas"] = pas
        await champ(page, "Code à usage unique").fill(pyotp.TOTP(f["secret"]).at(pas * totp.PERIODE))
        await page.get_by_role("button", name="Valider le code à usage unique").click()


async def s_identifier(page: Page, identifiant: str, mot_de_passe: str) -> None:
    """The sign-in form, then the second factor when the account has or needs one."""
    await page.goto("/connexion")
    await champ(page, "Identifiant").fill(identifiant)
    await champ(page, "Mot de passe").fill(mot_de_passe)
    await page.get_by_role("button", name="Je m'identifie").click()
    await page.wait_for_url(APRES_MOT_DE_PASSE)
    await second_facteur(page, identifiant)


async def premiere_connexion(page: Page, identifiant: str, temporaire: str, nouveau: str = "Kq7vTz9mWr4pX") -> None:
    """The guide's first sign-in, through the browser: forced change, sign-in, second factor, CGU.
    Ends on the home page."""
    await changer_puis_s_identifier(page, identifiant, temporaire, nouveau)
    await second_facteur(page, identifiant)
    await page.wait_for_url(re.compile(r"/(cgu|cdc)?$"))
    if page.url.endswith("/cgu"):  # not when they were accepted before a renewal
        await page.get_by_label("Je déclare avoir lu, compris et accepté les nouvelles Conditions Générales d'Utilisation").check()
        await page.get_by_role("button", name="Confirmer").click()
    await expect(page.get_by_role("button", name="Se déconnecter")).to_be_visible()


async def changer_puis_s_identifier(
    page: Page, identifiant: str, temporaire: str, nouveau: str = "Kq7vTz9mWr4pX", depuis: str | None = None
) -> None:
    """The forced change of the temporary password, then the password step with the new one
    (signing in from the page `depuis`, followed as a link while signed out)."""
    await page.goto(f"/mot-de-passe/premiere-connexion?identifiant={identifiant}")
    await champ(page, "Ancien mot de passe").fill(temporaire)
    await champ(page, "Nouveau mot de passe").fill(nouveau)
    await champ(page, "Confirmation nouveau mot de passe").fill(nouveau)
    await page.get_by_role("button", name="Enregistrer").click()
    await expect(page.get_by_text("Votre mot de passe a bien été mis à jour.")).to_be_visible()
    if depuis:
        await page.goto(depuis)
    await champ(page, "Identifiant").fill(identifiant)
    await champ(page, "Mot de passe").fill(nouveau)
    await page.get_by_role("button", name="Je m'identifie").click()
    await page.wait_for_url(APRES_MOT_DE_PASSE)


@pytest.fixture(scope="module")
def frontal(boite, base_migree):
    """nginx with TLS (deploy/nginx/portail.conf) in front of two `portail serve` in production
    mode, mailing to `boite`: the production journey and the proxy tests share it."""
    from tests.processus import Frontal

    # As deploy/ runs them: only nginx, on loopback, is a trusted proxy.
    f = Frontal(
        2,
        "--proxy-headers",
        "--forwarded-allow-ips",
        "127.0.0.1",
        env={"PORTAIL_ENV": "production", "PORTAIL_SMTP_URL": f"smtp://127.0.0.1:{boite.port}"},
    )
    yield f
    f.arreter()


async def confirmer(zone, lien: str, bouton: str | None = None, page: Page | None = None) -> None:
    """A destructive action (issue 14): its link opens the confirmation in the dialog, audited,
    whose button (`bouton`, else the link's words) does it."""
    page = page or zone
    await zone.get_by_role("link", name=lien).click()
    dialogue = page.get_by_role("dialog")
    await expect(dialogue).to_be_visible()
    await audit(page, f"confirmation : {lien}")
    await dialogue.get_by_role("button", name=bouton or lien).click()
