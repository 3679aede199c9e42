"""Settings from WALAA_* environment variables."""

from __future__ import annotations

from pydantic_settings import BaseSettings, SettingsConfigDict


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="WALAA_", extra="ignore")

    #: SQLite file by default (embedded, nothing to install); PostgreSQL in production, e.g.
    #: postgresql://walaa@db.internal/walaa
    database_url: str = "sqlite:///walaa.db"

    #: Shared rate-limit buckets for several API processes, e.g. redis://127.0.0.1:6379/0
    redis_url: str | None = None
    #: Sustained requests per second per API key, and the burst a key may spend at once.
    rate_limit_per_second: float = 100.0
    rate_limit_burst: int = 200
