"""`pcwatch serve`: the dashboard in a browser, through textual-serve.

Each browser tab runs its own dashboard process (`python -m tui` with the same global options); they are
viewers of one poller through the shared journal (see `tui.engine.sharing`), so tabs do not multiply the calls.
With `--demo`, the local endpoint is started once here and every tab watches it, with a shared journal.

Whoever drives a dashboard acts with your AWS credentials, so every request needs a token: `serve` prints
`http://HOST:PORT/?token=…` (a random 256-bit token, or `--token` / `$PCWATCH_SERVE_TOKEN`), and the
server (`tui.commands.serve_server`) refuses anything without it, a websocket from another origin, and
more than `--max-sessions` dashboards at once. It binds to loopback unless `--host` says otherwise (then
it warns); from a laptop, forward the port over SSH: `ssh -L 8000:127.0.0.1:8000 jumphost`, then open the
printed URL.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import shlex
import shutil
import signal
import sys
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from tui.core import logs
from tui.core.config import child_options
from tui.core.exit_status import ExitStatus
from tui.core.private_files import private_temp_directory
from tui.core.settings import Settings, is_loopback
from tui.core.text_safety import visible

from .common import refuse

if TYPE_CHECKING:
    from .serve_server import GuardedServer

DEFAULT_PORT = 8000
DEFAULT_MAX_SESSIONS = 4
TOKEN_VARIABLE = "PCWATCH_SERVE_TOKEN"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--host", default="127.0.0.1", help="address to bind (default 127.0.0.1, loopback)")
    parser.add_argument("--port", type=int, default=DEFAULT_PORT, help=f"port (default {DEFAULT_PORT})")
    parser.add_argument(
        "--public-url",
        help="the URL the browser uses, if not http://HOST:PORT (e.g. another local port of an SSH tunnel)",
    )
    parser.add_argument(
        "--token",
        help=f"the access token (default: ${TOKEN_VARIABLE}, else a random one); other users can read a "
        "command line (ps), so prefer the variable or the random token",
    )
    parser.add_argument(
        "--frame-ancestors",
        action="append",
        default=[],
        metavar="ORIGIN",
        help="let a page of ORIGIN (e.g. http://127.0.0.1:*, a Jupyter page) show the dashboard in a frame; "
        "repeatable; by default no page may",
    )
    parser.add_argument(
        "--max-sessions",
        type=int,
        default=DEFAULT_MAX_SESSIONS,
        metavar="N",
        help=f"browser sessions at once, each a dashboard process (default {DEFAULT_MAX_SESSIONS})",
    )


def dashboard_command(settings: Settings) -> str:
    """The shell command each tab runs: pcwatch's dashboard with options that resolve to these settings
    (`child_options`; with `--demo`, this serve's demo endpoint, journal and events queue)."""
    return shlex.join([sys.executable, "-m", "tui", *child_options(settings)])


def make_server(
    command: str,
    host: str,
    port: int,
    *,
    token: str,
    public_url: str | None = None,
    max_sessions: int = DEFAULT_MAX_SESSIONS,
    catalog: str = "Sandbox",
    frame_ancestors: Sequence[str] = (),
) -> GuardedServer:
    from .serve_server import GuardedServer

    url_host = f"[{host}]" if ":" in host else host
    return GuardedServer(
        command,
        host=host,
        port=port,
        public_url=public_url or f"http://{url_host}:{port}",
        token=token,
        max_sessions=max_sessions,
        title=page_title(catalog),
        frame_ancestors=frame_ancestors,
    )


def page_title(catalog: str) -> str:
    """The browser tab's title: which catalog this dashboard acts on (production unmistakably)."""
    return f"pcwatch · {visible(catalog, limit=32)}" + (" (production)" if catalog == "AWS" else "")


def exposure_warning(host: str, port: int) -> str | None:
    """What `serve` prints on stderr when the page is reachable from other machines."""
    if is_loopback(host):
        return None
    return (
        f"pcwatch serve: WARNING: binding {host}: the page is served over plain HTTP to the network, so the "
        "token and everything the dashboard shows can be read on the way. Prefer the default (127.0.0.1) "
        f"and SSH port forwarding: ssh -L {port}:127.0.0.1:{port} <this host>"
    )


def choose_token(given: str | None) -> str:
    """--token, else $PCWATCH_SERVE_TOKEN (taken out of the environment, so dashboards do not inherit
    it), else a random one. Raises ValueError for a token too short or not URL-safe."""
    from .serve_server import new_token, valid_token

    from_env = os.environ.pop(TOKEN_VARIABLE, None)
    token = given or from_env or new_token()
    if not valid_token(token):
        raise ValueError(
            "the token must be at least 22 characters of A-Z a-z 0-9 . _ ~ - (128 bits); leave --token and "
            f"${TOKEN_VARIABLE} out for a random one"
        )
    return token


def run(args: argparse.Namespace, settings: Settings) -> ExitStatus:
    try:
        token = choose_token(args.token)
    except ValueError as refused:
        return refuse("serve", str(refused))
    logs.add_secret(token)  # never in the log file, whatever logs the URL or a header
    if args.max_sessions < 1:
        return refuse("serve", "--max-sessions must be at least 1")
    from .serve_server import check_frame_ancestors

    try:
        check_frame_ancestors(args.frame_ancestors)
    except ValueError as refused:
        return refuse("serve", str(refused))
    from tui.core.ports import PortUnavailable, check_bindable

    try:
        check_bindable(args.host, args.port)  # before the demo starts, and before aiohttp's traceback
    except PortUnavailable as unavailable:
        return refuse("serve", str(unavailable))
    warning = exposure_warning(args.host, args.port)
    if warning:
        print(warning, file=sys.stderr)
    from tui.simulator.demo import start_demo, wants_demo

    with contextlib.ExitStack() as stack:
        if wants_demo(settings):
            # One demo world for every tab (each tab's own in-process endpoint would be a different one).
            demo = start_demo(settings)
            stack.callback(demo.close)
            settings = demo.settings
            if settings.journal_path is None and not settings.no_journal:
                directory = private_temp_directory("pcwatch-serve-")
                stack.callback(shutil.rmtree, directory, ignore_errors=True)
                settings = _with_journal(settings, directory / "demo.sqlite3")
        # SIGHUP (the terminal went) and SIGTERM end the server as Ctrl-C does, through the cleanups
        # above (the demo's temporary directory is removed), instead of killing the process where it is.
        stack.enter_context(_ending_on(signal.SIGHUP, signal.SIGTERM))
        server = make_server(
            dashboard_command(settings),
            args.host,
            args.port,
            token=token,
            public_url=args.public_url,
            max_sessions=args.max_sessions,
            catalog=settings.catalog,
            frame_ancestors=args.frame_ancestors,
        )
        server.serve()
    return ExitStatus.OK


@contextlib.contextmanager
def _ending_on(*signals: signal.Signals) -> Iterator[None]:
    """While inside: each of `signals` raises aiohttp's GracefulExit in the main thread, which ends
    `web.run_app` as its own Ctrl-C handling does (textual-serve installs one for SIGINT and SIGTERM on
    its loop; SIGHUP it leaves to the default, which kills the process without any cleanup)."""
    from aiohttp.web_runner import GracefulExit

    def end(signum: int, _frame: object) -> None:
        raise GracefulExit()

    previous = {sig: signal.signal(sig, end) for sig in signals}
    try:
        yield
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)


def _with_journal(settings: Settings, path: Path) -> Settings:
    import dataclasses

    return dataclasses.replace(settings, journal_path=path)
