"""The ASGI application `walaa serve` runs: configured from WALAA_* variables."""

from walaa.entrypoints.http.app import create_app

app = create_app()
