"""The web server behind `pcwatch serve`: textual-serve's, with the checks a shared jump host needs.

Every request needs the token (as Jupyter does it): `?token=…` in the URL `serve` prints, then an
HttpOnly, SameSite=Strict cookie the first page sets (scoped by port, so two servers do not mix), or an
`Authorization: token …` header. Without it: 403, and no dashboard process is started. The websocket that
drives a dashboard also needs an `Origin` equal to the served origin (scheme, host and port; none at all
is refused), and at most `max_sessions` run at once: one more gets a page saying so, not a process.

The page is pcwatch's own (`serve_page/`): textual-serve's terminal and script, with a title naming the
catalog and an icon, the bundled Roboto Mono rather than a web font from another host (a jump host's
browser may have no internet), and reconnection after a dropped connection (`serve_page/pcwatch.js`).
On shutdown every websocket is closed as "going away" (1001), which the page reconnects after, unlike
the normal close (1000) of a dashboard that quit. `--frame-ancestors` lets named origins frame the page
(`Watch.dashboard()` in a notebook); by default nothing may.

textual-serve 1.1 is extended through its public surface: the handler methods a subclass overrides, the
template and static directories it takes, and the aiohttp application it builds (a middleware, a route
and the response-prepare and shutdown hooks).
"""

from __future__ import annotations

import asyncio
import logging
import re
import secrets
import weakref
from collections.abc import Iterable
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import aiohttp_jinja2
from aiohttp import WSCloseCode, web
from textual_serve.app_service import AppService
from textual_serve.server import Server, to_int

from tui.core import logs

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
#: pcwatch's page: its template, script, style and icon (textual-serve's own static files stay where they are).
PAGE_DIRECTORY = Path(__file__).with_name("serve_page")
#: An origin another page may frame this one from: scheme, host, and a port or `*` (any port).
FRAME_ANCESTOR = re.compile(r"https?://(\[[0-9a-fA-F:.]+\]|[A-Za-z0-9.-]+)(:(\d{1,5}|\*))?")


def check_frame_ancestors(origins: Iterable[str]) -> tuple[str, ...]:
    """`--frame-ancestors` values, each an origin (`http://127.0.0.1:*`); ValueError otherwise."""
    checked = tuple(origins)
    for origin in checked:
        if not FRAME_ANCESTOR.fullmatch(origin):
            raise ValueError(
                f"--frame-ancestors {origin!r}: give an origin such as http://127.0.0.1:8888 or "
                "http://127.0.0.1:* (scheme, host, port or *), no path"
            )
    return checked


def security_headers(frame_ancestors: tuple[str, ...] = ()) -> dict[str, str]:
    """The headers of every response: framing refused, unless origins are allowed to frame the page."""
    headers = dict(SECURITY_HEADERS)
    if frame_ancestors:
        del headers["X-Frame-Options"]  # (it cannot name origins; the CSP below does)
        headers["Content-Security-Policy"] = "frame-ancestors 'self' " + " ".join(frame_ancestors)
    return headers


def new_token() -> str:
    return secrets.token_urlsafe(TOKEN_BYTES)


def valid_token(token: str) -> bool:
    return TOKEN_PATTERN.fullmatch(token) is not None


def origin_of(url: str | None) -> tuple[str, str, int] | None:
    """(scheme, host, port) with the scheme's default port filled in; None if `url` has no host, or has
    userinfo (`http://evil@127.0.0.1:8000` is no origin a browser sends: its host part would match)."""
    if not url:
        return None
    parts = urlsplit(url.strip())
    if "@" in parts.netloc:
        return None
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
        "<!DOCTYPE html><html><head><meta charset='utf-8'><title>pcwatch</title>"
        "<link rel='icon' type='image/svg+xml' href='/pcwatch-page/icon.svg'></head>"
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
        max_sessions: int,
        title: str = "pcwatch",
        frame_ancestors: Iterable[str] = (),
    ) -> None:
        super().__init__(
            command, host=host, port=port, title=title, public_url=public_url, templates_path=PAGE_DIRECTORY
        )
        self.token = token
        self.max_sessions = max_sessions
        #: Dashboards running now (one process each).
        self.sessions = 0
        self.cookie_name = f"pcwatch-token-{port}"
        self.headers = security_headers(check_frame_ancestors(frame_ancestors))
        self._sockets: weakref.WeakSet[web.WebSocketResponse] = weakref.WeakSet()

    @property
    def url(self) -> str:
        """The URL to open: the public URL with the token."""
        return f"{self.public_url.rstrip('/')}/?token={self.token}"

    # --- every request -----------------------------------------------------------------------------

    async def _make_app(self) -> web.Application:
        app: web.Application = await super()._make_app()
        app.middlewares.append(self._require_token)
        app.on_response_prepare.append(self._on_response_prepare)
        app.router.add_static("/pcwatch-page", PAGE_DIRECTORY, name="page")
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
        for name, value in self.headers.items():
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
        base = self.public_url.rstrip("/")
        websocket_url = (
            ("wss:" if base.lower().startswith("https:") else "ws:") + base.split(":", 1)[1] + "/ws"
        )
        context = {
            "title": self.title,
            "font_size": to_int(request.query.get("fontsize", "16"), 16),
            "app_websocket_url": websocket_url,
            "config": {"static": {"url": f"{base}/static/"}},
            "page_static": f"{base}/pcwatch-page/",
        }
        return aiohttp_jinja2.render_template("app_index.html", request, context)

    async def handle_websocket(self, request: web.Request) -> web.WebSocketResponse:
        """textual-serve's handler, with the checks above, and each socket kept so that shutdown closes it
        as "going away" (the page reconnects) rather than as a dashboard that quit."""
        if not same_origin(request.headers.get("Origin"), self.public_url):
            raise web.HTTPForbidden(text="pcwatch serve: websocket refused: its Origin is not this page's")
        full = self._full()
        if full is not None:
            raise web.HTTPServiceUnavailable(
                text=f"pcwatch serve: all {self.max_sessions} sessions are in use; close another tab"
            )
        self.sessions += 1  # counted before the first await: concurrent handshakes cannot all pass
        websocket = web.WebSocketResponse(heartbeat=15)
        self._sockets.add(websocket)

        async def quit_close() -> None:  # the dashboard quit: a normal close (1000)
            await websocket.close()

        app_service: AppService | None = None
        try:
            await websocket.prepare(request)
            app_service = AppService(
                self.command,
                write_bytes=websocket.send_bytes,
                write_str=websocket.send_str,
                close=quit_close,
                download_manager=self.download_manager,
                debug=self.debug,
            )
            await app_service.start(
                to_int(request.query.get("width", "80"), 80), to_int(request.query.get("height", "24"), 24)
            )
            await self._process_messages(websocket, app_service)
        except asyncio.CancelledError:
            await websocket.close(code=WSCloseCode.GOING_AWAY, message=b"pcwatch serve is stopping")
        except Exception:
            logging.getLogger("textual-serve").exception("pcwatch serve: session failed")
        finally:
            self.sessions -= 1
            if app_service is not None:
                await app_service.stop()
        return websocket

    async def on_shutdown(self, app: web.Application) -> None:
        for websocket in list(self._sockets):
            await websocket.close(code=WSCloseCode.GOING_AWAY, message=b"pcwatch serve is stopping")

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
