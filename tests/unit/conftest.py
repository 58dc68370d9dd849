from __future__ import annotations

import html
import re
from dataclasses import dataclass, field

import pytest
from litestar.testing import AsyncTestClient

from tests.conftest import mot_de_passe_envoye, siret_valide
from web.app import create_app
from web.organismes.forms import FormInscription
from web.organismes.service import inscrire

NOUVEAU = "Kq7vTz9mWr4pX"


@pytest.fixture
async def client(base_vide, settings):
    app = create_app(settings, services=False)
    async with AsyncTestClient(app=app) as c:
        yield c


def t(reponse) -> str:
    """What a person reads: tags removed, entities decoded, white space folded."""
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", reponse.text)).split())


def jeton(html: str) -> str:
    m = re.search(r'name="_csrf_token" value="([^"]+)"', html)
    assert m, "aucun jeton CSRF dans la page"
    return m.group(1)


async def poster(client: AsyncTestClient, page: str, url: str, donnees: dict[str, str], **kw):
    """Loads `page` like a browser (for its token), then submits the form to `url`."""
    r = await client.get(page)
    kw.setdefault("follow_redirects", False)
    return await client.post(url, data={"_csrf_token": jeton(r.text), **donnees}, **kw)


@dataclass
class Compte:
    identifiant: str
    mot_de_passe: str
    courriel: str
    organisme_id: int
    id: int
    # The second factor as its holder keeps it: the application's secret, the last step used,
    # the recovery codes not used yet.
    totp: str | None = None
    pas: int = 0
    secours: list[str] = field(default_factory=list)


async def creer_organisme(settings, *, prenom="Anne", nom="Martin", courriel=None, type_="employeur_public") -> Compte:
    courriel = courriel or f"{prenom}.{nom}.{siret_valide()}@example.fr".lower()
    form = FormInscription.lire(
        {
            "siret": siret_valide(),
            "raison_sociale": "Employeur public",
            "type": type_,
            "civilite": "Mme",
            "prenom": prenom,
            "nom": nom,
            "courriel": courriel,
            "telephone": "0123456789",
        }
    )
    assert not form.erreurs, form.erreurs
    admin = await inscrire(settings, form.inscription())
    return Compte(admin.identifiant, await mot_de_passe_envoye(courriel), courriel, admin.organisme, admin.id)


@pytest.fixture
async def admin(client, settings) -> Compte:
    return await creer_organisme(settings)


async def second_facteur(client, compte: Compte, r):
    """After the password step (`r`, its 303): the required enrolment of a one-time-code
    application (its secret read on the page, as a person copies it), or the second step with
    the next code not yet used (a recovery code when two sign-ins fall in the same 30 s).
    Returns the last response: a 303 to the CGU or the portal, or (after an enrolment, once
    « Continuer » is followed) the portal's home page."""
    import pyotp

    from web.facteurs import totp

    lieu = r.headers.get("location")
    if lieu == "/connexion/enrolement":
        page = await client.get(lieu)
        compte.totp = re.search(r'<code id="secret">([A-Z2-7 ]+)</code>', page.text).group(1).replace(" ", "")
        compte.pas = totp.pas_courant()
        code = pyotp.TOTP(compte.totp).at(compte.pas * totp.PERIODE)
        r = await client.post("/facteurs/totp", data={"_csrf_token": jeton(page.text), "code": code}, follow_redirects=False)
        assert r.status_code == 200, t(r)
        compte.secours = re.findall(r"<code>([A-Z2-9]{5}-[A-Z2-9]{5})</code>", r.text)
        assert len(compte.secours) == 10
        suite = await client.get("/", follow_redirects=False)
        return suite
    if lieu.startswith("/connexion/second-facteur"):  # with, maybe, the page asked for before sign-in
        page = await client.get(lieu)
        pas = max(totp.pas_courant(), compte.pas + 1)
        if compte.totp and pas <= totp.pas_courant() + totp.DERIVE:
            compte.pas = pas
            donnees = {"action": "totp", "code": pyotp.TOTP(compte.totp).at(pas * totp.PERIODE)}
        else:
            donnees = {"action": "secours", "secours": compte.secours.pop()}
        r = await client.post(lieu, data={"_csrf_token": jeton(page.text), **donnees}, follow_redirects=False)
        assert r.status_code == 303, t(r)
    return r


async def s_identifier(client, compte: Compte, mot_de_passe: str | None = None):
    """The sign-in form, then the second factor when the account has or needs one."""
    donnees = {"identifiant": compte.identifiant, "mot_de_passe": mot_de_passe or compte.mot_de_passe}
    r = await poster(client, "/connexion", "/connexion", donnees)
    return await second_facteur(client, compte, r) if r.status_code == 303 else r


async def premiere_connexion(client, compte: Compte, nouveau: str = NOUVEAU) -> None:
    """Forced change then sign-in: leaves the client signed in, CGU not yet accepted."""
    r = await poster(
        client,
        f"/mot-de-passe/premiere-connexion?identifiant={compte.identifiant}",
        "/mot-de-passe/premiere-connexion",
        {"identifiant": compte.identifiant, "ancien": compte.mot_de_passe, "nouveau": nouveau, "confirmation": nouveau},
    )
    assert r.status_code == 303, r.text
    compte.mot_de_passe = nouveau
    r = await s_identifier(client, compte)
    assert r.status_code == 303 and r.headers["location"] == "/cgu", (r.status_code, r.headers.get("location"))


async def connecte(client, compte: Compte) -> None:
    """Signed in with the CGU accepted (the first time through the forced change)."""
    from web.tables import Utilisateur

    u = await Utilisateur.objects().where(Utilisateur.id == compte.id).first()
    if u.mot_de_passe_temporaire:
        await premiere_connexion(client, compte)
    else:
        r = await s_identifier(client, compte)
        assert r.status_code in (200, 303), r.text
    if u.cgu_version is None:
        r = await poster(client, "/cgu", "/cgu", {"accepte": "on", "action": "confirmer"})
        assert r.status_code == 303


async def creer_gestionnaire(
    settings, organisme_id: int, *, role="gestionnaire", niveau=None, prenom="Lucie", nom="Delahaie", unite: int | None = None
) -> Compte:
    """A gestionnaire of an existing organisation, created as the service does (temporary password by mail)."""
    from web.comptes.service import ouvrir_compte
    from web.db import ecriture
    from web.tables import Utilisateur

    courriel = f"{prenom}.{nom}.{siret_valide()}@example.fr".lower()
    async with ecriture():
        u = Utilisateur(organisme=organisme_id, role=role, civilite="Mme", prenom=prenom, nom=nom.upper(), courriel=courriel,
                        telephone_fixe="01 23 45 67 89", niveau=niveau, unite=unite)  # fmt: skip
        await ouvrir_compte(settings, u)
    return Compte(u.identifiant, await mot_de_passe_envoye(courriel), courriel, organisme_id, u.id)
