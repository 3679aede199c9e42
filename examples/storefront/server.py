"""A sample shop: static pages with Walaa's widget, and the one route a store's backend adds,
/token, which signs the signed-in shopper's token with the widget secret."""

import os
import time
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import jwt

HERE = Path(__file__).parent
PAGES = {"/": "index.html", "/ar": "ar.html"}


def make_server(port, walaa, key, store, secret, customer):
    class Shop(SimpleHTTPRequestHandler):
        def __init__(self, *args, **kwargs):
            super().__init__(*args, directory=str(HERE), **kwargs)

        def do_GET(self):
            if self.path == "/token":  # a real shop signs its session's customer
                now = int(time.time())
                claims = {"sub": customer, "aud": store, "iat": now, "exp": now + 300}
                return self.reply(jwt.encode(claims, secret, algorithm="HS256"), "text/plain")
            if self.path in PAGES:
                page = (HERE / PAGES[self.path]).read_text(encoding="utf-8")
                page = page.replace("{{WALAA}}", walaa).replace("{{KEY}}", key)
                return self.reply(page, "text/html; charset=utf-8")
            return super().do_GET()

        def reply(self, text, kind):
            self.send_response(200)
            self.send_header("Content-Type", kind)
            self.end_headers()
            self.wfile.write(text.encode())

        def end_headers(self):  # the shop's own strict policy: Walaa's widget needs no more
            self.send_header("Content-Security-Policy", f"default-src 'self'; script-src 'self' "
                             f"{walaa}; connect-src 'self' {walaa}; img-src 'self' data:")
            super().end_headers()

    return ThreadingHTTPServer(("127.0.0.1", port), Shop)


if __name__ == "__main__":
    env = os.environ
    make_server(int(env.get("PORT", "8080")), env["WALAA_URL"], env["WALAA_PUBLISHABLE_KEY"],
                env["WALAA_STORE_ID"], env["WALAA_WIDGET_SECRET"], env.get("CUSTOMER", "amal"),
                ).serve_forever()
