"""The outbox: nothing lost when SMTP is down, nothing sent twice by two senders."""

from __future__ import annotations

import asyncio
import dataclasses
import socket

from aiosmtpd.controller import Controller

from web import courriels
from web.tables import Courriel


class Boite:
    def __init__(self):
        self.recus = []

    async def handle_DATA(self, server, session, envelope):  # noqa: N802 - aiosmtpd's hook
        self.recus.append(envelope.rcpt_tos[0])
        return "250 OK"


def port_libre() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


async def test_deux_expediteurs_envoient_chaque_courriel_une_fois(base_vide, settings):
    boite = Boite()
    ctl = Controller(boite, hostname="127.0.0.1", port=port_libre())
    ctl.start()
    try:
        smtp = dataclasses.replace(settings, smtp_url=f"smtp://127.0.0.1:{ctl.port}")
        for i in range(20):
            await courriels.mettre_en_file(f"p{i}@example.fr", "Sujet", "Corps")
        envoyes = await asyncio.gather(courriels.livrer(smtp), courriels.livrer(smtp))
    finally:
        ctl.stop()
    assert sum(envoyes) == 20
    assert sorted(boite.recus) == sorted(f"p{i}@example.fr" for i in range(20))
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


async def test_un_courriel_abandonne_est_efface(base_vide, settings):
    panne = dataclasses.replace(settings, smtp_url=f"smtp://127.0.0.1:{port_libre()}")
    await courriels.mettre_en_file("a@example.fr", "Sujet", "Votre mot de passe temporaire : Xy7Kp2Mn9Qr4Tz")
    await Courriel.update({Courriel.tentatives: courriels.MAX_TENTATIVES - 1}, force=True)
    assert await courriels.livrer(panne) == 0
    c = await Courriel.objects().first()
    assert c.statut == "echec" and c.corps == ""
