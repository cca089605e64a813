"""`pcwatch serve`: the dashboard in a browser, through textual-serve.

Each browser tab runs its own dashboard process (`python -m tui` with the same global options); they are
viewers of one poller through the shared journal (see `tui.sharing`), so tabs do not multiply the calls.
With `--demo`, the local endpoint is started once here and every tab watches it, with a shared journal.

The page is not authenticated: whoever reaches it drives a dashboard with your AWS credentials. It binds
to loopback unless `--host` says otherwise (then it warns); from a laptop, forward the port over SSH:
`ssh -L 8000:127.0.0.1:8000 jumphost`, then open http://127.0.0.1:8000. Websocket connections from pages
of other sites (another origin in the same browser) are refused.
"""

from __future__ import annotations

import argparse
import contextlib
import ipaddress
import shlex
import sys
import tempfile
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from ..config import Settings

DEFAULT_PORT = 8000


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--host", default="127.0.0.1", help="address to bind (default 127.0.0.1, loopback)")
    parser.add_argument("--port", type=int, default=DEFAULT_PORT, help=f"port (default {DEFAULT_PORT})")
    parser.add_argument(
        "--public-url",
        help="the URL the browser uses, if not http://HOST:PORT (e.g. another local port of an SSH tunnel)",
    )


def is_loopback(host: str) -> bool:
    if host.lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def dashboard_command(settings: Settings) -> str:
    """The shell command each tab runs: pcwatch's dashboard with the same global options."""
    argv = [sys.executable, "-m", "tui", "--catalog", settings.catalog, "--region", settings.region]
    if settings.profile:
        argv += ["--profile", settings.profile]
    if settings.endpoint_url:
        argv += ["--endpoint-url", settings.endpoint_url]
    if settings.demo:
        argv.append("--demo")
    if settings.read_only:
        argv.append("--read-only")
    if settings.no_journal:
        argv.append("--no-journal")
    elif settings.journal_path is not None:
        argv += ["--journal", str(settings.journal_path)]
    argv += ["--max-rate", repr(settings.budget.rate_per_second)]
    argv += ["--daily-calls", str(settings.budget.daily_calls)]
    return shlex.join(argv)


def allowed_origin(origin: str | None, public_url: str) -> bool:
    """Browsers send Origin on websocket handshakes: refuse pages of other sites (cross-site websocket
    hijacking). Clients that are not browsers send none; they could reach the port anyway."""
    if not origin:
        return True
    host = urlsplit(origin).hostname or ""
    return host == (urlsplit(public_url).hostname or "") or is_loopback(host)


def make_server(command: str, host: str, port: int, public_url: str | None = None) -> Any:
    from aiohttp import web
    from textual_serve.server import Server

    class OriginCheckingServer(Server):  # type: ignore[misc]
        async def handle_websocket(self, request: web.Request) -> web.WebSocketResponse:
            if not allowed_origin(request.headers.get("Origin"), self.public_url):
                raise web.HTTPForbidden(text="websocket from another origin refused")
            return await super().handle_websocket(request)  # type: ignore[no-any-return]

    url_host = f"[{host}]" if ":" in host else host
    return OriginCheckingServer(
        command, host=host, port=port, title="pcwatch", public_url=public_url or f"http://{url_host}:{port}"
    )


def exposure_warning(host: str, port: int) -> str | None:
    """What `serve` prints on stderr when the page is reachable from other machines."""
    if is_loopback(host):
        return None
    return (
        f"pcwatch serve: WARNING: binding {host}: the page is not authenticated; anyone who can reach this"
        " port drives a dashboard with your AWS credentials. Prefer the default (127.0.0.1) and SSH port"
        f" forwarding: ssh -L {port}:127.0.0.1:{port} <this host>"
    )


def run(args: argparse.Namespace, settings: Settings) -> int:
    warning = exposure_warning(args.host, args.port)
    if warning:
        print(warning, file=sys.stderr)
    with contextlib.ExitStack() as stack:
        if settings.demo and not settings.endpoint_url:
            # One demo world for every tab (each tab's own in-process endpoint would be a different one).
            from ..demo_endpoint import demo_settings, start_demo_endpoint

            endpoint, _ = start_demo_endpoint()
            stack.callback(endpoint.close)
            settings = demo_settings(settings, endpoint)
            if settings.journal_path is None and not settings.no_journal:
                directory = stack.enter_context(tempfile.TemporaryDirectory(prefix="pcwatch-serve-"))
                settings = _with_journal(settings, Path(directory) / "demo.sqlite3")
        server = make_server(dashboard_command(settings), args.host, args.port, args.public_url)
        server.serve()
    return 0


def _with_journal(settings: Settings, path: Path) -> Settings:
    import dataclasses

    return dataclasses.replace(settings, journal_path=path)
