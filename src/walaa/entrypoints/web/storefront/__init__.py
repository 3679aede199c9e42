"""What shoppers see that Walaa serves itself: the program page (`/p/{store}`, `/p/{store}/ar`)
and the widget script (`/widget.js`). The widget's data comes from the `/v1/storefront` API
(`walaa.entrypoints.http.storefront`); these are its pages and its one script."""

from __future__ import annotations

from fastapi import FastAPI


def mount(api: FastAPI) -> None:
    from walaa.entrypoints.web.storefront import program_page, widget

    api.include_router(program_page.router)
    api.include_router(widget.router)
