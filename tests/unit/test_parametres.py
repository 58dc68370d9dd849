"""Paramètres: the organisation's units, bad input, other organisations' ids, journal."""

from __future__ import annotations

from tests.unit.conftest import connecte, creer_gestionnaire, creer_organisme, poster, t
from web.tables import Journal, Unite, Utilisateur

P = "/parametres"


async def unite(organisme_id: int, nom: str) -> Unite:
    u = Unite(organisme=organisme_id, nom=nom)
    await u.save()
    return u


async def test_noms_en_double_refuses_et_saisie_conservee(client, admin):
    await connecte(client, admin)
    rh = await unite(admin.organisme_id, "Service RH")
    paie = await unite(admin.organisme_id, "Paie")
    r = await poster(client, P, f"{P}/unites", {"nom": "  Service   RH "})
    assert r.status_code == 422 and "Une unité de votre organisme porte déjà ce nom." in t(r)
    assert 'value="Service RH"' in r.text
    r = await poster(client, P, f"{P}/unites/{paie.id}", {"nom": "Service RH"})
    assert r.status_code == 422 and "porte déjà ce nom" in t(r)
    assert (await Unite.objects().where(Unite.id == paie.id).first()).nom == "Paie"
    # Renaming a unit to its own name is no conflict.
    assert (await poster(client, P, f"{P}/unites/{rh.id}", {"nom": "Service RH"})).status_code == 303
    assert await Unite.count() == 2


async def test_saisies_refusees(client, admin):
    await connecte(client, admin)
    rh = await unite(admin.organisme_id, "Service RH")
    for donnees, message in [
        ({"nom": ""}, "Saisissez le nouveau nom de l'unité."),
        ({"nom": "   "}, "Saisissez le nouveau nom de l'unité."),
        ({}, "Saisissez le nouveau nom de l'unité."),
        ({"nom": "x" * 10_000}, "100 caractères au maximum"),
    ]:
        r = await poster(client, P, f"{P}/unites/{rh.id}", donnees)
        assert r.status_code == 422 and message in t(r), donnees
    r = await poster(client, P, f"{P}/unites", {"nom": "y" * 10_000})
    assert r.status_code == 422 and "100 caractères au maximum" in t(r)
    r = await poster(client, P, f"{P}/unites", {"nom": "<b>Paie</b>"})
    assert r.status_code == 303
    assert "<b>Paie</b>" not in (await client.get(P)).text  # shown escaped
    assert (await client.post(f"{P}/unites", data={"_csrf_token": "faux", "nom": "Z"})).status_code == 403
    assert {u["nom"] for u in await Unite.select(Unite.nom)} == {"Service RH", "<b>Paie</b>"}


async def test_les_unites_d_un_autre_organisme_sont_hors_d_atteinte(client, admin, settings):
    etranger = await creer_organisme(settings, prenom="Zoe", nom="Autre")
    sienne = await unite(etranger.organisme_id, "Leur unité")
    await connecte(client, admin)
    assert "Leur unité" not in t(await client.get(P))
    assert (await poster(client, P, f"{P}/unites/{sienne.id}", {"nom": "Volée"})).status_code == 404
    assert (await poster(client, P, f"{P}/unites/{sienne.id}/supprimer", {})).status_code == 404
    assert (await poster(client, P, f"{P}/unites/999999/supprimer", {})).status_code == 404
    assert (await Unite.objects().where(Unite.id == sienne.id).first()).nom == "Leur unité"


async def test_journal_et_suppression_refusee(client, admin, settings):
    await connecte(client, admin)
    rh = await unite(admin.organisme_id, "Service RH")
    await poster(client, P, f"{P}/unites/{rh.id}", {"nom": "Ressources humaines"})
    g = await creer_gestionnaire(settings, admin.organisme_id)
    await Utilisateur.update({Utilisateur.unite: rh.id}).where(Utilisateur.id == g.id)
    page = t(await client.get(P))
    assert "Attribuée à des gestionnaires" in page and "Supprimer l'unité" not in page  # the refused action is not offered
    r = await poster(client, P, f"{P}/unites/{rh.id}/supprimer", {})
    assert r.status_code == 422 and "« Ressources humaines » est encore attribuée à des gestionnaires" in t(r)
    await Utilisateur.update({Utilisateur.unite: None}).where(Utilisateur.id == g.id)
    assert (await poster(client, P, f"{P}/unites/{rh.id}/supprimer", {})).status_code == 303
    types = [j["type"] for j in await Journal.select(Journal.type).where(Journal.type.like("unite_%")).order_by(Journal.id)]
    assert types == ["unite_renommee", "unite_supprimee"]
    assert "L'unité a été supprimée." in t(await client.get(f"{P}?fait=supprimee"))


async def test_reserve_aux_administrateurs(client, admin, settings):
    d = await creer_gestionnaire(settings, admin.organisme_id, role="administrateur_delegue", prenom="Denis", nom="Delegue")
    g = await creer_gestionnaire(settings, admin.organisme_id)
    rh = await unite(admin.organisme_id, "Service RH")
    assert (await client.get(P, follow_redirects=False)).status_code == 303  # signed out
    await connecte(client, g)
    assert "Paramètres" not in t(await client.get("/profil"))
    assert (await client.get(P)).status_code == 403
    assert (await poster(client, "/profil", f"{P}/unites", {"nom": "Pirate"})).status_code == 403
    assert (await poster(client, "/profil", f"{P}/unites/{rh.id}/supprimer", {})).status_code == 403
    assert await Unite.count() == 1
    await poster(client, "/", "/deconnexion", {})
    await connecte(client, d)  # a délégué administers too
    assert (await client.get(P)).status_code == 200
