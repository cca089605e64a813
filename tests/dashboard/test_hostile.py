"""Hostile strings from the API are shown literally and never reach the terminal as control sequences.

The app runs with a driver that hands the terminal bytes to a `pyte` emulator, so the checks are on
what a terminal would receive and show, not on widget internals."""

from __future__ import annotations

import dataclasses
import random
import re

import msgspec

from schemas import ValidationException, ValidationExceptionError
from tests.support.dashboard import T0, CountingDriver, FakeStore, ScreenRecorder, make_app, make_task

NASTY = (
    "[red]x[/red] [link=https://evil.example]y[/link] \x1b[2J\x1b]52;c;ZXZpbA==\x07 nul\x00 del\x7f csi\x9b1m"
)


def hostile_store() -> FakeStore:
    store = FakeStore()
    rng = random.Random(1)
    records = []
    for i in range(6):
        r = make_task(i, rng, status="FAILED", reason_code="[bold]Reason\x1b[31m", message=NASTY)
        records.append(
            msgspec.structs.replace(
                r, task_id=f"task-{i}\x1b[2J[blink]", opportunity_id="O1\x00\x1b]8;;x\x07"
            )
        )
    store.apply_tasks(records, T0, quiet=True)
    return store


def _sequences_from_data(raw: str) -> list[str]:
    """Terminal sequences that only hostile data could have produced."""
    raw = re.sub(r"\x1b\]22;[\w-]+\x07", "", raw)  # Textual's own pointer-shape sequence
    bad = ["\x1b[2J", "\x1b]52", "\x1b]8;", "\x00", "\x7f", "\x9b", "\x07"]
    return [b for b in bad if b in raw]


async def test_hostile_strings_are_shown_literally_and_never_as_sequences() -> None:
    app = make_app(store=hostile_store(), driver_class=CountingDriver)
    async with app.run_test(size=(160, 48), headless=False) as pilot:
        recorder = ScreenRecorder(app, 160, 48)
        app.screen.refresh()
        await pilot.pause()
        error = ValidationException(
            message=NASTY,
            reason="[i]R\x1b[5m",
            error_list=[ValidationExceptionError(field_name="\x1b]52;c;eA==\x07", message=NASTY)],
        )
        app.poller.set_status(state="stale", last_error=NASTY, last_service_error=error)
        await pilot.pause()
        await pilot.press("enter")  # the JSON record view too
        await pilot.pause()
        await pilot.press("escape")
        await pilot.pause()
        raw = "".join(recorder.raw)
        assert _sequences_from_data(raw) == []
        screen = recorder.text
        assert "[red]x[/red]" in screen  # markup shown, not interpreted
        assert "␛[2J" in screen
        assert "task-0␛[2J[blink]" in screen
        details = app.query_one("#details").plain
        assert (
            "[link=https://evil.example]y[/link]" in details and "nul␀" in details and "csi\\x9b1m" in details
        )
        assert "␛]52;c;eA==␇" in details


async def test_copy_of_a_hostile_id_is_base64_inside_osc52() -> None:
    app = make_app(store=hostile_store(), driver_class=CountingDriver)
    async with app.run_test(size=(120, 40), headless=False) as pilot:
        recorder = ScreenRecorder(app, 120, 40)
        await pilot.pause()
        await pilot.press("c")
        await pilot.pause()
        raw = "".join(recorder.raw)
        assert raw.count("\x1b]52;c;") == 1  # our own OSC 52, whose payload is base64
        assert "\x1b[2J" not in raw


async def test_a_one_megabyte_message_is_shown_cut() -> None:
    # Cut to a bounded size, so rendering it cannot cost more than a normal message (no timed assertion)
    store = FakeStore()
    record = make_task(
        0, random.Random(2), status="FAILED", reason_code="InternalError", message="A" * 1_000_000
    )
    store.apply_tasks([record], T0, quiet=True)
    app = make_app(store=store)
    async with app.run_test(size=(160, 48)) as pilot:
        await pilot.pause()
        await pilot.press("enter")
        await pilot.pause()
        details = app.query_one("#details").plain
        assert "more characters)" in details and len(details) < 30_000


async def test_hostile_bulk_job_texts_and_engagement_messages_are_shown_literally() -> None:
    """A job's file name and failure reason, its records' ErrorCode and ErrorMessage, its report URL and a
    prospecting task's engagement messages and reason codes: shown literally, never as sequences."""
    from tests.support.dashboard import (
        bulk_store,
        make_bulk_job,
        make_prospecting_outcome,
        make_report,
        make_results,
    )
    from tui.core.clock import MockClock

    bidi = "\u202eevil\u202c\u200b"
    clock = MockClock(T0)
    store = bulk_store(clock=clock)
    job = make_bulk_job(
        0, "FAILED", processed=20, failed=3, file_name=f"x{NASTY}{bidi}.csv", failure_reason=NASTY
    )
    job = msgspec.structs.replace(job, status="FAILED\x1b[5m")
    store.apply_bulk_jobs([job], quiet=True)
    results = make_results(job, message=NASTY)
    results = dataclasses.replace(
        results,
        results=tuple(
            msgspec.structs.replace(r, error_code="[b]E\x1b[31m", resource_identifier=f"O{bidi}\x07")
            for r in results.results
        ),
    )
    store.apply_bulk_results(results)
    url = f"https://reports.example.com/x?a=1\x1b]52;c;ZXZpbA==\x07&b=[red]2[/red]{bidi}"
    store.apply_report_url(make_report(job, url=url))
    prospecting = "task-p0000000000001"
    store.apply_prospecting(
        make_prospecting_outcome(store.task(prospecting), reason_code="[i]Code\x1b[2J", message=NASTY)
    )
    app = make_app(store=store, clock=clock, driver_class=CountingDriver)
    async with app.run_test(size=(160, 48), headless=False) as pilot:
        recorder = ScreenRecorder(app, 160, 48)
        app.screen.refresh()
        await pilot.pause()
        for _ in range(app.table.row_count):  # the prospecting task's details
            if app.table.selected_id == prospecting:
                break
            await pilot.press("down")
        await pilot.pause()
        details = app.query_one("#details").plain
        assert "[i]Code␛[2J" in details and "[red]x[/red]" in details and "␛]52;c;ZXZpbA==␇" in details
        await pilot.press("b")
        await pilot.pause()
        screen = app.screen
        for _ in range(len(screen.table.ids)):
            if screen.table.selected_id == job.job_id:
                break
            await pilot.press("down")
        await pilot.pause()
        await pilot.press("c")
        await pilot.pause()
        raw = "".join(recorder.raw)
        # Ours: the copy's OSC 52 (base64 inside, so nothing of the URL can act), and nothing else.
        assert raw.count("\x1b]52;c;") == 1
        start = raw.index("\x1b]52;c;")
        end = raw.index("\x07", start) + 1
        assert _sequences_from_data(raw[:start] + raw[end:]) == []
        assert "\u202e" not in raw and "\u200b" not in raw
        shown = screen.details.plain
        assert "https://reports.example.com/x?a=1␛]52;c;ZXZpbA==␇&b=[red]2[/red]" in shown
        assert "\\u202eevil\\u202c\\u200b" in shown  # bidi and zero-width characters made visible
        assert "[b]E␛[31m" in shown and "[link=https://evil.example]y[/link]" in shown
        assert "FAILED␛[5m" in shown and "nul␀" in shown
        assert app.clipboard == screen.details.plain.split("Report    ")[1].split("\n")[0]
        assert "[red]x[/red]" in recorder.text  # the file name, literal, in the table
