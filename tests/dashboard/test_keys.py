"""Every key of the dashboard, driven through Pilot against fakes."""

from __future__ import annotations

import csv
import json
from pathlib import Path
from typing import Any

from textual.widgets import Input

from schemas.kinds import TASK_KINDS
from tests.support.dashboard import make_app
from tui.dashboard.clipboard import (
    NO_CLIPBOARD,
    OSC52,
    TMUX_FAILED,
    TMUX_LOAD,
    TMUX_TAKES_OSC52,
    Clipboard,
    clipboard_reach,
)
from tui.dashboard.screens.export import ExportScreen
from tui.dashboard.screens.help import HelpScreen
from tui.dashboard.screens.record import RecordScreen


async def test_slash_filters_by_id_reason_and_message_and_escape_clears() -> None:
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        table = app.table
        failed = next(r for r in app.store.tasks() if r.task_status == "FAILED")
        await pilot.press("slash")
        box = app.query_one("#filter", Input)
        assert box.has_focus and box.display
        await pilot.press(*failed.task_id)
        assert table.row_ids() == [failed.task_id]
        await pilot.press("enter")
        assert table.has_focus and table.needle == failed.task_id.lower()
        await pilot.press("slash", "escape")
        assert table.row_count == 200 and not box.has_class("-shown")
        await pilot.press("slash", *failed.reason_code.upper())
        assert table.row_count >= 1
        assert all(app.store.task(t).reason_code == failed.reason_code for t in table.row_ids())
        await pilot.press("escape")
        await pilot.press("slash", *"could not be completed")  # message text
        assert table.row_count == sum(1 for r in app.store.tasks() if r.message)
        await pilot.press("escape")
        # A kind's short name, as the Kind column shows it, shows the tasks of that kind.
        await pilot.press("slash", *"OPP-TO-ENG")
        opp_to_eng = {r.task_id for r in app.store.tasks() if r.kind == "EngagementFromOpportunity"}
        assert opp_to_eng and set(table.row_ids()) == opp_to_eng


async def test_status_and_kind_toggles_and_zero_resets() -> None:
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        table = app.table
        statuses = lambda: {app.store.task(t).task_status for t in table.row_ids()}  # noqa: E731
        kinds = lambda: {app.store.task(t).kind for t in table.row_ids()}  # noqa: E731
        await pilot.press("1")
        assert statuses() == {"COMPLETE", "FAILED"}
        await pilot.press("2")
        assert statuses() == {"FAILED"}
        await pilot.press("1", "2", "3")
        assert statuses() == {"IN_PROGRESS", "COMPLETE"}
        await pilot.press("3")
        assert table.statuses is None
        await pilot.press("4", "5")
        assert kinds() == {"OpportunityFromEngagement"}
        assert "kind: eng-to-opp" in app.query_one("#viewbar").plain_lines[0]
        await pilot.press("6")
        assert table.row_count == 0 and table.selected_id is None
        assert "0 of 200" in app.query_one("#viewbar").plain_lines[0]
        await pilot.press("0")
        assert table.row_count == 200 and table.selected_id is not None


async def test_s_cycles_the_sorts() -> None:
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        table = app.table
        seen = [table.sort]
        for _ in range(5):
            await pilot.press("s")
            seen.append(table.sort)
            assert table.sort in app.query_one("#viewbar").plain_lines[0] or True
        assert seen == ["default", "start", "status", "kind", "duration", "default"]
        await pilot.press("s")
        starts = [app.store.task(t).start_time for t in table.row_ids()]
        assert starts == sorted(starts, reverse=True)
        await pilot.press("s")  # status: failed first
        assert app.store.task(table.id_at(0)).task_status == "FAILED"


async def test_enter_shows_the_record_as_json() -> None:
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        selected = app.table.selected_id
        await pilot.press("enter")
        assert isinstance(app.screen, RecordScreen)
        doc = json.loads(app.screen.text)
        assert doc["Task"]["TaskId"] == selected
        wire = app.store.task(selected).kind
        assert doc["Task"]["WireKind"] == wire
        assert doc["Task"]["Kind"] == TASK_KINDS[wire].short
        await pilot.press("escape")
        assert not isinstance(app.screen, RecordScreen)


async def test_c_and_y_copy_the_task_and_job_ids() -> None:
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        await pilot.press("c")
        assert app.clipboard == app.table.selected_id
        await pilot.press("3", "1")  # complete tasks only: they have snapshot jobs
        record = app.store.task(app.table.selected_id)
        await pilot.press("y")
        assert app.clipboard == record.resource_snapshot_job_id


async def test_the_copy_toast_claims_a_copy_only_where_pcwatch_knows_it_arrived() -> None:
    tmux_buffer: list[str] = []
    for clipboard, says in (
        (Clipboard(OSC52), "Sent task id"),  # the terminal may or may not honour OSC 52
        (Clipboard(NO_CLIPBOARD), "Task id: "),
        (Clipboard(TMUX_TAKES_OSC52), "Copied task id"),  # tmux `set-clipboard on` takes it
        (Clipboard(TMUX_LOAD, load_tmux_buffer=lambda t: tmux_buffer.append(t) is None), "Copied task id"),
        (Clipboard(TMUX_LOAD, load_tmux_buffer=lambda t: False), "Task id: "),  # tmux refused it
    ):
        app = make_app(clipboard=clipboard)
        async with app.run_test(size=(120, 40)) as pilot:
            await pilot.pause()
            await pilot.press("c")
            await pilot.pause()
            (toast,) = app.notices.messages()
            # The id is always in the notice, to be selected by hand.
            assert app.table.selected_id in toast and app.clipboard == app.table.selected_id
            assert toast.startswith(says), toast
            assert app.table.selected_id in app.screen.query_one("#notices").plain
            if says == "Copied task id" and clipboard.load_tmux_buffer is not None:
                assert tmux_buffer == [app.table.selected_id]  # what tmux was given


def test_copy_outcomes_in_tmux_follow_its_set_clipboard() -> None:
    """tmux takes OSC 52 from an application into its buffer only with `set-clipboard on`; with its
    default `external` (and `off`) pcwatch loads tmux's buffer itself; without an answer, nothing is
    claimed."""
    tmux = {"TMUX": "/tmp/tmux-0/default,1,0", "TERM": "tmux-256color"}
    assert clipboard_reach(tmux, "on\n") == TMUX_TAKES_OSC52
    assert clipboard_reach(tmux, "external\n") == TMUX_LOAD
    assert clipboard_reach(tmux, "off") == TMUX_LOAD
    assert clipboard_reach(tmux, None) == OSC52
    sent: list[str] = []
    assert (
        Clipboard(TMUX_LOAD, load_tmux_buffer=lambda t: True).copy("x", sent.append, browser=False)
        == TMUX_LOAD
    )
    assert (
        Clipboard(TMUX_LOAD, load_tmux_buffer=lambda t: False).copy("x", sent.append, browser=False)
        == TMUX_FAILED
    )
    assert Clipboard(TMUX_LOAD).copy("x", sent.append, browser=True) != TMUX_LOAD  # a browser session
    assert sent == ["x", "x", "x"]  # OSC 52 always goes too (and keeps the text for pasting in the app)


def test_terminals_known_to_ignore_osc_52_are_recognised_from_the_environment() -> None:
    assert clipboard_reach({"TERM": "xterm-256color"}) == OSC52  # most terminals, and over SSH
    assert clipboard_reach({"JUPYTER_SERVER_ROOT": "/home/u", "TERM": "xterm-256color"}) == NO_CLIPBOARD
    assert clipboard_reach({"TERM_PROGRAM": "Apple_Terminal"}) == NO_CLIPBOARD
    assert clipboard_reach({"TERM": "linux"}) == NO_CLIPBOARD
    # In tmux (even inside JupyterLab's terminal) tmux decides.
    assert (
        clipboard_reach(
            {"JUPYTER_SERVER_URL": "http://127.0.0.1:8888/", "TMUX": "/tmp/tmux-0/default"}, "external"
        )
        == TMUX_LOAD
    )


async def test_e_exports_the_current_view(tmp_path: Path) -> None:
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        await pilot.press("3")  # hide failed: the export follows the view
        expected = app.table.row_ids()
        for fmt in ("csv", "json"):
            await pilot.press("e")
            assert isinstance(app.screen, ExportScreen)
            box = app.screen.query_one("#export-path", Input)
            box.value = str(tmp_path / f"out.{fmt}")
            await pilot.click(f"#export-{fmt}")
            path = tmp_path / f"out.{fmt}"
            for _ in range(100):  # the file is written by a thread worker
                await pilot.pause(0.02)
                if any(str(path) in m for m in app.notices.messages()):
                    break
            assert path.exists()
            if fmt == "csv":
                rows = list(csv.DictReader(path.open(encoding="utf-8")))
            else:
                rows = json.loads(path.read_text())
            assert [r["TaskId"] for r in rows] == expected
            # Kind is the short name, as in `pcwatch list`; WireKind the service's name.
            assert all(r["Kind"] == TASK_KINDS[r["WireKind"]].short for r in rows)
            assert all(app.store.task(r["TaskId"]).kind == r["WireKind"] for r in rows)
            assert any(str(path) in m for m in app.notices.messages())
        await pilot.press("e", "escape")
        assert not isinstance(app.screen, ExportScreen)


async def test_r_refreshes_and_p_pauses_and_resumes() -> None:
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        await pilot.press("r")
        assert "refresh_now" in app.poller.calls
        await pilot.press("p")
        await pilot.pause()
        assert app.poller.calls[-1] == "pause"
        assert "paused" in app.query_one("#header").plain_lines[1]
        await pilot.press("p")
        await pilot.pause()
        assert app.poller.calls[-1] == "resume"
        assert "live" in app.query_one("#header").plain_lines[1]


async def test_question_mark_opens_help_and_q_quits() -> None:
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        await pilot.press("question_mark")
        assert isinstance(app.screen, HelpScreen)
        await pilot.press("escape")
        assert not isinstance(app.screen, HelpScreen)
        await pilot.press("q")
        await pilot.pause()
    assert app.return_value == 0


async def test_the_command_palette_offers_every_action() -> None:
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        titles = {c.title for c in app.get_system_commands(app.screen)}
        for title in (
            "Filter tasks",
            "Sort: duration",
            "Show/hide FAILED",
            *(f"Show/hide {kind.short}" for kind in TASK_KINDS.values()),  # prospecting's too
            "Copy task id",
            "Bulk jobs",
            "Export view",
            "Show/hide activity",
            "Refresh now",
        ):
            assert title in titles
        await pilot.press("ctrl+p")
        assert app.screen.__class__.__name__ == "CommandPalette"


async def test_the_poller_runs_as_a_worker_on_the_app_loop() -> None:
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        assert "run" in app.poller.calls
        assert any(w.group == "poller" for w in app.workers)


def offered(screen: Any) -> set[str]:
    """The actions a screen's keys run now, by name (`app.stats` -> `stats`, `toggle_status('1')` ->
    `toggle_status`)."""
    names = (b.binding.action for b in screen.active_bindings.values() if b.enabled)
    return {name.removeprefix("app.").split("(")[0] for name in names}


async def test_the_table_keys_belong_to_the_tasks_screen_alone() -> None:
    """The invitations and stats views neither offer nor act on the table's keys (not even each other's
    key); the app's own keys (refresh, pause, help, quit) are offered everywhere."""
    from tui.dashboard.screens.invitations import InvitationsScreen
    from tui.dashboard.screens.stats import StatsScreen

    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        table = app.table
        tasks_screen = app.screen
        table_actions = {
            *("filter", "cycle_sort", "toggle_status", "toggle_kind", "clear_view"),
            *("show_record", "copy_task_id", "copy_job_id", "export", "invitations", "stats"),
            "bulk_jobs",
            "toggle_activity",
        }
        assert table_actions <= offered(tasks_screen)
        for key, view, other in (("i", InvitationsScreen, "t"), ("t", StatsScreen, "i")):
            await pilot.press(key)
            screen = app.screen
            assert isinstance(screen, view)
            assert not offered(screen) & table_actions
            assert {"refresh", "toggle_pause", "help", "quit"} <= offered(screen)
            await pilot.press("slash", "s", "1", "4", "0", "c", "e", other)
            await pilot.pause()
            assert app.screen is screen and len(app.screen_stack) == 2
            assert (table.sort, table.statuses, table.kinds, table.needle) == ("default", None, None, "")
            assert not app.query_one("#filter", Input).has_class("-shown")
            assert not app.notices.messages()  # no copy notice
            await pilot.press("escape")
            assert app.screen is tasks_screen
