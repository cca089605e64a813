"""The web server behind `pcwatch serve`: textual-serve's, with the checks a shared jump host needs.

Every request needs the token (as Jupyter does it): `?token=…` in the URL `serve` prints, then an
HttpOnly, SameSite=Strict cookie the first page sets (scoped by port, so two servers do not mix), or an
`Authorization: token …` header. Without it: 403, and no dashboard process is started. The websocket that
drives a dashboard also needs an `Origin` equal to the served origin (scheme, host and port; none at all
is refused), and at most `max_sessions` run at once: one more gets a page saying so, not a process.

textual-serve 1.1 is extended through its public surface: the handler methods a subclass overrides and
the aiohttp application it builds (a middleware and a response-prepare hook).
"""

from __future__ import annotations

import logging
import re
import secrets
from typing import Any
from urllib.parse import urlsplit

from aiohttp import web
from textual_serve.server import Server

from tui.core import logs

from .serve import DEFAULT_MAX_SESSIONS

#: A generated token: 32 random bytes (256 bits), URL-safe base64.
TOKEN_BYTES = 32
#: A token given with --token or $PCWATCH_SERVE_TOKEN: at least 128 bits' worth of URL-safe characters.
TOKEN_PATTERN = re.compile(r"[A-Za-z0-9._~-]{22,}")

SECURITY_HEADERS = {
    "Referrer-Policy": "no-referrer",  # the token in the page's URL never leaves in a Referer
    "X-Frame-Options": "DENY",
    "Content-Security-Policy": "frame-ancestors 'none'",
    "Cache-Control": "no-store",
    "X-Content-Type-Options": "nosniff",
}


def new_token() -> str:
    return secrets.token_urlsafe(TOKEN_BYTES)


def valid_token(token: str) -> bool:
    return TOKEN_PATTERN.fullmatch(token) is not None


def origin_of(url: str | None) -> tuple[str, str, int] | None:
    """(scheme, host, port) with the scheme's default port filled in; None if `url` has no host."""
    if not url:
        return None
    parts = urlsplit(url.strip())
    scheme = parts.scheme.lower()
    try:
        port = parts.port
    except ValueError:
        return None
    if not parts.hostname or scheme not in ("http", "https"):
        return None
    return scheme, parts.hostname.lower(), port or (443 if scheme == "https" else 80)


def same_origin(origin: str | None, served_url: str) -> bool:
    """A websocket's `Origin` must be exactly the served origin. Browsers always send one; a request
    without it is not from the page `serve` served, so it is refused too."""
    mine = origin_of(served_url)
    return mine is not None and origin_of(origin) == mine


def _page(status: int, title: str, text: str) -> web.Response:
    body = (
        "<!DOCTYPE html><html><head><meta charset='utf-8'><title>pcwatch</title></head>"
        "<body style='font-family: monospace; background: #0c181f; color: #eee; padding: 2em'>"
        f"<h2>{title}</h2><p>{text}</p></body></html>"
    )
    return web.Response(status=status, text=body, content_type="text/html", headers=SECURITY_HEADERS)


class GuardedServer(Server):
    """textual-serve's Server with the token, the exact-origin websocket and the session cap."""

    def __init__(
        self,
        command: str,
        *,
        host: str,
        port: int,
        public_url: str,
        token: str,
        max_sessions: int = DEFAULT_MAX_SESSIONS,
    ) -> None:
        super().__init__(command, host=host, port=port, title="pcwatch", public_url=public_url)
        self.token = token
        self.max_sessions = max_sessions
        #: Dashboards running now (one process each).
        self.sessions = 0
        self.cookie_name = f"pcwatch-token-{port}"

    @property
    def url(self) -> str:
        """The URL to open: the public URL with the token."""
        return f"{self.public_url.rstrip('/')}/?token={self.token}"

    # --- every request -----------------------------------------------------------------------------

    async def _make_app(self) -> web.Application:
        app: web.Application = await super()._make_app()
        app.middlewares.append(self._require_token)
        app.on_response_prepare.append(self._on_response_prepare)
        return app

    def _presented_token(self, request: web.Request) -> tuple[str | None, bool]:
        """The token the request carries, and whether it came in the URL."""
        if "token" in request.query:
            return request.query["token"], True
        scheme, _, value = request.headers.get("Authorization", "").partition(" ")
        if scheme.lower() == "token" and value:
            return value.strip(), False
        return request.cookies.get(self.cookie_name), False

    @web.middleware
    async def _require_token(self, request: web.Request, handler: Any) -> web.StreamResponse:
        presented, in_url = self._presented_token(request)
        if presented is None or not secrets.compare_digest(presented.encode(), self.token.encode()):
            return _page(
                403,
                "This pcwatch dashboard needs its token",
                "Open the URL that <code>pcwatch serve</code> printed (it ends in <code>?token=…</code>).",
            )
        response: web.StreamResponse = await handler(request)
        if in_url and not response.prepared and response.status < 400:
            # Later requests of the page (its scripts, the websocket) carry the cookie instead.
            response.set_cookie(
                self.cookie_name,
                self.token,
                httponly=True,
                samesite="Strict",
                path="/",
                secure=self.public_url.lower().startswith("https:"),
            )
        return response

    async def _on_response_prepare(self, request: web.Request, response: web.StreamResponse) -> None:
        for name, value in SECURITY_HEADERS.items():
            response.headers.setdefault(name, value)

    # --- the page and the websocket --------------------------------------------------------------

    def _full(self) -> web.Response | None:
        if self.sessions < self.max_sessions:
            return None
        return _page(
            503,
            "All pcwatch sessions are in use",
            f"This server runs at most {self.max_sessions} dashboards at once (each is a process on the "
            "server). Close another tab of it, or restart <code>pcwatch serve</code> with a larger "
            "<code>--max-sessions</code>.",
        )

    async def handle_index(self, request: web.Request) -> web.StreamResponse:
        full = self._full()
        if full is not None:
            return full
        if origin_of(f"{urlsplit(self.public_url).scheme}://{request.host}") != origin_of(self.public_url):
            # The page would open its websocket at the public URL, where this tab has no cookie.
            return _page(
                400,
                "Open the URL pcwatch serve printed",
                "This page was reached at another address than the one it serves. Open the printed URL, "
                "or restart <code>pcwatch serve</code> with <code>--public-url</code> set to the address "
                "your browser uses (e.g. the local end of an SSH tunnel).",
            )
        response: web.StreamResponse = await super().handle_index(request)
        return response

    async def handle_websocket(self, request: web.Request) -> web.WebSocketResponse:
        if not same_origin(request.headers.get("Origin"), self.public_url):
            raise web.HTTPForbidden(text="pcwatch serve: websocket refused: its Origin is not this page's")
        full = self._full()
        if full is not None:
            raise web.HTTPServiceUnavailable(
                text=f"pcwatch serve: all {self.max_sessions} sessions are in use; close another tab"
            )
        self.sessions += 1  # counted before the first await: concurrent handshakes cannot all pass
        try:
            response: web.WebSocketResponse = await super().handle_websocket(request)
            return response
        finally:
            self.sessions -= 1

    # --- start-up ------------------------------------------------------------------------------------

    def initialize_logging(self) -> None:
        with logs.set_aside():  # textual-serve's console handler goes only to a root without handlers
            super().initialize_logging()
        # aiohttp's access log would print every request line, the page's `?token=…` included.
        logging.getLogger("aiohttp.access").setLevel(logging.WARNING)

    async def on_startup(self, app: web.Application) -> None:
        print(
            f"pcwatch serve: open {self.url}\n"
            f"  (at most {self.max_sessions} browser sessions at once; Ctrl+C stops the server)",
            flush=True,
        )
