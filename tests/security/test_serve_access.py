"""`pcwatch serve` attacked as another local user of the jump host would: reach the port without the
token (page and websocket), open the websocket from a foreign page or with no Origin, and open more
dashboards than the owner allowed. Each is refused and starts no dashboard process; the endpoint's own
request count shows that no dashboard ever polled."""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import aiohttp
import pytest

from tests.support.serve import Served, serving
from tui.core.clock import SystemClock


@pytest.fixture(scope="module")
def endpoint() -> Iterator[Any]:
    from tui.simulator import Simulator, serve

    sim = Simulator(seed=5, history=20, clock=SystemClock())
    with serve(sim, port=0) as ep:
        yield ep


def _serve_args(endpoint: Any, *extra: str) -> list[str]:
    return ["--endpoint-url", endpoint.url, "--demo", "--no-journal", *extra]


@pytest.fixture(scope="module")
def served(endpoint: Any) -> Iterator[Served]:
    with serving(*_serve_args(endpoint, "--max-sessions", "2")) as s:
        yield s


async def _handshake(url: str, **kwargs: Any) -> int:
    """The HTTP status of a websocket handshake (101 if it was accepted; then it is closed)."""
    async with aiohttp.ClientSession() as session:
        try:
            async with session.ws_connect(url, **kwargs) as ws:
                await ws.close()
                return 101
        except aiohttp.WSServerHandshakeError as refused:
            return refused.status


def _no_dashboard_started(served: Served, endpoint: Any) -> None:
    time.sleep(0.3)  # a started dashboard would be a child process within milliseconds
    assert served.children() == []
    assert endpoint.simulator.stats.calls.total() == 0


def test_the_printed_url_carries_a_random_token_of_at_least_128_bits(served: Served) -> None:
    assert served.url.startswith(f"http://127.0.0.1:{served.port}/?token=")
    assert len(served.token) >= 43  # 32 random bytes, URL-safe base64
    assert not any(served.token in line for line in served.output if "open" not in line)


async def test_a_second_client_without_the_token_gets_403_and_no_dashboard(served, endpoint) -> None:
    async with aiohttp.ClientSession() as session:
        for url in (served.base, served.base + "?token=" + "x" * 43, served.base + "static/js/textual.js"):
            async with session.get(url) as response:
                assert response.status == 403, url
                assert "needs its token" in await response.text()
                assert "Set-Cookie" not in response.headers
        wrong_cookie = {f"pcwatch-token-{served.port}": "y" * 43}
        async with aiohttp.ClientSession(cookies=wrong_cookie) as other, other.get(served.base) as response:
            assert response.status == 403
    origin = served.base.rstrip("/")
    assert await _handshake(served.ws_url, origin=origin) == 403
    assert await _handshake(served.ws_url + "&token=" + "z" * 43, origin=origin) == 403
    assert await _handshake(served.ws_url, origin=origin, headers={"Authorization": "token nope"}) == 403
    _no_dashboard_started(served, endpoint)


async def test_a_foreign_or_missing_origin_cannot_open_the_websocket_even_with_the_token(
    served, endpoint
) -> None:
    with_token = served.ws_url + "&token=" + served.token
    foreign = [
        "https://evil.example",
        f"http://127.0.0.1:{served.port + 1}",  # another port on this host: another user's server
        f"http://localhost:{served.port}",  # same host, other name: not the served origin
        f"https://127.0.0.1:{served.port}",
        "null",
    ]
    for origin in foreign:
        assert await _handshake(with_token, origin=origin) == 403, origin
    assert await _handshake(with_token) == 403  # no Origin at all (aiohttp sends none unless asked)
    _no_dashboard_started(served, endpoint)


async def test_the_page_sets_an_httponly_samesite_cookie_that_the_websocket_accepts(served) -> None:
    # unsafe=True: keep cookies of an IP-address host, as browsers do (aiohttp does not by default).
    async with aiohttp.ClientSession(cookie_jar=aiohttp.CookieJar(unsafe=True)) as session:
        async with session.get(served.url) as response:
            assert response.status == 200
            cookie = response.headers["Set-Cookie"]
            assert cookie.startswith(f"pcwatch-token-{served.port}={served.token};")
            assert "HttpOnly" in cookie and "SameSite=Strict" in cookie and "Path=/" in cookie
            assert response.headers["Referrer-Policy"] == "no-referrer"
            assert response.headers["X-Frame-Options"] == "DENY"
        # The page's scripts and its websocket now carry only the cookie.
        async with session.get(served.base + "static/js/textual.js") as response:
            assert response.status == 200
        async with session.ws_connect(served.ws_url, origin=served.base.rstrip("/")) as ws:
            message = await ws.receive(timeout=30)  # the dashboard's first output
            assert message.type in (aiohttp.WSMsgType.BINARY, aiohttp.WSMsgType.TEXT)
            assert len(served.children()) == 1
            await ws.close()


async def test_one_session_over_the_cap_gets_a_page_not_a_process(endpoint) -> None:
    with serving(*_serve_args(endpoint, "--max-sessions", "1")) as served:
        origin = served.base.rstrip("/")
        with_token = served.ws_url + "&token=" + served.token
        async with aiohttp.ClientSession() as session, session.ws_connect(with_token, origin=origin) as ws:
            await ws.receive(timeout=30)
            assert len(served.children()) == 1
            async with session.get(served.url) as page:
                assert page.status == 503
                text = await page.text()
                assert "All pcwatch sessions are in use" in text and "--max-sessions" in text
            assert await _handshake(with_token, origin=origin) == 503
            await asyncio.sleep(0.3)
            assert len(served.children()) == 1
            await ws.close()


def test_a_short_or_unsafe_token_is_refused(endpoint) -> None:
    from tests.support.writes import run_pcwatch

    for bad in ("short", "x" * 21, "a" * 30 + "<script>"):
        result = run_pcwatch("serve", "--port", "1", "--token", bad, timeout=30)
        assert result.returncode == 2 and "at least 22 characters" in result.stderr, bad
    result = run_pcwatch("serve", "--port", "1", timeout=30, PCWATCH_SERVE_TOKEN="tooshort")
    assert result.returncode == 2


async def test_the_token_from_the_environment_is_used_and_no_dashboard_inherits_it(
    endpoint, monkeypatch
) -> None:
    token = "team-chosen-token-0123456789abcdef"
    monkeypatch.setenv("PCWATCH_SERVE_TOKEN", token)
    with serving(*_serve_args(endpoint)) as served:
        assert served.token == token
        async with (
            aiohttp.ClientSession() as session,
            session.ws_connect(served.ws_url + "&token=" + token, origin=served.base.rstrip("/")) as ws,
        ):
            await ws.receive(timeout=30)
            dashboards = served.children()
            dashboards += [
                int(p)
                for pid in dashboards
                for p in Path(f"/proc/{pid}/task/{pid}/children").read_text().split()
            ]
            assert len(dashboards) >= 2  # the shell and the dashboard under it
            for pid in dashboards:
                assert token.encode() not in Path(f"/proc/{pid}/environ").read_bytes()
                assert token.encode() not in Path(f"/proc/{pid}/cmdline").read_bytes()
            await ws.close()


def test_a_page_reached_under_another_name_says_to_open_the_printed_url(served) -> None:
    import urllib.error
    import urllib.request

    request = urllib.request.Request(served.url, headers={"Host": f"localhost:{served.port}"})
    with pytest.raises(urllib.error.HTTPError) as refused:
        urllib.request.urlopen(request, timeout=10)
    assert refused.value.code == 400 and b"Open the URL pcwatch serve printed" in refused.value.read()


def test_origins_compare_scheme_host_and_port_exactly() -> None:
    from tui.commands.serve_server import same_origin

    served = "http://127.0.0.1:8000"
    assert same_origin("http://127.0.0.1:8000", served)
    assert same_origin("HTTP://127.0.0.1:8000", served + "/")
    assert same_origin("https://tunnel.example", "https://tunnel.example:443")
    for origin in (None, "", "null", "http://127.0.0.1", "http://127.0.0.1:8001", "http://localhost:8000"):
        assert not same_origin(origin, served), origin


async def test_an_export_in_a_browser_session_is_a_download_behind_the_token(served) -> None:
    """`e` in a served dashboard: the file comes to the browser from /download/KEY, which needs the
    token too; nothing is written on the server."""
    origin = served.base.rstrip("/")
    wide = f"ws://127.0.0.1:{served.port}/ws?width=160&height=48"
    jar = aiohttp.CookieJar(unsafe=True)
    async with aiohttp.ClientSession(cookie_jar=jar) as session:
        async with session.get(served.url) as page:
            assert page.status == 200
        async with session.ws_connect(wide, origin=origin) as ws:
            screen = b""
            while b"tasks" not in screen:  # the dashboard is up and shows its tasks
                message = await ws.receive(timeout=30)
                if message.type == aiohttp.WSMsgType.BINARY:
                    screen += message.data
            await ws.send_json(["stdin", "e"])
            await asyncio.sleep(0.5)
            await ws.send_json(["stdin", "\r"])  # the first button: CSV
            key = None
            while key is None:
                message = await ws.receive(timeout=30)
                if message.type == aiohttp.WSMsgType.TEXT and "deliver_file_start" in message.data:
                    key = json.loads(message.data)[1]
            async with (
                aiohttp.ClientSession() as stranger,
                stranger.get(served.base + f"download/{key}") as refused,
            ):
                assert refused.status == 403
            async with session.get(served.base + f"download/{key}") as download:
                assert download.status == 200
                body = await download.text()
                assert (
                    body.startswith("Kind,WireKind,TaskId")
                    and "attachment" in download.headers["Content-Disposition"]
                )
            await ws.close()


def test_no_page_may_frame_the_dashboard_unless_named_by_frame_ancestors() -> None:
    """By default framing is refused outright; `--frame-ancestors` (what `Watch.dashboard()` passes: the
    notebook's own host, any port) names the origins that may, and nothing else reaches the header."""
    from tui.commands.serve_server import check_frame_ancestors, security_headers

    default = security_headers()
    assert (
        default["X-Frame-Options"] == "DENY"
        and default["Content-Security-Policy"] == "frame-ancestors 'none'"
    )
    allowed = security_headers(check_frame_ancestors(["http://127.0.0.1:*", "https://[::1]:8888"]))
    assert "X-Frame-Options" not in allowed
    assert (
        allowed["Content-Security-Policy"] == "frame-ancestors 'self' http://127.0.0.1:* https://[::1]:8888"
    )
    for bad in ("*", "http://*", "127.0.0.1:8888", "http://a.example/path", "http://a.example; script-src *",
                "javascript:alert(1)", "http://a.example:*:1", "data:"):  # fmt: skip
        with pytest.raises(ValueError, match="--frame-ancestors"):
            check_frame_ancestors([bad])


def test_serve_refuses_a_frame_ancestor_that_is_no_origin() -> None:
    from tests.support.writes import run_pcwatch

    result = run_pcwatch(
        "serve", "--port", "1", "--frame-ancestors", "http://a.example 'unsafe-inline'", timeout=30
    )
    assert result.returncode == 2 and "give an origin such as" in result.stderr
