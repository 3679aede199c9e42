"""Settings from WALAA_* environment variables."""

from __future__ import annotations

from pydantic_settings import BaseSettings, SettingsConfigDict


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="WALAA_", extra="ignore")

    #: SQLite file by default (embedded, nothing to install); PostgreSQL in production, e.g.
    #: postgresql://walaa@db.internal/walaa
    database_url: str = "sqlite:///walaa.db"
