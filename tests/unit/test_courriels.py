"""The outbox: nothing lost when SMTP is down, nothing sent twice by two senders, a slow relay
waited for, permanent refusals final at once, temporary ones retried for days with one
Message-ID, a hanging relay holding one message only, and a final failure shown to whoever may
renew the password."""

from __future__ import annotations

import asyncio
import dataclasses
import email
import email.policy
import time
from datetime import timedelta

from aiosmtpd.controller import Controller
from litestar.testing import AsyncTestClient

from tests.processus import port_libre
from tests.unit.conftest import creer_gestionnaire, creer_organisme
from web import courriels
from web.tables import Courriel, Journal
from web.temps import maintenant


class Boite:
    """An SMTP relay: `lenteur` seconds before answering the data, `refus` as its answer to
    RCPT (e.g. "550 …"), `temporaire` answers 451 to the next n messages, `pendre` recipients
    whose data it holds for `lenteur` seconds."""

    def __init__(self, lenteur: float = 0, refus: str | None = None, temporaire: int = 0, pendre: str = ""):
        self.recus: list[str] = []
        self.message_ids: list[str] = []
        self.lenteur, self.refus, self.temporaire, self.pendre = lenteur, refus, temporaire, pendre

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):  # noqa: N802 - aiosmtpd's hook
        if self.refus:
            return self.refus
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):  # noqa: N802 - aiosmtpd's hook
        msg = email.message_from_bytes(envelope.content)
        self.message_ids.append(msg["Message-ID"])
        if self.temporaire:
            self.temporaire -= 1
            return "451 4.3.0 Réessayez plus tard"
        if self.lenteur and (not self.pendre or self.pendre in envelope.rcpt_tos[0]):
            await asyncio.sleep(self.lenteur)
        self.recus.append(envelope.rcpt_tos[0])
        return "250 OK"


class Relais:
    def __init__(self, boite: Boite):
        self.boite = boite
        self.ctl = Controller(boite, hostname="127.0.0.1", port=port_libre())

    def __enter__(self):
        self.ctl.start()
        return self

    def __exit__(self, *exc):
        self.ctl.stop()

    def settings(self, settings):
        return dataclasses.replace(settings, smtp_url=f"smtp://127.0.0.1:{self.ctl.port}")


async def test_deux_expediteurs_envoient_chaque_courriel_une_fois(base_vide, settings):
    with Relais(Boite()) as r:
        for i in range(20):
            await courriels.mettre_en_file(f"p{i}@example.fr", "Sujet", "Corps")
        envoyes = await asyncio.gather(courriels.livrer(r.settings(settings)), courriels.livrer(r.settings(settings)))
    assert sum(envoyes) == 20
    assert sorted(r.boite.recus) == sorted(f"p{i}@example.fr" for i in range(20))
    assert await Courriel.count().where(Courriel.statut == "envoye") == 20


async def test_serveur_smtp_absent_le_courriel_attend(base_vide, settings):
    panne = dataclasses.replace(settings, smtp_url=f"smtp://127.0.0.1:{port_libre()}")
    await courriels.mettre_en_file("a@example.fr", "Sujet", "Mot de passe temporaire : X")
    assert await courriels.livrer(panne) == 0
    c = await Courriel.objects().first()
    assert c.statut == "a_envoyer" and c.tentatives == 1 and c.corps  # kept for the retry
    assert c.prochain_essai > c.cree_le


async def test_le_corps_n_est_jamais_en_clair_dans_la_file(base_vide, settings):
    """A temporary password never rests in clear: sealed in the outbox, opened to send, then wiped."""
    await courriels.mettre_en_file("a@example.fr", "Sujet", "Votre mot de passe temporaire : Xy7Kp2Mn9Qr4Tz")
    c = await Courriel.objects().first()
    assert "Xy7Kp2Mn9Qr4Tz" not in c.corps and "mot de passe" not in c.corps
    assert courriels.ouvrir(settings, c.corps) == "Votre mot de passe temporaire : Xy7Kp2Mn9Qr4Tz"
    assert await courriels.livrer(settings) == 1
    envoye = next(settings.courriels_dir.glob(f"*-{c.id:06d}-a@example.fr.eml"))
    assert "Xy7Kp2Mn9Qr4Tz" in envoye.read_text()
    assert (await Courriel.objects().first()).corps == ""


async def test_un_courriel_ecrit_dans_var_courriels_se_lit_tel_quel(base_vide, settings):
    """`cat` shows French text: UTF-8 headers and body, 8bit, and still a message a client opens."""
    sujet = "Portail gestionnaire : réponse à votre message « Accès »"
    corps = "Bonjour Mme ÉLODIE DÉMO,\n\nLà où ça coûte : « 72 heures ».\n"
    await courriels.mettre_en_file("elodie@example.fr", sujet, corps)
    assert await courriels.livrer(settings) == 1
    brut = next(settings.courriels_dir.glob("*-elodie@example.fr.eml")).read_bytes()
    texte = brut.decode("utf-8")
    assert f"Subject: {sujet}" in texte and corps in texte.replace("\r\n", "\n")
    assert "Content-Transfer-Encoding: 8bit" in texte and 'charset="utf-8"' in texte
    relu = email.message_from_bytes(brut, policy=email.policy.default)
    assert relu["Subject"] == sujet and relu.get_content() == corps


async def test_un_courriel_abandonne_est_efface(base_vide, settings):
    panne = dataclasses.replace(settings, smtp_url=f"smtp://127.0.0.1:{port_libre()}")
    await courriels.mettre_en_file("a@example.fr", "Sujet", "Votre mot de passe temporaire : Xy7Kp2Mn9Qr4Tz")
    await Courriel.update({Courriel.cree_le: maintenant() - courriels.DUREE_DE_VIE}, force=True)
    assert await courriels.livrer(panne) == 0
    c = await Courriel.objects().first()
    assert c.statut == "echec" and c.corps == ""


async def test_un_relais_plus_lent_que_l_ancien_delai_de_15_s_recoit_le_courriel_une_fois(base_vide, settings):
    """The relay answers the data after 16 s: the client waits for it (RFC 5321 §4.5.3.2), and the
    message is delivered, not given up and sent again later."""
    with Relais(Boite(lenteur=16)) as r:
        await courriels.mettre_en_file("lent@example.fr", "Sujet", "Corps")
        assert await courriels.livrer(r.settings(settings)) == 1
        assert await courriels.livrer(r.settings(settings)) == 0
    assert r.boite.recus == ["lent@example.fr"]
    c = await Courriel.objects().first()
    assert c.statut == "envoye" and c.tentatives == 0
    # The claim outlives the longest delivery: no second sender takes a message still being sent.
    assert courriels.RECLAMATION > courriels.DELAI_REMISE >= timedelta(seconds=courriels.DELAI_SMTP)


async def test_chaque_essai_d_un_message_porte_le_meme_message_id(base_vide, settings):
    with Relais(Boite(temporaire=1)) as r:
        await courriels.mettre_en_file("a@example.fr", "Sujet", "Corps")
        assert await courriels.livrer(r.settings(settings)) == 0  # 451: retried later
        await Courriel.update({Courriel.prochain_essai: maintenant()}).where(Courriel.id > 0)
        assert await courriels.livrer(r.settings(settings)) == 1
    premier, second = r.boite.message_ids
    assert premier and premier == second
    assert r.boite.recus == ["a@example.fr"]


async def test_un_refus_definitif_arrete_aussitot_et_se_voit_au_journal(base_vide, settings):
    admin = await creer_organisme(settings)
    await Courriel.delete().where(Courriel.id > 0)
    g = await creer_gestionnaire(settings, admin.organisme_id)
    with Relais(Boite(refus="550 5.1.1 Destinataire inconnu")) as r:
        assert await courriels.livrer(r.settings(settings)) == 0
    c = await Courriel.objects().where(Courriel.destinataire == g.courriel).first()
    assert c.statut == "echec" and c.tentatives == 1
    assert "550" in c.erreur
    ligne = await Journal.objects().where(Journal.type == "courriel_non_remis").first()
    assert ligne.cible == g.id and ligne.organisme == admin.organisme_id and g.courriel in ligne.detail


async def test_une_panne_de_quatre_heures_ne_fait_rien_abandonner(base_vide, settings):
    """Retries go on for days (RFC 5321 §4.5.4.1), at least 30 minutes apart after the first
    few; only a message older than the queue's lifetime is given up."""
    panne = dataclasses.replace(settings, smtp_url=f"smtp://127.0.0.1:{port_libre()}")
    await courriels.mettre_en_file("a@example.fr", "Sujet", "Corps")
    il_y_a_4_h = maintenant() - timedelta(hours=4)
    await Courriel.update({Courriel.tentatives: 10, Courriel.cree_le: il_y_a_4_h}).where(Courriel.id > 0)
    await courriels.livrer(panne)
    c = await Courriel.objects().first()
    assert c.statut == "a_envoyer" and c.tentatives == 11
    assert c.prochain_essai - maintenant() >= timedelta(minutes=30)

    await Courriel.update({Courriel.cree_le: maintenant() - courriels.DUREE_DE_VIE, Courriel.prochain_essai: maintenant()}).where(
        Courriel.id > 0
    )
    await courriels.livrer(panne)
    assert (await Courriel.objects().first()).statut == "echec"


def test_calendrier_des_essais():
    delais = [courriels.prochain_delai(n) for n in range(1, 200)]
    assert delais[0] <= timedelta(minutes=5)  # a temporary password should not wait long for a blip
    assert all(d >= timedelta(minutes=30) for d in delais[3:])
    assert sum(delais, timedelta()) >= courriels.DUREE_DE_VIE  # retried until given up, not before


async def test_un_relais_qui_pend_ne_retient_pas_les_autres_courriels(base_vide, settings):
    with Relais(Boite(lenteur=6, pendre="lent@")) as r:
        await courriels.mettre_en_file("lent@example.fr", "Sujet", "Corps")  # first in the queue
        for i in range(3):
            await courriels.mettre_en_file(f"vite{i}@example.fr", "Sujet", "Corps")
        livraison = asyncio.create_task(courriels.livrer(r.settings(settings)))
        debut = time.monotonic()
        while len(r.boite.recus) < 3 and time.monotonic() - debut < 4:  # noqa: ASYNC110 - the relay's thread fills it
            await asyncio.sleep(0.05)
        assert sorted(r.boite.recus) == ["vite0@example.fr", "vite1@example.fr", "vite2@example.fr"]
        assert await livraison == 4
    assert r.boite.recus[-1] == "lent@example.fr"


async def test_un_mot_de_passe_non_remis_se_voit_chez_qui_peut_le_renouveler(client, settings):
    """A gestionnaire's temporary password: their administrator sees it on « Gérer les
    habilitations » and on the person's page, with « Renouveler le mot de passe »; a principal's:
    the Caisse des Dépôts."""
    from tests.unit.conftest import connecte, poster, t
    from tests.unit.test_cdc import creer_agent
    from web.app import create_app

    admin = await creer_organisme(settings)
    agent = await creer_agent(settings)
    with Relais(Boite()) as r:
        await courriels.livrer(r.settings(settings))
    await connecte(client, admin)
    g = await creer_gestionnaire(settings, admin.organisme_id, prenom="Lucie", nom="Delahaie")
    await Courriel.update({Courriel.destinataire: "lucie@inconnu.example"}).where(Courriel.destinataire == g.courriel)
    with Relais(Boite(refus="550 5.1.1 Destinataire inconnu")) as r:
        await courriels.livrer(r.settings(settings))

    page = t(await client.get("/habilitations"))
    assert "Courriels non remis" in page
    refus = "refus définitif du serveur de messagerie (550)"
    assert f"Mme Lucie DELAHAIE ({g.identifiant}) : non remis à lucie@inconnu.example, {refus}" in page
    fiche = await client.get(f"/habilitations/{g.id}")
    assert "Courriel non remis Le courriel contenant le mot de passe temporaire n'a pas pu être remis à lucie@inconnu.example" in t(fiche)
    # In the notice and with the other actions: links to the confirmation, which holds the form.
    assert fiche.text.count(f'href="/habilitations/{g.id}/renouveler"') == 2
    assert f'action="/habilitations/{g.id}/renouveler"' in (await client.get(f"/habilitations/{g.id}/renouveler")).text

    r = await poster(client, f"/habilitations/{g.id}", f"/habilitations/{g.id}/renouveler", {})
    assert r.status_code == 303
    assert "Courriels non remis" not in t(await client.get("/habilitations"))  # a new mail is on its way

    # The principal's own temporary password: only the Caisse des Dépôts may act.
    await Courriel.update({Courriel.statut: "echec", Courriel.tentatives: 1, Courriel.erreur: refus}).where(Courriel.concerne == admin.id)
    assert "Courriels non remis" not in t(await client.get("/habilitations"))
    async with AsyncTestClient(app=create_app(settings, services=False)) as cdc:
        await connecte(cdc, agent)
        page = t(await cdc.get("/cdc"))
        assert f"Mme Anne MARTIN ({admin.identifiant}) – EMPLOYEUR PUBLIC : non remis à {admin.courriel}" in page
        fiche = await cdc.get(f"/cdc/organismes/{admin.organisme_id}")
        assert "Courriel non remis" in t(fiche)
        assert f'href="/cdc/organismes/{admin.organisme_id}/renouveler"' in fiche.text
