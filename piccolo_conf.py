"""Piccolo's engine, chosen from PORTAIL_DATABASE_URL: SQLite (default) or PostgreSQL."""

from piccolo.conf.apps import AppRegistry

from web.db import engine_from_url
from web.settings import Settings

DB = engine_from_url(Settings.from_env().database_url)

APP_REGISTRY = AppRegistry(apps=["web.piccolo_app"])
