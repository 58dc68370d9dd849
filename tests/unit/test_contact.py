"""« Nous contacter »: a person of an organisation writes, the Caisse des Dépôts answers, the sender
reads the thread; limits, rights, journal, mails, retention."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from litestar.testing import AsyncTestClient

from tests.unit.conftest import connecte, creer_gestionnaire, creer_organisme, jeton, poster, t
from tests.unit.test_cdc import creer_agent
from web.app import create_app
from web.contact import service
from web.courriels import ouvrir
from web.tables import Courriel, Journal, MessageContact, ReponseContact
from web.temps import maintenant

MESSAGE = {"objet": "Accès au compte d'heures", "message": "Bonjour,\n\nJe ne vois pas le compte de Mme Durand.\nMerci."}


@pytest.fixture
async def monde(client, settings):
    p = await creer_organisme(settings)
    return {
        "agent": await creer_agent(settings),
        "principal": p,
        "gestionnaire": await creer_gestionnaire(settings, p.organisme_id, prenom="Gaston", nom="Gestion"),
        "collegue": await creer_gestionnaire(settings, p.organisme_id, prenom="Colette", nom="Collegue"),
    }


async def envoyer(client, donnees=MESSAGE):
    return await poster(client, "/contact", "/contact", donnees)


def id_du_message(reponse) -> int:
    m = re.fullmatch(r"/contact/messages/(\d+)\?fait=envoye", reponse.headers["location"])
    assert m, reponse.headers.get("location")
    return int(m.group(1))


async def test_le_message_part_et_le_fil_s_affiche(client, monde):
    g = monde["gestionnaire"]
    await connecte(client, g)
    page = await client.get("/contact")
    assert page.status_code == 200
    # The coordonnées are the account's, shown, never typed.
    assert g.courriel in t(page) and "Mme Gaston GESTION" in t(page) and "EMPLOYEUR PUBLIC" in t(page)
    assert "Téléphone fixe 01 23 45 67 89" in t(page)
    assert 'name="courriel"' not in page.text
    r = await envoyer(client)
    assert r.status_code == 303
    mid = id_du_message(r)
    fil = await client.get(r.headers["location"])
    assert "Votre message a été envoyé à la Caisse des Dépôts" in t(fil)
    assert "Accès au compte d'heures" in t(fil) and "Je ne vois pas le compte de Mme Durand.<br>Merci." in fil.text
    assert "n'a pas encore répondu" in t(fil)
    liste = await client.get("/contact/messages")
    assert f'href="/contact/messages/{mid}"' in liste.text and "Nouveau" in t(liste)
    ligne = await Journal.objects().where(Journal.type == "contact_envoye").first()
    assert ligne.acteur == g.id and ligne.organisme == g.organisme_id and ligne.detail == f"message n° {mid}"
    # The guide's sentence on « Mes informations professionnelles » and Aide lead here.
    assert 'href="/contact">formulaire de contact</a>' in (await client.get("/profil")).text
    assert 'href="/contact"' in (await client.get("/aide")).text


@pytest.mark.parametrize(
    ("modif", "message"),
    [
        ({"objet": "  "}, "Saisissez l'objet de votre message."),
        ({"message": "\n \r\n "}, "Saisissez votre message."),
        ({"objet": "x" * 151}, "« Objet » doit compter 150 caractères au maximum."),
        ({"message": "é" * 5001}, "« Message » doit compter 5000 caractères au maximum (il en compte 5001)."),
    ],
)
async def test_saisies_refusees(client, monde, modif, message):
    await connecte(client, monde["gestionnaire"])
    r = await envoyer(client, {**MESSAGE, **modif})
    assert r.status_code == 422 and message in t(r)
    assert await MessageContact.count() == 0 and await Journal.count().where(Journal.type == "contact_envoye") == 0


async def test_sans_jeton_csrf_rien_ne_part(client, monde):
    await connecte(client, monde["gestionnaire"])
    r = await client.post("/contact", data=MESSAGE, follow_redirects=False)
    assert r.status_code == 403 and await MessageContact.count() == 0


async def test_cinq_messages_par_personne_et_par_jour(client, monde, settings):
    await connecte(client, monde["gestionnaire"])
    for i in range(service.MAX_PAR_PERSONNE):
        assert (await envoyer(client, {**MESSAGE, "objet": f"Question {i}"})).status_code == 303
    r = await envoyer(client, {**MESSAGE, "objet": "Une de trop"})
    assert r.status_code == 429 and "Vous avez déjà envoyé 5 messages ces dernières 24 heures" in t(r)
    assert "Une de trop" in r.text  # what was typed is given back
    assert await MessageContact.count() == service.MAX_PAR_PERSONNE
    # The limit is the person's: a colleague still writes.
    async with AsyncTestClient(app=create_app(settings, services=False)) as c:
        await connecte(c, monde["collegue"])
        assert (await envoyer(c)).status_code == 303


async def test_la_limite_tient_sous_des_envois_simultanes(base_vide, settings):
    import asyncio

    from web.acteur import Acteur

    g = await creer_organisme(settings)
    acteur = Acteur(g.id, g.organisme_id, "127.0.0.1")

    async def un() -> bool:
        try:
            await service.envoyer(acteur, "Objet", "Message")
        except service.TropDeMessages:
            return False
        return True

    resultats = await asyncio.gather(*(un() for _ in range(12)))
    assert resultats.count(True) == service.MAX_PAR_PERSONNE == await MessageContact.count()


async def test_la_caisse_des_depots_repond(client, monde, settings):
    g = monde["gestionnaire"]
    await connecte(client, g)
    mid = id_du_message(await envoyer(client))
    async with AsyncTestClient(app=create_app(settings, services=False)) as c:
        await connecte(c, monde["agent"])
        file = await c.get("/cdc/messages")
        assert f'href="/cdc/messages/{mid}"' in file.text and "Mme Gaston GESTION" in t(file)
        assert 'href="/cdc/messages"' in file.text  # the menu's entry
        page = await c.get(f"/cdc/messages/{mid}")
        assert g.courriel in t(page) and "Je ne vois pas le compte" in t(page)
        r = await poster(c, f"/cdc/messages/{mid}", f"/cdc/messages/{mid}/repondre", {"reponse": "Bonjour,\nC'est corrigé.", "vues": "0"})
        assert r.status_code == 303 and r.headers["location"] == f"/cdc/messages/{mid}?fait=repondu"
        assert f'href="/cdc/messages/{mid}"' not in (await c.get("/cdc/messages")).text  # no longer new
        assert f'href="/cdc/messages/{mid}"' in (await c.get("/cdc/messages?statut=repondu")).text
        assert f'href="/cdc/messages/{mid}"' in (await c.get("/cdc/messages?statut=tous")).text
        r = await poster(c, f"/cdc/messages/{mid}", f"/cdc/messages/{mid}/repondre", {"reponse": " "})
        assert r.status_code == 422 and "Saisissez votre réponse." in t(r)
    mail = await Courriel.objects().where(Courriel.sujet.like("%réponse à votre message%")).first()
    assert mail.destinataire == g.courriel and "Accès au compte d'heures" in mail.sujet
    corps = ouvrir(settings, mail.corps)
    assert "C'est corrigé." in corps and f"/contact/messages/{mid}" in corps
    ligne = await Journal.objects().where(Journal.type == "contact_repondu").first()
    assert ligne.acteur == monde["agent"].id and ligne.organisme == g.organisme_id and ligne.cible == g.id
    fil = await client.get(f"/contact/messages/{mid}")
    assert "Réponse de la Caisse des Dépôts" in t(fil) and "C'est corrigé." in t(fil) and "Répondu" in t(fil)


async def test_deux_agents_repondent_en_meme_temps(client, monde, settings):
    await connecte(client, monde["gestionnaire"])
    mid = id_du_message(await envoyer(client))
    async with AsyncTestClient(app=create_app(settings, services=False)) as c:
        await connecte(c, monde["agent"])
        vue = await c.get(f"/cdc/messages/{mid}")  # both agents have the page open, no answer yet
        assert 'name="vues" value="0"' in vue.text
        r1 = await c.post(f"/cdc/messages/{mid}/repondre", data={"_csrf_token": jeton(vue.text), "reponse": "Première", "vues": "0"})
        r2 = await c.post(f"/cdc/messages/{mid}/repondre", data={"_csrf_token": jeton(vue.text), "reponse": "Seconde", "vues": "0"},
                          follow_redirects=False)  # fmt: skip
        assert r1.status_code == 200
        assert r2.headers["location"] == f"/cdc/messages/{mid}?fait=repondu_aussi"
        page = await c.get(r2.headers["location"])
        assert "Un autre agent avait répondu entre-temps" in t(page)
        assert t(page).index("Première") < t(page).index("Seconde")
    assert [r["corps"] for r in await ReponseContact.select(ReponseContact.corps).order_by(ReponseContact.id)] == ["Première", "Seconde"]
    assert await Courriel.count().where(Courriel.sujet.like("%réponse à votre message%")) == 2


async def test_table_des_droits(client, monde, settings):
    await connecte(client, monde["gestionnaire"])
    mid = id_du_message(await envoyer(client))
    lire, ecrire = [("GET", "/contact"), ("GET", "/contact/messages")], [("POST", "/contact")]
    fil = [("GET", f"/contact/messages/{mid}")]
    cdc = [("GET", "/cdc/messages"), ("GET", f"/cdc/messages/{mid}"), ("POST", f"/cdc/messages/{mid}/repondre")]
    attendus = {
        # Someone else's thread does not exist for them (404), their own pages they have.
        "principal": {**dict.fromkeys(lire, 200), **dict.fromkeys(ecrire, 303), **dict.fromkeys(fil, 404), **dict.fromkeys(cdc, 403)},
        "collegue": {**dict.fromkeys(lire, 200), **dict.fromkeys(ecrire, 303), **dict.fromkeys(fil, 404), **dict.fromkeys(cdc, 403)},
        "gestionnaire": {**dict.fromkeys(lire + fil, 200), **dict.fromkeys(ecrire, 303), **dict.fromkeys(cdc, 403)},
        "agent": {**dict.fromkeys(lire + fil + ecrire, 403), ("GET", "/cdc/messages"): 200, ("GET", f"/cdc/messages/{mid}"): 200,
                  ("POST", f"/cdc/messages/{mid}/repondre"): 303},  # fmt: skip
        None: dict.fromkeys(lire + ecrire + fil + cdc, 303),
    }
    for qui, routes in attendus.items():
        async with AsyncTestClient(app=create_app(settings, services=False)) as c:
            if qui:
                await connecte(c, monde[qui])
            for (methode, url), attendu in routes.items():
                if methode == "GET":
                    r = await c.get(url, follow_redirects=False)
                else:
                    token = jeton((await c.get("/connexion")).text)
                    r = await c.post(url, data={"_csrf_token": token, **MESSAGE, "reponse": "Oui."}, follow_redirects=False)
                assert r.status_code == attendu, (qui, methode, url, r.status_code)
                if qui is None:
                    assert r.headers["location"].startswith("/connexion"), url
    async with AsyncTestClient(app=create_app(settings, services=False)) as c:
        await connecte(c, monde["agent"])
        for url in ("/cdc/messages/999999", "/cdc/messages/abc", "/cdc/messages/0"):
            assert (await c.get(url)).status_code == 404, url
        token = jeton((await c.get("/cdc/messages")).text)
        assert (await c.post("/cdc/messages/999999/repondre", data={"_csrf_token": token, "reponse": "x"})).status_code == 404


async def test_les_echanges_anciens_sont_purges(client, monde):
    from web import menage

    await connecte(client, monde["gestionnaire"])
    ancien = id_du_message(await envoyer(client))
    recent = id_du_message(await envoyer(client, {**MESSAGE, "objet": "Récent"}))
    vieux = maintenant() - service.CONSERVATION - timedelta(days=1)
    await MessageContact.update({MessageContact.maj_le: vieux}).where(MessageContact.id == ancien)
    await ReponseContact.insert(ReponseContact(message=ancien, auteur=monde["agent"].id, corps="Vieille réponse", cree_le=vieux))
    assert (await menage.executer())["messages_contact_anciens"] == 1
    assert [m["id"] for m in await MessageContact.select(MessageContact.id)] == [recent]
    assert await ReponseContact.count() == 0
