"""A software authenticator: it answers WebAuthn ceremonies as a real one does (ES256 key, "none"
attestation, a sign counter). The unit tests craft responses with it (a wrong origin, a wrong
relying party, a counter going backwards) for py_webauthn's own verification; the benchmarks sign
administrators in with it (one key for all, as they share one password hash)."""

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


# The benchmarks' key: their data is throwaway, generated and read by the same code.
_CLE_BANC = 0x5EED_BA2C_0000_0000_0000_0000_0000_0000_0000_0000_0000_0000_0000_0000_0001


class Authentificateur:
    def __init__(self, cle: ec.EllipticCurvePrivateKey | None = None, id_: bytes | None = None) -> None:
        self.cle = cle or ec.generate_private_key(ec.SECP256R1())
        self.id = id_ or secrets.token_bytes(32)
        self.compteur = 0

    @classmethod
    def banc(cls, identifiant: str) -> Authentificateur:
        """The passkey the benchmark data gives `identifiant` (a synced passkey: its counter stays 0)."""
        return cls(ec.derive_private_key(_CLE_BANC, ec.SECP256R1()), f"banc-{identifiant}".encode())

    def cose(self) -> bytes:
        """The public key as WebAuthn stores it (COSE, EC2, ES256)."""
        n = self.cle.public_key().public_numbers()
        return cbor2.dumps({1: 2, 3: -7, -1: 1, -2: n.x.to_bytes(32, "big"), -3: n.y.to_bytes(32, "big")})

    def _client(self, type_: str, defi: str, origine: str) -> bytes:
        return json.dumps({"type": type_, "challenge": defi, "origin": origine, "crossOrigin": False}).encode()

    def creer(self, defi: str, *, origine: str, rp_id: str, uv: bool = True) -> str:
        """navigator.credentials.create's answer, as the browser's toJSON() gives it."""
        donnees = hashlib.sha256(rp_id.encode()).digest() + bytes([UP | AT | (UV if uv else 0)]) + struct.pack(">I", self.compteur)
        donnees += bytes(16) + struct.pack(">H", len(self.id)) + self.id + self.cose()
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
