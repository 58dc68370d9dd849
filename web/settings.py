"""Everything configurable, read once from the environment (prefix PORTAIL_)."""

from __future__ import annotations

import os
import secrets
from dataclasses import dataclass
from datetime import timedelta
from email.headerregistry import Address
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
VAR = ROOT / "var"


@dataclass(frozen=True)
class Settings:
    env: str
    database_url: str
    smtp_url: str | None
    mail_from: str
    secret_key: str
    base_url: str
    courriels_dir: Path
    # Sessions end this long after sign-in, whatever the activity (PORTAIL_SESSION_DUREE_MAX, hours).
    session_duree_max: timedelta = timedelta(hours=12)
    # Server-Timing on every response: for development and the benchmarks only (PORTAIL_SERVER_TIMING=1).
    server_timing: bool = False
    # Who may read /metrics (networks); never through the reverse proxy.
    metriques_depuis: tuple = ()
    # Seconds between two housekeeping runs, shared by every instance.
    menage_intervalle: float = 3600.0
    # The deploying organisation's brand: shown in the header, the footer, page titles, mails and
    # the legal pages (PORTAIL_NOM_SERVICE, PORTAIL_NOM_OPERATEUR).
    nom_service: str = "Portail gestionnaire"
    nom_operateur: str = "Caisse des Dépôts"
    # The legal pages' publisher details; empty = shown as « à compléter » (PORTAIL_DIRECTEUR_PUBLICATION,
    # PORTAIL_HEBERGEUR, PORTAIL_ADRESSE_CONTACT).
    directeur_publication: str = ""
    hebergeur: str = ""
    adresse_contact: str = ""

    @property
    def production(self) -> bool:
        return self.env == "production"

    @classmethod
    def from_env(cls, environ: dict[str, str] | None = None) -> Settings:
        e = os.environ if environ is None else environ
        env = e.get("PORTAIL_ENV", "development")
        if env not in ("development", "production"):
            raise SystemExit("PORTAIL_ENV doit valoir « development » ou « production ».")
        secret = e.get("PORTAIL_SECRET_KEY", "")
        if not secret:
            if env == "production":
                raise SystemExit("PORTAIL_SECRET_KEY est obligatoire en production.")
            # Development only: a per-process key would break sessions shared by two
            # instances, so keep one under var/ (never committed).
            secret = _dev_secret()
        nom_service = _nom(e.get("PORTAIL_NOM_SERVICE", "Portail gestionnaire"), "PORTAIL_NOM_SERVICE")
        return cls(
            env=env,
            database_url=e.get("PORTAIL_DATABASE_URL", f"sqlite:///{VAR / 'portail.sqlite'}"),
            smtp_url=e.get("PORTAIL_SMTP_URL") or None,
            mail_from=e.get("PORTAIL_MAIL_FROM") or str(Address(nom_service, addr_spec="ne-pas-repondre@portail.invalid")),
            secret_key=secret,
            base_url=e.get("PORTAIL_BASE_URL", "http://127.0.0.1:8000").rstrip("/"),
            courriels_dir=Path(e.get("PORTAIL_COURRIELS_DIR", VAR / "courriels")),
            session_duree_max=timedelta(hours=_heures(e.get("PORTAIL_SESSION_DUREE_MAX", "12"))),
            server_timing=_oui_non("PORTAIL_SERVER_TIMING", e.get("PORTAIL_SERVER_TIMING", "0")),
            metriques_depuis=_adresses(e.get("PORTAIL_METRICS_ALLOW_IPS", "127.0.0.1, ::1")),
            menage_intervalle=_duree(e.get("PORTAIL_MENAGE_INTERVALLE", "3600"), "PORTAIL_MENAGE_INTERVALLE"),
            nom_service=nom_service,
            nom_operateur=_nom(e.get("PORTAIL_NOM_OPERATEUR", "Caisse des Dépôts"), "PORTAIL_NOM_OPERATEUR"),
            directeur_publication=e.get("PORTAIL_DIRECTEUR_PUBLICATION", "").strip()[:200],
            hebergeur=e.get("PORTAIL_HEBERGEUR", "").strip()[:300],
            adresse_contact=e.get("PORTAIL_ADRESSE_CONTACT", "").strip()[:200],
        )


def _heures(valeur: str) -> int:
    if not (valeur.isascii() and valeur.isdigit() and 1 <= int(valeur) <= 720):
        raise SystemExit("PORTAIL_SESSION_DUREE_MAX doit être un nombre d'heures entre 1 et 720.")
    return int(valeur)


def _oui_non(nom: str, valeur: str) -> bool:
    if valeur not in ("0", "1"):
        raise SystemExit(f"{nom} doit valoir 0 ou 1.")
    return valeur == "1"


def _dev_secret() -> str:
    path = VAR / "secret_key"
    if path.exists():
        return path.read_text().strip()
    VAR.mkdir(parents=True, exist_ok=True)
    value = secrets.token_urlsafe(48)
    path.write_text(value)
    path.chmod(0o600)
    return value


def _adresses(texte: str) -> tuple:
    import ipaddress

    try:
        return tuple(ipaddress.ip_network(x.strip(), strict=False) for x in texte.split(",") if x.strip())
    except ValueError:
        raise SystemExit(f"PORTAIL_METRICS_ALLOW_IPS : adresse ou réseau invalide ({texte!r}).") from None


def _duree(texte: str, nom: str) -> float:
    if not (texte.isascii() and texte.replace(".", "", 1).isdigit()) or not 0 < float(texte) <= 7 * 86400:
        raise SystemExit(f"{nom} : un nombre de secondes positif, au plus 604800, est attendu ({texte!r}).")
    return float(texte)


def _nom(texte: str, nom: str) -> str:
    texte = texte.strip()
    if not 1 <= len(texte) <= 80:
        raise SystemExit(f"{nom} : un nom de 1 à 80 caractères est attendu.")
    return texte
