"""Hostile text from the API shown everywhere pcwatch outputs it: on the terminal (a pyte screen fed the
dashboard's bytes), in `pcwatch list` (plain, CSV, JSON), in exports and in what `c`/`y` copy. Control
characters, ESC/C1 and Unicode format characters (bidi overrides and isolates, zero-width characters,
the BOM: category Cf) never arrive raw; CSV cells never start a spreadsheet formula; JSON stays lossless."""

from __future__ import annotations

import base64
import csv
import io
import json
import random
import re
import subprocess
import sys
import unicodedata
from collections.abc import Iterator
from pathlib import Path

import msgspec
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from schemas import TaskStatus, ValidationException, ValidationExceptionError
from tests.support.dashboard import T0, CountingDriver, FakeStore, ScreenRecorder, make_app, make_task
from tests.support.writes import ROOT, cli_env
from tui.core.text_safety import CSV, JSON, LINE, LINES, visible
from tui.dashboard.screens.export import export_view
from tui.simulator import Simulator, serve

#: The format characters the issue names, and others of category Cf.
FORMAT = "\u200b\u200c\u200d\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069\u061c\ufeff\u00ad\U000e0041"
#: A line that reads "invoice paid" but whose logical order says otherwise (Trojan Source).
REORDERED = "invoice \u202edias ton\u202c \u2066paid\u2069"
CONTROLS = "\x1b[2J\x1b]52;c;ZXZpbA==\x07\x9b31m\x00\x7f\r"
HOSTILE = f"{REORDERED} {CONTROLS} zero\u200bwidth \ufeffbom"
UNSAFE_CATEGORIES = {"Cc", "Cf", "Cs", "Zl", "Zp"}


def unsafe(text: str, allowed: str = "") -> list[str]:
    """The characters of `text` a terminal or a reader could act on (besides `allowed`)."""
    return [c for c in text if unicodedata.category(c) in UNSAFE_CATEGORIES and c not in allowed]


# --- the one function --------------------------------------------------------------------------------


def test_every_format_character_the_issue_names_becomes_a_visible_escape() -> None:
    for ch in FORMAT:
        shown = visible(f"a{ch}b")
        assert unsafe(shown) == [] and shown != "ab", hex(ord(ch))
    assert visible("x\u202ey") == "x\\u202ey"
    assert visible("tag\U000e0041") == "tag\\U000e0041"
    assert visible("\x1b[2J\x9b") == "␛[2J\\x9b"


# No deadline: the first call builds the escape tables (all of Unicode scanned once), slow on a busy CI.
QUICK = settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@QUICK
@given(st.text())
def test_no_form_lets_an_unsafe_character_through(text: str) -> None:
    assert unsafe(visible(text, form=LINE)) == []
    assert unsafe(visible(text, form=LINES), allowed="\n") == []
    cell = visible(text, form=CSV)
    assert unsafe(cell, allowed="\n\t") == []
    assert not cell.startswith(("=", "+", "-", "@", "\t", "\r"))


@QUICK
@given(st.recursive(st.text() | st.integers(), lambda kids: st.lists(kids, max_size=4)))
def test_json_stays_the_same_data_with_no_raw_unsafe_character(value) -> None:
    encoded = msgspec.json.encode(value).decode("utf-8", "surrogatepass")
    shown = visible(encoded, form=JSON)
    assert unsafe(shown) == []
    assert json.loads(shown) == json.loads(encoded)


# --- the dashboard on a terminal ---------------------------------------------------------------------


def hostile_store() -> FakeStore:
    store = FakeStore()
    rng = random.Random(4)
    records = [
        msgspec.structs.replace(
            make_task(i, rng, status="FAILED", reason_code=f"Reason\u202e{i}", message=HOSTILE),
            task_id=f"task-{i}\u202e\u2066evil\x1b[2J",
            resource_snapshot_job_id=f"job-{i}\u200b\x9b",
        )
        for i in range(4)
    ]
    store.apply_tasks(records, T0, quiet=True)
    return store


async def test_format_characters_never_reach_the_terminal_and_show_as_escapes() -> None:
    app = make_app(store=hostile_store(), driver_class=CountingDriver)
    async with app.run_test(size=(160, 48), headless=False) as pilot:
        recorder = ScreenRecorder(app, 160, 48)
        app.screen.refresh()
        await pilot.pause()
        error = ValidationException(
            message=HOSTILE,
            reason="R\u202eX",
            error_list=[ValidationExceptionError(field_name="F\u2067x\u2069", message=HOSTILE)],
        )
        app.poller.set_status(state="stale", last_error=HOSTILE, last_service_error=error)
        await pilot.pause()
        await pilot.press("enter")  # the JSON record view
        await pilot.pause()
        record_view = app.screen.query_one("#record-json").content.plain
        await pilot.press("escape")
        await pilot.pause()
        raw = "".join(recorder.raw)
        assert [c for c in FORMAT if c in raw] == []
        assert "\x9b" not in raw and "\x1b[2J" not in raw and "\x1b]52" not in raw
        screen = recorder.text
        assert "task-0\\u202e\\u2066evil␛[2J" in screen
        assert "\\u202edias ton\\u202c" in app.query_one("#details").plain
        assert "F\\u2067x\\u2069" in app.query_one("#details").plain
        assert "\\u202e" in record_view and "\u202e" not in record_view


async def test_c_and_y_copy_ids_without_control_or_format_characters() -> None:
    app = make_app(store=hostile_store(), driver_class=CountingDriver)
    async with app.run_test(size=(160, 48), headless=False) as pilot:
        recorder = ScreenRecorder(app, 160, 48)
        await pilot.pause()
        record = app.store.task(app.table.selected_id)
        copied = []
        for key in ("c", "y"):
            await pilot.press(key)
            await pilot.pause()
            copied.append(app.clipboard)
        assert copied == [visible(record.task_id), visible(record.resource_snapshot_job_id)]
        assert all(unsafe(text) == [] for text in copied)
        raw = "".join(recorder.raw)
        payloads = re.findall(r"\x1b\]52;c;([A-Za-z0-9+/=]*)\x07", raw)
        assert [base64.b64decode(p).decode() for p in payloads] == copied  # what the clipboard receives


# --- exports -----------------------------------------------------------------------------------------


def test_exports_escape_controls_and_format_characters_and_quote_formulas(tmp_path: Path) -> None:
    formulas = ['=HYPERLINK("http://evil.example","x")', "+1+1", "-2", "@SUM(A1)", "\tx", "\r=1"]
    rng = random.Random(9)
    records = [make_task(0, rng, status="FAILED", reason_code="Reason\u202e", message=HOSTILE)]
    records += [make_task(i + 1, rng, status="FAILED", message=m) for i, m in enumerate(formulas)]
    export_view(records, lambda _id: None, tmp_path / "v.csv", "csv")
    export_view(records, lambda _id: None, tmp_path / "v.json", "json")
    csv_text = (tmp_path / "v.csv").read_text(encoding="utf-8")
    json_text = (tmp_path / "v.json").read_text(encoding="utf-8")
    assert unsafe(csv_text, allowed="\n\r\t") == [] and "\x1b" not in csv_text
    assert unsafe(json_text, allowed="\n") == []
    rows = list(csv.DictReader(io.StringIO(csv_text)))
    messages = [r["Message"] for r in rows]
    assert messages[0].startswith("invoice \\u202edias ton\\u202c") and "␛[2J" in messages[0]
    assert messages[1:] == ["'" + visible(m, form=CSV).lstrip("'") for m in formulas]
    assert all(not m.startswith(("=", "+", "-", "@", "\t", "\r")) for m in messages)
    assert [d["Message"] for d in json.loads(json_text)] == [HOSTILE, *formulas]  # JSON: lossless


# --- pcwatch list ------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def endpoint_with_hostile_tasks() -> Iterator[str]:
    sim = Simulator(seed=2, history=0, enforce_quotas=False)
    for message in (HOSTILE, "=cmd|' /C calc'!A0", "+SUM(1)", "-1", "@x", "\tTAB"):
        sim.add_task(status=TaskStatus.FAILED, reason_code="InternalError", message=message)
    with serve(sim) as endpoint:
        yield endpoint.url


def _list(url: str, *args: str) -> str:
    result = subprocess.run(
        [sys.executable, "-m", "tui", "list", "--endpoint-url", url, *args],
        capture_output=True,
        text=True,
        env=cli_env(),
        cwd=ROOT,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    return result.stdout


def test_list_plain_shows_hostile_text_as_escapes(endpoint_with_hostile_tasks) -> None:
    out = _list(endpoint_with_hostile_tasks)
    assert unsafe(out, allowed="\n") == []
    assert "invoice \\u202edias ton\\u202c" in out


def test_list_csv_quotes_formula_cells_and_escapes_the_rest(endpoint_with_hostile_tasks) -> None:
    out = _list(endpoint_with_hostile_tasks, "--csv")
    assert unsafe(out, allowed="\n\t") == []
    messages = sorted(r["Message"] for r in csv.DictReader(io.StringIO(out)))
    assert messages == sorted(
        ["'=cmd|' /C calc'!A0", "'+SUM(1)", "'-1", "'@x", "'\tTAB", visible(HOSTILE, form=CSV)]
    )


def test_list_json_escapes_unsafe_characters_and_keeps_the_data(endpoint_with_hostile_tasks) -> None:
    out = _list(endpoint_with_hostile_tasks, "--json")
    assert unsafe(out, allowed="\n") == []
    messages = {json.loads(line)["Message"] for line in out.splitlines()}
    assert HOSTILE in messages and "=cmd|' /C calc'!A0" in messages
