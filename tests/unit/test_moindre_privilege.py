"""Least privilege for délégués (issue 11, findings 10 and 11): a délégué grants at most their own
level, only the principal manages units in Paramètres, and a change of a gestionnaire's courriel
by an administrator is told to both the old and the new address."""

from __future__ import annotations

import re

from tests.conftest import mot_de_passe_envoye
from tests.unit.conftest import connecte, creer_gestionnaire, creer_organisme, poster, t
from tests.unit.test_habilitations import FORM
from web.tables import Courriel, Unite, Utilisateur

TROP_HAUT = "Vous ne pouvez pas accorder un niveau d'habilitation supérieur au vôtre."


def niveaux_offerts(html: str) -> list[str]:
    return re.findall(r'name="niveau" value="([^"]*)"', html)


async def test_un_delegue_consultation_ne_cree_pas_de_compte_cloture(client, settings):
    p = await creer_organisme(settings, type_="operateur")
    d = await creer_gestionnaire(settings, p.organisme_id, role="administrateur_delegue", niveau="consultation", prenom="Denis", nom="Dele")
    await connecte(client, d)
    assert niveaux_offerts((await client.get("/habilitations/ajouter")).text) == ["", "consultation"]
    moi = {**FORM, "courriel": d.courriel, "confirmation_courriel": d.courriel, "nom": "Pirate"}
    for niveau in ("cloture", "validation", "creation"):
        r = await poster(client, "/habilitations/ajouter", "/habilitations/ajouter", {**moi, "niveau": niveau})
        assert r.status_code == 422 and TROP_HAUT in t(r), niveau
    assert await Utilisateur.count().where(Utilisateur.nom == "PIRATE") == 0
    autre = {**FORM, "niveau": "consultation"}
    assert (await poster(client, "/habilitations/ajouter", "/habilitations/ajouter", autre)).status_code == 303


async def test_un_delegue_garde_mais_n_eleve_pas_le_niveau_d_un_gestionnaire(client, settings):
    p = await creer_organisme(settings, type_="operateur")
    d = await creer_gestionnaire(settings, p.organisme_id, role="administrateur_delegue", niveau="creation", prenom="Denis", nom="Delegue")
    g = await creer_gestionnaire(settings, p.organisme_id, niveau="validation", prenom="Gaston", nom="Gestion")
    await connecte(client, d)
    page = f"/habilitations/{g.id}"
    assert niveaux_offerts((await client.get(page)).text) == ["", "consultation", "creation", "validation"]
    base = {**FORM, "prenom": "Gaston", "nom": "Gestion", "courriel": g.courriel, "confirmation_courriel": g.courriel}
    r = await poster(client, page, page, {**base, "niveau": "cloture"})
    assert r.status_code == 422 and TROP_HAUT in t(r)
    # Keeping the level it already has grants nothing; lowering it is allowed.
    assert (await poster(client, page, page, {**base, "niveau": "validation", "fonction": "Paie"})).status_code == 303
    assert (await poster(client, page, page, {**base, "niveau": "creation"})).status_code == 303
    assert (await Utilisateur.objects().where(Utilisateur.id == g.id).first()).niveau == "creation"
    r = await poster(client, page, page, {**base, "niveau": "validation"})
    assert r.status_code == 422 and TROP_HAUT in t(r)


async def test_le_principal_accorde_tous_les_niveaux(client, settings):
    p = await creer_organisme(settings, type_="operateur")
    await connecte(client, p)
    assert niveaux_offerts((await client.get("/habilitations/ajouter")).text) == ["", "consultation", "creation", "validation", "cloture"]
    assert (await poster(client, "/habilitations/ajouter", "/habilitations/ajouter", {**FORM, "niveau": "cloture"})).status_code == 303


async def test_seul_le_principal_gere_les_unites_dans_parametres(client, settings):
    p = await creer_organisme(settings)
    d = await creer_gestionnaire(settings, p.organisme_id, role="administrateur_delegue", prenom="Denis", nom="Delegue")
    rh = Unite(organisme=p.organisme_id, nom="Service RH")
    await rh.save()
    await connecte(client, d)
    page = await client.get("/parametres")
    assert page.status_code == 200 and "Service RH" in t(page)
    assert "Renommer" not in t(page) and "Supprimer" not in t(page) and "Nom de la nouvelle unité" not in t(page)
    for url, donnees in (("/parametres/unites", {"nom": "Pirate"}), (f"/parametres/unites/{rh.id}", {"nom": "Volée"}),
                         (f"/parametres/unites/{rh.id}/supprimer", {})):  # fmt: skip
        assert (await poster(client, "/parametres", url, donnees)).status_code == 403, url
    assert [u["nom"] for u in await Unite.select(Unite.nom)] == ["Service RH"]
    # From the gestionnaire's form, as the guide shows, a délégué still adds one.
    r = await poster(client, "/habilitations/ajouter", "/habilitations/ajouter", {"action": "ajouter_unite", "nouvelle_unite": "Paie"})
    assert r.status_code == 200 and await Unite.count() == 2


async def test_un_changement_de_courriel_previent_l_ancienne_et_la_nouvelle_adresse(client, settings):
    p = await creer_organisme(settings)
    d = await creer_gestionnaire(settings, p.organisme_id, role="administrateur_delegue", prenom="Denis", nom="Delegue")
    g = await creer_gestionnaire(settings, p.organisme_id, prenom="Gaston", nom="Gestion")
    await connecte(client, d)
    nouveau = "pirate@example.fr"
    page = f"/habilitations/{g.id}"
    donnees = {**FORM, "prenom": "Gaston", "nom": "Gestion", "courriel": nouveau, "confirmation_courriel": nouveau, "niveau": ""}
    assert (await poster(client, page, page, donnees)).status_code == 303
    sujet = Courriel.sujet.like("%adresse de courriel de votre compte a été modifiée%")
    avis = {c.destinataire: c for c in await Courriel.objects().where(sujet)}
    assert set(avis) == {g.courriel, nouveau}
    from web.courriels import ouvrir

    ancien = ouvrir(settings, avis[g.courriel].corps)
    assert nouveau in ancien and g.identifiant in ancien and "Denis DELEGUE" in ancien.replace("DENIS", "Denis")
    # A renewal then goes to the new address, and the old one already knows.
    assert (await poster(client, page, f"{page}/renouveler", {})).status_code == 303
    assert await mot_de_passe_envoye(nouveau)
    # A change that keeps the courriel tells nobody.
    avant = await Courriel.count()
    assert (await poster(client, page, page, {**donnees, "fonction": "Paie"})).status_code == 303
    assert await Courriel.count() == avant
