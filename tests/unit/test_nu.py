"""The Nu HTML checker (vnu-jar, pinned in package.json) on every kind of page: public, signed in
as an administrator and as a Caisse des Dépôts agent, confirmations, forms in error, errors, the
development components page. No error except the hx-* attributes htmx reads."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

from litestar.testing import AsyncTestClient

from tests.unit.conftest import connecte, creer_gestionnaire, creer_organisme, jeton
from tests.unit.test_cdc import creer_agent
from tests.unit.test_dossiers import dossier
from tests.unit.test_titulaires import titulaire
from web.app import create_app

VNU = Path(__file__).resolve().parents[2] / "node_modules" / "vnu-jar" / "build" / "dist" / "vnu.jar"


def erreurs_nu(pages: dict[str, str], dossier_tmp: Path) -> list[str]:
    fichiers = []
    for i, (url, html) in enumerate(pages.items()):
        f = dossier_tmp / f"page-{i}.html"
        f.write_text(html)
        fichiers.append((f, url))
    r = subprocess.run(
        ["java", "-jar", str(VNU), "--errors-only", "--format", "json", *[str(f) for f, _ in fichiers]],
        capture_output=True, text=True, timeout=300, check=False,
    )  # fmt: skip
    urls = {f.name: url for f, url in fichiers}
    messages = json.loads(r.stderr or r.stdout)["messages"]
    return [
        f"{urls.get(str(m.get('url', '')).rsplit('/', 1)[-1], m.get('url'))} : {m['message']}"
        for m in messages
        if not (m["message"].startswith("Attribute “hx-") and "not allowed" in m["message"])
    ]


async def test_le_validateur_nu_ne_trouve_aucune_erreur(base_vide, settings, tmp_path):
    pages: dict[str, str] = {}
    admin = await creer_organisme(settings, type_="operateur")
    g = await creer_gestionnaire(settings, admin.organisme_id, niveau="cloture")
    tid = await titulaire(admin.organisme_id)
    did = await dossier(admin.organisme_id, tid)
    agent = await creer_agent(settings)
    async with AsyncTestClient(app=create_app(settings, services=False)) as c:
        for url in ("/connexion", "/aide", "/mot-de-passe/oublie", f"/mot-de-passe/premiere-connexion?identifiant={g.identifiant}",
                    "/accessibilite", "/mentions-legales", "/donnees-personnelles", "/plan-du-site", "/composants",
                    "/nexiste-pas"):  # fmt: skip
            pages[url] = (await c.get(url)).text
        r = await c.post("/connexion", data={"_csrf_token": jeton(pages["/connexion"]), "identifiant": "", "mot_de_passe": ""})
        pages["POST /connexion (erreurs)"] = r.text
        await connecte(c, admin)
        for url in ("/", f"/titulaires/{tid}", f"/dossiers/{did}", f"/dossiers/{did}/modifier", f"/dossiers/{did}/supprimer",
                    f"/titulaires/{tid}/dossiers/nouveau", "/cloture-simplifiee", "/habilitations", "/habilitations/ajouter",
                    f"/habilitations/{g.id}", f"/habilitations/{g.id}/suspendre", f"/habilitations/{g.id}/renouveler",
                    "/habilitations/journal", "/habilitations/demandes", "/parametres", "/profil", "/profil/mot-de-passe",
                    "/delegations", "/aide", "/plan-du-site", "/contact", "/contact/messages"):  # fmt: skip
            pages[f"admin {url}"] = (await c.get(url)).text
        r = await c.post("/habilitations/ajouter", data={"_csrf_token": jeton(pages["admin /habilitations/ajouter"])})
        pages["admin POST /habilitations/ajouter (erreurs)"] = r.text
        # Importer des gestionnaires: the form, a refused file, the report, the result, the progress.
        from tests.unit.test_importation import AUTRE, BONNE, confirmer, deposer, fichier, verifier

        pages["admin /habilitations/importer"] = (await c.get("/habilitations/importer")).text
        pages["admin POST /habilitations/importer (erreurs)"] = (await deposer(c, b"\xff")).text
        lieu, _ = await verifier(c, fichier(BONNE, AUTRE, "Mme;;Sans;s@exemple.fr;;;;;;"))
        pages["admin rapport d'import"] = (await c.get(lieu)).text
        await confirmer(c, lieu)
        pages["admin import terminé"] = (await c.get(lieu)).text
        lieu, _ = await verifier(c, fichier(*[f"Mme;Agent;Numero{i};agent{i}@exemple.fr;0123456789;;;;;" for i in range(25)]))
        await confirmer(c, lieu)
        pages["admin import en cours"] = (await c.get(lieu)).text
    async with AsyncTestClient(app=create_app(settings, services=False)) as c:
        await connecte(c, agent)
        org = admin.organisme_id
        for url in ("/cdc", "/cdc/inscrire", f"/cdc/organismes/{org}", f"/cdc/organismes/{org}/suspendre",
                    f"/cdc/organismes/{org}/renouveler", f"/cdc/organismes/{org}/transferer?nouveau={g.id}", "/cdc/demandes",
                    "/cdc/messages"):  # fmt: skip
            pages[f"agent {url}"] = (await c.get(url)).text
    assert all("<html" in html for html in pages.values())
    assert erreurs_nu(pages, tmp_path) == []
