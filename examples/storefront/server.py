"""A sample storefront: static pages embedding Walaa's widget, and the one route a store's
backend adds, /token, which signs the signed-in shopper's token with the widget secret."""

import os
import time
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import jwt

HERE = Path(__file__).parent
PAGES = {"/": "index.html", "/index.html": "index.html", "/ar": "ar.html", "/ar.html": "ar.html"}


def shopper_token(customer_id: str, store_id: str, widget_secret: str) -> str:
    now = int(time.time())
    claims = {"sub": customer_id, "aud": store_id, "iat": now, "exp": now + 300}
    return jwt.encode(claims, widget_secret, algorithm="HS256")


def make_server(port: int, walaa: str, key: str, store: str, secret: str, customer: str):
    class Shop(SimpleHTTPRequestHandler):
        def __init__(self, *args, **kwargs):
            super().__init__(*args, directory=str(HERE), **kwargs)

        def do_GET(self):
            if self.path == "/token":  # a real shop signs its session's customer, never a query
                return self.reply(shopper_token(customer, store, secret), "text/plain")
            if self.path in PAGES:
                html = (HERE / PAGES[self.path]).read_text(encoding="utf-8")
                html = html.replace("{{WALAA}}", walaa).replace("{{KEY}}", key)
                return self.reply(html, "text/html; charset=utf-8")
            return super().do_GET()

        def reply(self, text: str, kind: str) -> None:
            body = text.encode()
            self.send_response(200)
            self.send_header("Content-Type", kind)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def end_headers(self):  # the shop's own strict policy: Walaa's script needs no more
            self.send_header("Content-Security-Policy", f"default-src 'self'; script-src 'self' "
                             f"{walaa}; connect-src 'self' {walaa}; img-src 'self' data:")
            super().end_headers()

    return ThreadingHTTPServer(("127.0.0.1", port), Shop)


if __name__ == "__main__":
    env = os.environ
    server = make_server(int(env.get("PORT", "8080")), env["WALAA_URL"], env["WALAA_PUBLISHABLE_KEY"],
                         env["WALAA_STORE_ID"], env["WALAA_WIDGET_SECRET"], env.get("CUSTOMER", "amal"))
    server.serve_forever()
