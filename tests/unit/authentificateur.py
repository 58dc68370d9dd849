"""A software authenticator for unit tests: it answers WebAuthn ceremonies as a real one does
(ES256 key, "none" attestation, a sign counter), so that py_webauthn's own verification runs on
crafted responses: a wrong origin, a wrong relying party, a counter going backwards."""

from __future__ import annotations

import hashlib
import json
import secrets
import struct

import cbor2
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec
from webauthn.helpers import bytes_to_base64url

UP, UV, AT = 0x01, 0x04, 0x40


class Authentificateur:
    def __init__(self) -> None:
        self.cle = ec.generate_private_key(ec.SECP256R1())
        self.id = secrets.token_bytes(32)
        self.compteur = 0

    def _cose(self) -> bytes:
        n = self.cle.public_key().public_numbers()
        return cbor2.dumps({1: 2, 3: -7, -1: 1, -2: n.x.to_bytes(32, "big"), -3: n.y.to_bytes(32, "big")})

    def _client(self, type_: str, defi: str, origine: str) -> bytes:
        return json.dumps({"type": type_, "challenge": defi, "origin": origine, "crossOrigin": False}).encode()

    def creer(self, defi: str, *, origine: str, rp_id: str, uv: bool = True) -> str:
        """navigator.credentials.create's answer, as the browser's toJSON() gives it."""
        donnees = hashlib.sha256(rp_id.encode()).digest() + bytes([UP | AT | (UV if uv else 0)]) + struct.pack(">I", self.compteur)
        donnees += bytes(16) + struct.pack(">H", len(self.id)) + self.id + self._cose()
        attestation = cbor2.dumps({"fmt": "none", "attStmt": {}, "authData": donnees})
        reponse = {"clientDataJSON": self._client("webauthn.create", defi, origine), "attestationObject": attestation}
        return self._json(reponse)

    def signer(self, defi: str, *, origine: str, rp_id: str, compteur: int | None = None) -> str:
        """navigator.credentials.get's answer; `compteur`: the sign count it claims (a clone's may go back)."""
        self.compteur = self.compteur + 1 if compteur is None else compteur
        donnees = hashlib.sha256(rp_id.encode()).digest() + bytes([UP | UV]) + struct.pack(">I", self.compteur)
        client = self._client("webauthn.get", defi, origine)
        signature = self.cle.sign(donnees + hashlib.sha256(client).digest(), ec.ECDSA(hashes.SHA256()))
        return self._json({"clientDataJSON": client, "authenticatorData": donnees, "signature": signature})

    def _json(self, reponse: dict[str, bytes]) -> str:
        return json.dumps({
            "id": bytes_to_base64url(self.id), "rawId": bytes_to_base64url(self.id), "type": "public-key",
            "response": {k: bytes_to_base64url(v) for k, v in reponse.items()}, "clientExtensionResults": {},
            "authenticatorAttachment": "platform",
        })  # fmt: skip
