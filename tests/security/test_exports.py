"""The dashboard's export (`e`) as a careless or hostile setting would test it: a file already at the
path (kept unless the user says to replace it), a symlink planted at the path (never followed), and a
browser session (the file goes to the browser as a download; nothing is written on the server)."""

from __future__ import annotations

import csv
import io
import os
import stat
from pathlib import Path
from typing import Any, ClassVar

import pytest
from textual.drivers.headless_driver import HeadlessDriver
from textual.widgets import Input

from tests.support.dashboard import make_app
from tui.dashboard.screens.export import ExportScreen, export_text, export_view
from tui.dashboard.screens.export_overwrite import OverwriteScreen


async def _export(pilot: Any, app: Any, path: Path, fmt: str = "csv") -> None:
    await pilot.press("e")
    assert isinstance(app.screen, ExportScreen)
    app.screen.query_one("#export-path", Input).value = str(path)
    await pilot.click(f"#export-{fmt}")
    await pilot.pause()


async def _notified(pilot: Any, app: Any, text: str) -> None:
    for _ in range(100):  # files are written by a thread worker
        if any(text in m for m in app.notices.messages()):
            return
        await pilot.pause(0.02)
    raise AssertionError(f"no notice with {text!r}: {app.notices.messages()}")


async def test_an_existing_file_is_replaced_only_when_the_user_says_so(tmp_path: Path) -> None:
    target = tmp_path / "report.csv"
    target.write_text("the user's own report\n")
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        await _export(pilot, app, target)
        assert isinstance(app.screen, OverwriteScreen)
        await pilot.press("enter")  # focus starts on "Keep it": a stray Enter keeps the file
        await _notified(pilot, app, "Not exported")
        assert target.read_text() == "the user's own report\n"

        await _export(pilot, app, target)
        assert isinstance(app.screen, OverwriteScreen)
        await pilot.click("#overwrite-yes")
        await _notified(pilot, app, "Exported")
        rows = list(csv.DictReader(target.open(encoding="utf-8")))
        assert [r["TaskId"] for r in rows] == app.table.row_ids()
        assert stat.S_IMODE(target.stat().st_mode) == 0o600


async def test_a_planted_symlink_is_never_followed(tmp_path: Path) -> None:
    victim = tmp_path / "victim.txt"
    victim.write_text("must survive\n")
    link = tmp_path / "pcwatch-export.csv"
    link.symlink_to(victim)
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        await _export(pilot, app, link)
        assert isinstance(app.screen, OverwriteScreen)
        assert "symbolic link" in str(app.screen.query_one("Label").render())
        await pilot.click("#overwrite-yes")
        await _notified(pilot, app, "Exported")
    assert victim.read_text() == "must survive\n"
    assert not link.is_symlink() and link.read_text(encoding="utf-8").startswith("Kind,WireKind,TaskId")


def test_without_overwrite_an_existing_path_is_refused_even_if_it_appeared_late(tmp_path: Path) -> None:
    path = tmp_path / "late.json"
    path.write_text("[]")
    with pytest.raises(FileExistsError):
        export_view([], lambda _id: None, path, "json")
    (tmp_path / "dangling.json").symlink_to(tmp_path / "nowhere")
    with pytest.raises(FileExistsError):
        export_view([], lambda _id: None, tmp_path / "dangling.json", "json")
    assert not (tmp_path / "nowhere").exists()


class WebDriver(HeadlessDriver):
    """A driver that says it is a browser session (and is not headless to the app, or run_test would
    replace it), writes nothing anywhere, and records what is delivered to it."""

    delivered: ClassVar[list[dict[str, Any]]] = []

    @property
    def is_web(self) -> bool:
        return True

    @property
    def is_headless(self) -> bool:
        return False

    def write(self, data: str) -> None:
        pass

    def deliver_binary(self, binary: Any, **kwargs: Any) -> None:
        WebDriver.delivered.append({"data": binary.read(), **kwargs})
        binary.close()


async def test_in_a_browser_session_the_export_is_a_download_and_nothing_is_written(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    WebDriver.delivered = []
    app = make_app(driver_class=WebDriver)
    async with app.run_test(size=(120, 40), headless=False) as pilot:
        await pilot.pause()
        assert app.is_web
        await pilot.press("e")
        assert isinstance(app.screen, ExportScreen)
        assert not app.screen.query("#export-path")  # no server path to choose
        await pilot.click("#export-json")
        await _notified(pilot, app, "Sent")
        records = [app.store.task(t) for t in app.table.row_ids()]
        expected, count = export_text(records, app.store.completion, "json")
    (delivery,) = WebDriver.delivered
    assert delivery["data"] == expected and count == len(records)
    assert delivery["save_path"].name.endswith(".json") and delivery["mime_type"] == "application/json"
    assert os.listdir(tmp_path) == []
    assert io.StringIO(expected).read(1) == "["
