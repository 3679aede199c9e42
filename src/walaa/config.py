"""Settings from WALAA_* environment variables."""

from __future__ import annotations

from pydantic import Field
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
    #: Per client address, before authentication: requests without a key, or with a key that
    #: is unknown, revoked or not yet seen to authenticate, spend from this bucket.
    address_rate_limit_per_second: float = 10.0
    address_rate_limit_burst: int = 60
    #: A request refused by its address's bucket is answered (429) after this many seconds,
    #: at most 1,000 at a time: a flood then costs the server what its connections can send
    #: once a second, not what the server can refuse as fast as it can.
    address_refusal_delay_seconds: float = 1.0
    #: Comma-separated addresses or networks (e.g. "10.0.0.0/8,127.0.0.1") of proxies whose
    #: X-Forwarded-For is believed; empty: the client is always the socket's peer address.
    trusted_proxies: str = ""
    #: Largest request body accepted (413 above it), whether announced or streamed.
    max_body_bytes: int = 1024 * 1024
    #: Request heads: at most this many header lines and bytes (431 above them). `walaa serve`
    #: also gives the byte bound to its HTTP parser, which stops reading a head past it.
    max_header_lines: int = 100
    max_header_bytes: int = 16 * 1024
    #: Unknown keys are refused from memory for this long, without asking the database.
    unknown_key_cache_seconds: float = 30.0
    unknown_key_cache_size: int = 10_000
    #: A key that authenticated is trusted from memory for this long, without asking the
    #: database; a revoked key stops working in every process within it. At most 5 s; 0 asks
    #: the database on every request.
    verified_key_cache_seconds: float = Field(default=5.0, ge=0.0, le=5.0)
    #: The server's own secret (long and random, e.g. `openssl rand -hex 32`): stores' widget
    #: secrets and member-card codes are derived from it, so the database never holds them.
    #: Changing it changes every store's widget secret. Unset: those features answer 503.
    secret_key: str | None = None
    #: Staff session cookies carry Secure (sent over HTTPS only). False relaxes it for the
    #: demo on http://127.0.0.1 only: a request to any other host still gets a Secure cookie.
    cookie_secure: bool = True
