"""`pcwatch serve` in a real headless Chromium: opened with the URL it prints (its token), the dashboard
renders and shows the local endpoint's tasks; opened without the token, it refuses and starts nothing.
(The other attacks on `serve` are in tests/security/test_serve_access.py.)

textual-serve draws into an xterm.js canvas (WebGL), so the text is read where it travels: the websocket
frames the page receives (the app's terminal output), from Chromium's performance log.
"""

from __future__ import annotations

import base64
import contextlib
import json
import os
import shlex
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.support.serve import Served, serving
from tui.core.clock import SystemClock

ROOT = Path(__file__).resolve().parents[2]
CHROMIUM = "/usr/bin/chromium"
CHROMEDRIVER = "/usr/bin/chromedriver"
#: Wide enough for the table's Task id column (about 265 cells at the default font size).
WINDOW = "2400,1000"
CHROMIUM_FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    f"--window-size={WINDOW}",
    # Only 127.0.0.1: the page's web-font link must not reach the internet.
    "--host-resolver-rules=MAP * ~NOTFOUND , EXCLUDE 127.0.0.1",
]


@pytest.fixture(scope="session")
def chromium() -> str:
    """Debian's chromium and chromedriver, installed by tests/setup_browser.sh if missing."""
    if not (Path(CHROMIUM).exists() and Path(CHROMEDRIVER).exists()):
        result = subprocess.run(
            ["sh", str(ROOT / "tests" / "setup_browser.sh")], capture_output=True, text=True, timeout=900
        )
        if not (Path(CHROMIUM).exists() and Path(CHROMEDRIVER).exists()):
            pytest.skip(
                "!!! BROWSER TEST NOT RUN: chromium/chromium-driver could not be installed by"
                f" tests/setup_browser.sh (exit {result.returncode}): {result.stderr[-500:]} !!!"
            )
    return CHROMIUM


@pytest.fixture
def served_dashboard(tmp_path: Path) -> Iterator[tuple[Any, Served]]:
    from tui.simulator import Simulator, serve

    sim = Simulator(seed=3, history=40, clock=SystemClock())
    sim.add_task(duration=3600.0)
    with serve(sim, port=0) as endpoint:
        args = ["--endpoint-url", endpoint.url, "--demo", "--journal", str(tmp_path / "served.sqlite3")]
        with serving(*args) as served:
            yield sim, served


def test_serve_renders_the_dashboard_with_the_endpoint_tasks(
    chromium: str, served_dashboard, tmp_path
) -> None:
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    sim, served = served_dashboard
    url = served.url  # as printed: with the token
    options = webdriver.ChromeOptions()
    options.binary_location = chromium
    for flag in [*CHROMIUM_FLAGS, f"--user-data-dir={tmp_path / 'chromium'}"]:
        options.add_argument(flag)
    options.set_capability("goog:loggingPrefs", {"performance": "ALL"})
    driver = webdriver.Chrome(options=options, service=Service(CHROMEDRIVER))
    try:
        # Without the token (another local user reaching the port): a refusal page, no dashboard.
        driver.get(served.base)
        assert "needs its token" in driver.page_source
        time.sleep(0.5)
        assert served.children() == [] and sim.stats.calls.total() == 0

        page = PageLog(driver)
        driver.get(url)
        ids = {t.task_id for t in sim.tasks("Sandbox")}
        shown: set[str] = set()
        deadline = time.monotonic() + 45
        while time.monotonic() < deadline:
            time.sleep(0.5)
            page.read()
            screen = page.screen_text()
            shown = {i for i in ids if i in screen}
            # "● live" comes with the first completed poll, which may follow the first rows.
            if len(shown) >= 20 and f"{len(ids)} tasks" in screen and "● live" in screen:
                break
        screen = page.screen_text()
        # The page received the app's first bytes and shows it (textual.js marks the body).
        assert "-first-byte" in driver.execute_script("return document.body.className")
        assert f"{len(ids)} tasks" in screen  # the header's count, from the local endpoint
        assert len(shown) >= 20, f"only {len(shown)} of {len(ids)} task ids on the page"
        assert "IN_PROGRESS" in screen and "COMPLETE" in screen
        assert "● live" in screen  # this tab's dashboard polls...

        # ...and a second tab is a viewer of the same poller: it follows, making no calls of its own.
        driver.switch_to.new_window("tab")
        second = PageLog(driver)
        driver.get(url)
        shown_second = second.wait_for_screen("● following", f"{len(ids)} tasks")
        assert "● following" in shown_second and f"{len(ids)} tasks" in shown_second
    finally:
        driver.quit()


class PageLog:
    """What the page did on the network, from Chromium's performance log (read once, kept here): every
    request URL (documents, scripts, styles, fonts, images, websockets), the websocket frames' text, and
    the terminal those frames draw (the app's output fed to pyte: the dashboard sends only the cells that
    change, so a word on the screen need not travel whole in one frame)."""

    def __init__(self, driver: Any) -> None:
        import pyte

        self.driver = driver
        self.urls: list[str] = []
        self.frames: list[str] = []
        # Larger than the app's terminal (the window is about 265 cells wide): positions are absolute.
        self.screen = pyte.Screen(400, 120)
        self.terminal = pyte.ByteStream(self.screen)

    def screen_text(self) -> str:
        """The terminal as the page shows it now, a line per row."""
        return "\n".join(self.screen.display)

    def wait_for_screen(self, *texts: str, timeout: float = 45.0) -> str:
        """Frames read until the screen shows all `texts`; the screen's text then."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline and not all(t in self.screen_text() for t in texts):
            time.sleep(0.3)
            self.read()
        return self.screen_text()

    def network_hosts(self) -> set[str]:
        """host:port of every request to the network (the browser's own chrome:// pages and data: URLs
        are not network requests)."""
        from urllib.parse import urlsplit

        parts = [urlsplit(u) for u in self.urls]
        return {p.netloc for p in parts if p.scheme in ("http", "https", "ws", "wss")}

    def read(self) -> str:
        """Read what is new; returns the new frames' text."""
        new = []
        for entry in self.driver.get_log("performance"):
            message = json.loads(entry["message"])["message"]
            method, params = message["method"], message["params"]
            if method == "Network.requestWillBeSent":
                self.urls.append(params["request"]["url"])
            elif method == "Network.webSocketCreated":
                self.urls.append(params["url"])
            elif method == "Network.webSocketFrameReceived":
                response = params["response"]
                data = response["payloadData"]
                if response["opcode"] == 2:  # binary: the app's terminal output, base64 in the log
                    raw = base64.b64decode(data)
                    self.terminal.feed(raw)
                    data = raw.decode("utf-8", "replace")
                new.append(data)
        self.frames += new
        return "".join(new)

    def wait_for(self, *texts: str, timeout: float = 45.0) -> str:
        """Frames received until all `texts` were among them; what was received."""
        received = ""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline and not all(t in received for t in texts):
            time.sleep(0.3)
            received += self.read()
        return received


def _chrome(chromium: str, tmp_path: Path) -> Any:
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = chromium
    for flag in [*CHROMIUM_FLAGS, f"--user-data-dir={tmp_path / 'chromium'}"]:
        options.add_argument(flag)
    options.set_capability("goog:loggingPrefs", {"performance": "ALL"})
    return webdriver.Chrome(options=options, service=Service(CHROMEDRIVER))


def _kill_tree(pids: list[int]) -> None:
    for pid in pids:
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, signal.SIGKILL)


def test_the_page_has_a_title_and_icon_asks_no_other_host_and_reconnects_after_a_drop(
    chromium: str, served_dashboard, tmp_path
) -> None:
    """The tab is titled and has an icon; every request the page makes (its scripts, styles, the font,
    the icon, the websocket) goes to the served origin; when the server dies under an open page, the
    page says it is reconnecting, and once the server is back (same port, same token) it shows the
    dashboard again by itself."""
    sim, served = served_dashboard
    ids = {t.task_id for t in sim.tasks("Sandbox")}
    driver = _chrome(chromium, tmp_path)
    dashboards: list[int] = []
    try:
        page = PageLog(driver)
        driver.get(served.url)
        assert f"{len(ids)} tasks" in page.wait_for_screen(f"{len(ids)} tasks")
        assert driver.title == "pcwatch · Sandbox"
        icon = driver.execute_script("return document.querySelector('link[rel=icon]').href")
        status, kind = driver.execute_async_script(
            "const done = arguments[1]; fetch(arguments[0]).then(r => done([r.status, r.headers.get('content-type')]))",
            icon,
        )
        assert status == 200 and kind.startswith("image/svg+xml")
        # The bundled font is the one in use, loaded from this origin.
        assert driver.execute_script("return document.fonts.check('16px \"Roboto Mono\"')")

        # `c` copies the selected task's id to the browser's clipboard (through the page's terminal).
        # (The page may refuse it, so the notice says "Sent", not "Copied".)
        driver.execute_cdp_cmd(
            "Browser.grantPermissions",
            {
                "origin": served.base.rstrip("/"),
                "permissions": ["clipboardReadWrite", "clipboardSanitizedWrite"],
            },
        )
        driver.find_element("css selector", ".xterm-helper-textarea").send_keys("c")
        toast = page.wait_for("Sent task id", "clipboard", "\x1b]52;c;", timeout=15)
        assert "Sent task id" in toast and "browser" in toast and "\x1b]52;c;" in toast, toast[-2000:]
        copied = driver.execute_async_script(
            "const done = arguments[0]; navigator.clipboard.readText().then(done, e => done('error: ' + e))"
        )
        assert copied in ids and copied in toast, copied

        page.read()
        origin = f"127.0.0.1:{served.port}"
        assert any(u.endswith(".ttf") for u in page.urls), page.urls
        assert page.network_hosts() == {origin}, page.urls

        # The server dies with the page open (the connection drops without a goodbye)...
        dashboards = served.children()
        dashboards += [
            int(p) for pid in dashboards for p in Path(f"/proc/{pid}/task/{pid}/children").read_text().split()
        ]
        served.process.kill()
        served.process.wait(timeout=10)
        page.read()
        page.screen.reset()  # what the next session draws must be drawn by it
        deadline = time.monotonic() + 15
        while time.monotonic() < deadline and "-reconnecting" not in driver.execute_script(
            "return document.body.className"
        ):
            time.sleep(0.2)
        assert "-reconnecting" in driver.execute_script("return document.body.className")
        notice = driver.find_element("id", "pcwatch-reconnecting")
        assert notice.is_displayed() and "reconnecting" in notice.text
        assert "attempt" in driver.find_element("id", "pcwatch-reconnect-detail").text
        assert not driver.find_element("css selector", ".closed-dialog").is_displayed()
        _kill_tree(dashboards)

        # ...and comes back on the same port with the same token: the page reconnects by itself.
        with serving(*served.args, port=served.port, token=served.token) as again:
            shown = page.wait_for_screen(f"{len(ids)} tasks", "● live", timeout=60)
            assert f"{len(ids)} tasks" in shown and "● live" in shown
            classes = driver.execute_script("return document.body.className")
            assert "-reconnecting" not in classes and "-first-byte" in classes
            assert len(again.children()) == 1  # one new session
            assert page.network_hosts() == {origin}, page.urls
    finally:
        driver.quit()
        _kill_tree(dashboards)


def test_each_tab_runs_the_dashboard_with_the_same_options() -> None:
    from tui.commands.serve import dashboard_command
    from tui.core.settings import Settings

    settings = Settings(
        catalog="AWS",
        endpoint_url="http://127.0.0.1:1/x y",
        journal_path=Path("/tmp/j"),
        max_rate=0.5,
        daily_calls=99,
    )
    argv = shlex.split(dashboard_command(settings))
    assert argv[:3] == [sys.executable, "-m", "tui"]
    assert argv[3:] == [
        "--region=us-east-1", "--catalog=AWS", "--endpoint-url=http://127.0.0.1:1/x y",
        "--journal=/tmp/j", "--max-rate=0.5", "--daily-calls=99", "--log-level=info",
        "--notify-on=FAILED", "--notify-max-age=86400.0",
    ]  # fmt: skip
    logged = shlex.split(dashboard_command(Settings(log_file=Path("/tmp/p.log"), log_level="debug")))
    assert {"--log-file=/tmp/p.log", "--log-level=debug"} <= set(logged)
    # (every setting, generated: tests/commands/test_child_settings.py)
