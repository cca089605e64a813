"""Nothing is cut without a mark: the header leaves out whole parts by priority (never a word cut), the
tables' columns cut at the view's edge end in `…`, Took is whole at 120 columns, a pane's line wider
than the pane ends in `…`, the footer shows only whole keys, and the invitations' time left is shown."""

from __future__ import annotations

from datetime import timedelta

import msgspec
import pytest
from rich.segment import Segment
from rich.text import Text
from textual.strip import Strip
from textual.widgets._footer import FooterKey

from tests.support.dashboard import (
    T0,
    FakePoller,
    live_status,
    make_app,
    make_bulk_job,
    make_invitation,
    populated_store,
)
from tui.core.settings import Settings
from tui.dashboard import task_rows
from tui.dashboard.header import HeaderState, header_state
from tui.dashboard.widgets.header_status import header_lines
from tui.dashboard.widgets.invitations import invitation_lines
from tui.dashboard.widgets.keys_footer import key_cells
from tui.dashboard.widgets.row_tables import crop_marked
from tui.engine.types import PollerStatus

NOW = T0 + timedelta(hours=1)
WIDTHS = range(30, 241, 3)
SIZES = [(80, 24), (100, 30), (120, 40), (160, 48), (200, 60)]


def busy_state(**status: object) -> HeaderState:
    """A header with every part: counts, a follower's leader, a late look, a spent budget, events,
    loading history, a failing source."""
    settings = Settings(profile="partner-prod", region="eu-west-1")
    full = PollerStatus(
        **{  # type: ignore[arg-type]
            "state": "following",
            "calls_last_hour": 1_234,
            "calls_left_today": 0,
            "last_success": {"x": NOW - timedelta(seconds=5)},
            "backfilling": True,
            "scanned": {"a": NOW - timedelta(seconds=900)},
            "scan_every": 60.0,
            "budget_resumes_at": NOW + timedelta(hours=3),
            "events": "live",
            "last_event_at": NOW - timedelta(seconds=12),
            "failing": (("invitations", "ThrottlingException: Rate exceeded for ListEngagementInvitations"),),
            "leader_pid": 4242,
            "leader_host": "jump-1",
            **status,
        }
    )
    counts = {"a": {"IN_PROGRESS": 21, "COMPLETE": 20_000, "FAILED": 2_445}}
    return header_state(settings, full, counts, NOW)


def test_the_header_leaves_out_whole_parts_never_a_word_cut() -> None:
    state = busy_state()
    whole = [line.plain for line in header_lines(state, NOW)]
    words = [set(line.split()) for line in whole]
    for width in WIDTHS:
        lines = header_lines(state, NOW, width)
        for n, line in enumerate(lines):
            assert line.cell_len <= width, (width, line.plain)
            cut = [w for w in line.plain.split() if w not in words[n] and not w.endswith("…")]
            assert cut == [], (width, line.plain)
        account, polling = (line.plain for line in lines)
        assert "Sandbox" in account  # the catalog, always
        assert "● following" in polling  # the state, always
        # What fails stays longer than the rest of its line: whole, or ending in `…` (the one part
        # that may), once there is room for a few words of it.
        trouble = "⚠ invitations: ThrottlingException: Rate exceeded for ListEngagementInvitations"
        if width >= 60:
            assert trouble in polling or ("⚠ invitations" in polling and polling.endswith("…")), polling
        if width >= 80:
            assert "2,445 failed" in account and "21 running" in account, (width, account)
            assert "pid 4242 on jump-1" in polling
        if width < 120:
            assert "partnercentral-selling" not in account  # the endpoint gives way first
    assert any(w.endswith("…") for line in header_lines(state, NOW, 90) for w in line.plain.split())


def test_the_header_at_80_and_100_columns_keeps_its_words_whole() -> None:
    counts = {"a": {"IN_PROGRESS": 10, "COMPLETE": 19_000, "FAILED": 722}}
    state = header_state(Settings(), live_status(), counts)
    whole = [set(line.plain.split()) for line in header_lines(state, NOW)]
    for width in (80, 100):
        lines = [line.plain for line in header_lines(state, NOW, width)]
        assert "722 failed" in lines[0] and "no errors" in lines[1]
        for words, line in zip(whole, lines, strict=True):
            assert set(line.split()) <= words, line  # (`fai`, `http://127.` were cut words)


async def test_the_header_widget_fits_its_width_and_refits_on_resize() -> None:
    app = make_app()
    async with app.run_test(size=(200, 60)) as pilot:
        await pilot.pause()
        wide = app.query_one("#header").plain_lines
        assert "partnercentral-selling.us-east-1.api.aws" in wide[0]
        await pilot.resize_terminal(100, 30)  # (the endpoint was cut there: `partnercentral-selling.us-`)
        await pilot.pause()
        narrow = app.query_one("#header").plain_lines
        assert all(len(line) <= 100 for line in narrow)
        for line, whole in zip(narrow, wide, strict=True):
            assert set(line.split()) <= set(whole.split()), line  # every word whole
        assert "partnercentral-selling" not in narrow[0] and "200 tasks" in narrow[0]


def test_the_took_column_fits_whole_in_the_tables_width_at_120_columns() -> None:
    took = task_rows.COLUMN_KEYS.index("duration")
    assert task_rows.OFFSETS[took] + task_rows.COLUMNS[took].width <= 63


async def test_took_is_whole_at_120_columns() -> None:
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        table = app.table
        took = task_rows.COLUMN_KEYS.index("duration")
        start, width = task_rows.OFFSETS[took], task_rows.COLUMNS[took].width
        assert table.scrollable_content_region.width >= start + width
        assert table.render_line(0).text[start : start + width].strip() == "Took"
        shown = 0
        for y in range(1, 20):
            task_id = table.id_at(y - 1)
            record = app.store.task(task_id)
            cells = task_rows.cells(record, app.store.completion(task_id), table.now)
            line = table.render_line(y).text
            assert line[start : start + width] == cells[took]
            shown += bool(cells[took].strip())
        assert shown


def row_strip(cells: list[str]) -> tuple[Strip, list[tuple[int, int]]]:
    spans, x, segments = [], 0, []
    for text in cells:
        spans.append((x, x + len(text)))
        segments += [Segment(text), Segment(" ")]
        x += len(text) + 1
    return Strip(segments[:-1]), spans


def test_a_column_cut_at_the_views_edge_ends_in_an_ellipsis() -> None:
    strip, spans = row_strip(["▶", "task-0da0fd5b463a7 ", "job-c3c8a1e0fbbd8", "       "])
    start = spans[2][0]
    cut = crop_marked(strip, spans, 0, start + 14).text
    assert cut.endswith("job-c3c8a1e0f…")  # never `job-c3c8a1e0fb`, which looks whole
    assert crop_marked(strip, spans, 0, start + 17).text.endswith("job-c3c8a1e0fbbd8")
    assert crop_marked(strip, spans, 0, start - 1).text.endswith("task-0da0fd5b463a7 ")  # at a gap
    assert crop_marked(strip, spans, 0, spans[3][0] + 3).text.endswith("   ")  # only blanks hidden
    left = crop_marked(strip, spans, start + 4, 14).text  # scrolled into the id: its start is hidden
    assert left == "…3c8a1e0fbbd8 "


async def test_ids_cut_at_the_task_tables_edge_end_in_an_ellipsis() -> None:
    app = make_app()
    async with app.run_test(size=(160, 48)) as pilot:
        await pilot.pause()
        table = app.table
        job = task_rows.COLUMN_KEYS.index("job")
        start = task_rows.OFFSETS[job]
        width = table.scrollable_content_region.width
        assert start < width < start + task_rows.COLUMNS[job].width  # the job id is cut at this size
        marked = 0
        for y in range(1, 30):
            record = app.store.task(table.id_at(y - 1))
            line = table.render_line(y).text
            assert len(line) == width
            if record.resource_snapshot_job_id:
                assert line.endswith("…") and record.resource_snapshot_job_id not in line
                assert record.resource_snapshot_job_id.startswith(line[start:-1])
                marked += 1
            else:
                assert not line.endswith("…")
        assert marked


async def test_ids_cut_at_the_jobs_tables_edge_end_in_an_ellipsis() -> None:
    from tui.dashboard.bulk_rows import COLUMN_KEYS, COLUMNS, OFFSETS
    from tui.dashboard.widgets.bulk_table import BulkJobTable

    store = populated_store(20)
    store.apply_bulk_jobs([make_bulk_job(i, processed=100 * i) for i in range(3)])
    app = make_app(store=store)
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.pause()
        await pilot.press("b")
        await pilot.pause()
        table = app.screen.query_one(BulkJobTable)
        job = COLUMN_KEYS.index("job")
        width = table.scrollable_content_region.width
        assert OFFSETS[job] < width < OFFSETS[job] + COLUMNS[job].width
        for y in range(1, 4):
            assert table.render_line(y).text.endswith("…")


async def test_a_panes_line_wider_than_the_pane_ends_in_an_ellipsis() -> None:
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        await pilot.press("3", "4", "5", "6", "7")  # the view bar names every toggle: wider than 80
        await pilot.pause()
        bar = app.query_one("#viewbar").plain_lines[0]
        assert len(bar) == 80 and bar.endswith("…")


def test_the_invitations_time_left_comes_first_and_the_id_stays_whole() -> None:
    long_title = make_invitation(1)
    long_title = type(long_title)(
        **{**{f: getattr(long_title, f) for f in long_title.__struct_fields__}, "engagement_title": "T" * 120}
    )
    for width in (60, 80, 100, 120):
        head, detail = (line.plain for line in invitation_lines([long_title], T0, 0, width))
        assert len(head) <= width and head.endswith("  engi-0000000000001") and "T…" in head
        assert len(detail) <= width and detail.startswith("    13d 0h left · expires ")
        assert " · ".join(detail.strip().split(" · ")) == detail.strip()  # whole parts only
    _, detail = (line.plain for line in invitation_lines([long_title], T0, 0, 100))
    assert "from Example Corp · OpportunityInvitation" in detail


async def test_the_invitations_time_left_is_shown_at_100_columns() -> None:
    store = populated_store(20)
    app = make_app(store=store)
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.pause()
        await pilot.press("i")
        await pilot.pause()
        lines = app.screen.query_one("#invitation-list").plain_lines
        details = [line for line in lines if line.startswith("    ")]
        assert details and all(" left" in line and len(line) <= 100 for line in details)


def visible_keys(app: object) -> tuple[list[FooterKey], FooterKey]:
    keys = list(app.screen.query(FooterKey))  # type: ignore[attr-defined]
    palette = next(k for k in keys if k.has_class("-command-palette"))
    return [k for k in keys if k.display and k is not palette], palette


@pytest.mark.parametrize("key", ["", "i", "t", "b"])
async def test_the_footer_shows_every_key_whole_at_80_and_drops_whole_keys_below(key: str) -> None:
    store = populated_store(50)
    store.apply_bulk_jobs([make_bulk_job(1)])
    app = make_app(store=store)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        if key:
            await pilot.press(key)
            await pilot.pause()
        await pilot.pause()
        shown, palette = visible_keys(app)
        everything = [k for k in app.screen.query(FooterKey) if k is not palette]
        assert shown == everything  # at 80 columns every key fits
        for k in shown:
            assert k.region.right <= palette.region.x and k.region.width == key_cells(k)
        await pilot.resize_terminal(50, 24)
        await pilot.pause()
        await pilot.pause()
        shown, palette = visible_keys(app)
        assert 0 < len(shown) < len(everything)
        for k in shown:  # whole, and left of the palette's key
            assert k.region.right <= palette.region.x and k.region.width == key_cells(k)


@pytest.mark.parametrize("key", ["", "i", "t", "b", "question_mark"])
async def test_the_palettes_names_are_distinct_on_every_screen(key: str) -> None:
    store = populated_store(20)
    store.apply_bulk_jobs([make_bulk_job(1)])
    app = make_app(store=store)
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        if key:
            await pilot.press(key)
            await pilot.pause()
        names = [command.title for command in app.get_system_commands(app.screen)]
        assert len(names) == len(set(names)), sorted(n for n in names if names.count(n) > 1)
        assert "Help: keys and columns" in names


def test_a_follower_says_whom_it_follows_and_a_leader_says_nothing_of_it() -> None:
    follower = PollerStatus(state="following", leader_pid=4242, leader_host="jump-1")
    polling = header_lines(header_state(Settings(), follower, None), NOW)[1].plain
    assert "● following pid 4242 on jump-1" in polling
    stale = PollerStatus(
        state="stale", calls_left_today=99, leader_pid=4242, leader_host="jump-\x1b[2J1", stale_since=T0
    )
    polling = header_lines(header_state(Settings(), stale, None), NOW)[1].plain
    assert "● stale (following pid 4242 on jump-␛[2J1)" in polling  # (the host made safe)
    assert "\x1b" not in polling
    leader = header_lines(header_state(Settings(), live_status(), None), NOW)[1].plain
    assert "following" not in leader


def test_a_follower_whose_leader_went_silent_says_so_with_its_age_not_following() -> None:
    silent = PollerStatus(
        state="following",
        leader_pid=4242,
        leader_host="jump-1",
        leader_silent_since=NOW - timedelta(seconds=20),
        last_error="a follower takes over after 30s of silence",
    )
    state = header_state(Settings(), silent, None, NOW)
    assert (state.state, state.since) == ("silent", NOW - timedelta(seconds=20))
    polling = header_lines(state, NOW)[1].plain
    assert polling.startswith(" ● leader (pid 4242 on jump-1) silent for 20s")
    assert "following" not in polling and "no errors" not in polling
    later = header_lines(state, NOW + timedelta(seconds=5), 60)[1].plain  # (the age moves; it fits 60)
    assert later.startswith(" ● leader (pid 4242 on jump-1) silent for 25s")
    # A paused follower is paused, whatever its leader does.
    paused = msgspec.structs.replace(silent, state="paused")
    assert header_state(Settings(), paused, None, NOW).state == "paused"


def test_the_demo_says_its_account_is_simulated_and_whether_it_is_this_processs_alone() -> None:
    own = header_lines(header_state(Settings(demo=True, demo_in_process=True), None, None), NOW)[0].plain
    assert "demo · simulated account (this process only)" in own
    shared = header_lines(header_state(Settings(demo=True), None, None), NOW)[0].plain
    assert "demo · simulated account" in shared and "this process" not in shared
    real = header_lines(header_state(Settings(profile="p"), None, None), NOW)[0].plain
    assert "simulated" not in real


def test_a_line_of_plain_text_is_unchanged_by_fitting_when_it_fits() -> None:
    state = header_state(Settings(), live_status(), None)
    assert [t.plain for t in header_lines(state, NOW, 400)] == [t.plain for t in header_lines(state, NOW)]
    assert isinstance(header_lines(state, NOW)[0], Text)


async def test_a_follower_dashboard_header_names_its_leader() -> None:
    poller = FakePoller(PollerStatus(state="following", leader_pid=4242, leader_host="jump-1"))
    app = make_app(poller=poller)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        assert "● following pid 4242 on jump-1" in app.query_one("#header").plain_lines[1]


def test_the_footer_fits_its_keys_only_on_the_textual_it_was_tested_with() -> None:
    """It reads Textual's private FooterKey: on another minor version, or without it, the stock footer."""
    from tui.dashboard.widgets.keys_footer import FITS_KEYS, TESTED, fits_keys
    from tui.dashboard.widgets.partial_update import textual_version

    assert fits_keys(TESTED[0], True)
    assert not fits_keys((8, 3), True) and not fits_keys(None, True)
    assert not fits_keys(TESTED[0], False)
    assert FITS_KEYS == (textual_version() in TESTED)  # (the suite runs on the pinned Textual)
