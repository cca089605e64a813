"""The notebook API against the local endpoint: tasks as a `TaskList` of schemas structs (an HTML table
with untrusted text made safe, a DataFrame, a repr), validation of `status=`/`kind=`, `follow` (a task
that ends, an id that does not exist, a timeout), one `Watch` per account per kernel, the live view, and
a notebook that follows another process's poller."""

from __future__ import annotations

import asyncio
import contextlib
import json
import math
import subprocess
import sys
import time
from collections import Counter
from collections.abc import AsyncIterator
from html.parser import HTMLParser
from pathlib import Path

import pytest
from rich.console import Console

from schemas import TaskKind, TaskRecord
from tests.support.viewer import FAST_INTERVAL, SLOW_INTERVAL, TAIL_INTERVAL, viewer_command
from tui.core.settings import Settings
from tui.core.text_safety import visible
from tui.engine.status import LEADER_KEY
from tui.notebook import InvitationList, JobList, TaskList, TaskNotFound, Watch, WatchClosed
from tui.simulator import Faults

HOSTILE = "[bold red]not markup[/] <script>alert(1)</script> \x1b[2J\x1b]0;title\x07 \u202eevil, and then the message goes on"


def _watch(endpoint_url: str, journal: Path, **extra: object) -> Watch:
    return Watch(
        endpoint_url=endpoint_url,
        local_endpoint=True,
        journal=journal,
        max_rate=5.0,
        fast_interval=FAST_INTERVAL,
        slow_interval=SLOW_INTERVAL,
        tail_interval=TAIL_INTERVAL,
        **extra,  # type: ignore[arg-type]
    )


class Markup(HTMLParser):
    """The tags and the text (entities decoded) of an HTML fragment, as a browser would parse it."""

    def __init__(self, html: str) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: list[str] = []
        self.text: list[str] = []
        self.titles: list[str] = []
        self.feed(html)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append(tag)
        self.titles += [v or "" for k, v in attrs if k == "title"]

    def handle_data(self, data: str) -> None:
        self.text.append(data)


async def test_tasks_are_a_task_list_that_shows_itself_safely(served_simulator, tmp_path: Path) -> None:
    sim, endpoint = served_simulator
    failed = sim.add_task(kind=TaskKind.ENGAGEMENT_FROM_OPPORTUNITY, status="FAILED", message=HOSTILE)
    with _watch(endpoint.url, tmp_path / "nb.sqlite3") as watch:
        tasks = watch.tasks()
        assert isinstance(tasks, TaskList) and isinstance(tasks, list)
        assert all(isinstance(t, TaskRecord) for t in tasks)
        assert {t.task_id for t in tasks} == {t.task_id for t in sim.tasks("Sandbox")}
        assert watch.role == "leader"
        starts = [t.start_time for t in tasks if t.start_time]
        assert starts == sorted(starts, reverse=True)  # newest first
        running = watch.tasks(status="IN_PROGRESS")
        assert running and all(t.task_status == "IN_PROGRESS" for t in running)
        by_kind = watch.tasks(kind="opp-to-eng", status=["FAILED"])
        assert failed in {t.task_id for t in by_kind}
        assert {t.kind for t in by_kind} == {TaskKind.ENGAGEMENT_FROM_OPPORTUNITY}

        # The cell's table: the hostile message is text, never markup, escapes or bidi controls.
        html = by_kind._repr_html_()
        parsed = Markup(html)
        assert set(parsed.tags) <= {"div", "b", "span", "table", "thead", "tbody", "tr", "th", "td", "br"}
        text = "".join(parsed.text)
        assert failed in text and "FAILED" in text and "opp-to-eng" in text
        assert "\x1b" not in html and "\x07" not in html and "\u202e" not in html
        shown = " ".join(HOSTILE.split())
        assert visible(shown)[:80] in text  # the first 80 characters in the cell...
        assert visible(shown) in parsed.titles  # ...all of it as the tooltip
        assert "<script>alert(1)</script>" in visible(shown)  # (as text: the parser saw no script tag)
        counts = f"{len(by_kind)} tasks (FAILED {len(by_kind)})"
        assert counts in text and counts in repr(by_kind)

        # The Rich table fits a notebook cell or a 100-column terminal, and shows text literally.
        console = Console(record=True, width=200, color_system=None)
        console.print(watch.table(kind="opp-to-eng", status="FAILED", limit=None))
        rendered = console.export_text()
        assert max(len(line) for line in rendered.splitlines()) <= 100
        assert "opp-to-eng" in rendered
        assert failed in rendered and "[bold red]not" in rendered and "markup[/]" in rendered  # literally
        assert "\x1b" not in rendered and "\u202e" not in rendered and "\\u202eevil" in rendered

        quick = sim.add_task(duration=1.0, outcome="COMPLETE")
        record = await watch.follow(quick, timeout=30)
        assert record.task_id == quick and record.task_status == "COMPLETE"

        # The DataFrame: every row; durations observed (the quick task, seen running) or unknown (NaN:
        # history first seen already finished), never the time from start to pcwatch's first look.
        frame = watch.tasks().to_pandas()
        assert len(frame) == len(sim.tasks("Sandbox"))
        rows = frame.set_index("task_id")
        assert 0.5 <= rows.loc[quick, "duration_s"] <= 15
        assert (
            rows.loc[quick, "observed_end"] is not None and str(rows.loc[quick, "observed_end"].tz) == "UTC"
        )
        assert math.isnan(rows.loc[failed, "duration_s"])
        assert rows.loc[failed, "kind"] == "opp-to-eng"
        assert rows.loc[failed, "wire_kind"] == TaskKind.ENGAGEMENT_FROM_OPPORTUNITY
        assert rows.loc[failed, "message"] == visible(HOSTILE)
        assert (
            watch.tasks(status="FAILED").to_pandas(raw=True).set_index("task_id").loc[failed, "message"]
            == HOSTILE
        )
        assert "unknown" in Markup(watch.tasks(status="FAILED")._repr_html_()).text

        # The numbers of `pcwatch stats`, counted here from the tasks the watch lists at the same moment
        # (taken again if a poll came in between); their ids are the endpoint's.
        for _ in range(10):
            listed = watch.tasks(wait=0)
            stats = watch.stats(since="all")
            if watch.tasks(wait=0) == listed:
                break
        assert {t.task_id for t in listed} == {t.task_id for t in sim.tasks("Sandbox")}
        truth = Counter((t.kind, t.task_status) for t in listed)
        for kind, counts in stats.by_kind.items():
            assert counts == {
                **{s: truth[kind, s] for s in ("IN_PROGRESS", "COMPLETE", "FAILED")},
                "total": sum(n for (k, _), n in truth.items() if k == kind),
            }
        assert stats.tasks == len(listed)
        assert Counter({f.reason_code: f.count for f in stats.failures}) == Counter(
            t.reason_code or "" for t in listed if t.task_status == "FAILED"
        )
        one_kind = watch.stats(since="7d", kind="opp-to-eng")
        assert one_kind.kinds == [TaskKind.ENGAGEMENT_FROM_OPPORTUNITY]
        assert one_kind.short_names == {TaskKind.ENGAGEMENT_FROM_OPPORTUNITY: "opp-to-eng"}
        with pytest.raises(ValueError):
            watch.stats(since="a while")
        with pytest.raises(ValueError):
            watch.stats(kind="EngagementByMagic")


def test_invalid_status_or_kind_raises_value_error_naming_the_valid_values(
    served_simulator, tmp_path
) -> None:
    _, endpoint = served_simulator
    with _watch(endpoint.url, tmp_path / "nb.sqlite3") as watch:
        with pytest.raises(
            ValueError, match=r"unknown status 'FAILD': use one of COMPLETE, FAILED, IN_PROGRESS"
        ):
            watch.tasks(status="FAILD", wait=0)
        with pytest.raises(
            ValueError, match=r"unknown kind 'Acceptance': use one of inv-to-eng, opp-to-eng, eng-to-opp"
        ):
            watch.tasks(kind="Acceptance", wait=0)  # type: ignore[arg-type]
        # The old spellings still work, with a warning naming the short name.
        with pytest.warns(FutureWarning, match="kind='Accept' is an old spelling: use kind='inv-to-eng'"):
            watch.tasks(kind="Accept", wait=0)  # type: ignore[arg-type]
        with pytest.raises(ValueError, match="unknown status"):
            watch.live(status=["COMPLETE", "DONE"])  # type: ignore[list-item]
        assert watch.live_views == ()


async def test_follow_an_unknown_id_raises_task_not_found_and_a_running_one_times_out(
    served_simulator, tmp_path: Path
) -> None:
    _, endpoint = served_simulator
    with _watch(endpoint.url, tmp_path / "nb.sqlite3") as watch:
        assert watch.wait_loaded(30)
        started = time.monotonic()
        with pytest.raises(TaskNotFound) as missing:
            await watch.follow("task-neverexisted00", timeout=30)
        assert isinstance(missing.value, LookupError) and missing.value.task_id == "task-neverexisted00"
        assert "task-neverexisted00" in str(missing.value) and time.monotonic() - started < 20
        running = watch.tasks(status="IN_PROGRESS")[0].task_id
        with pytest.raises(TimeoutError, match="still IN_PROGRESS"):
            await watch.follow(running, timeout=0.5)


async def test_a_second_watch_of_the_same_account_replaces_the_first(
    served_simulator, tmp_path: Path
) -> None:
    _, endpoint = served_simulator
    first = _watch(endpoint.url, tmp_path / "one.sqlite3")
    view = first.live()
    second = _watch(endpoint.url, tmp_path / "two.sqlite3")  # the cell run again
    try:
        with pytest.raises(WatchClosed, match="replaced by a newer Watch"):
            first.tasks()
        assert not view.running and view.state is not None and view.state.stopped
        assert not first._thread.is_alive()  # its engine stopped: one poller for the account
        assert second.wait_ready(30) and second.role == "leader" and len(second.tasks()) > 0
    finally:
        second.close()
    with pytest.raises(WatchClosed, match="close"):
        second.jobs()
    second.close()  # twice is harmless
    other = _watch(endpoint.url, tmp_path / "three.sqlite3", catalog="AWS")  # another key: both live
    try:
        with _watch(endpoint.url, tmp_path / "four.sqlite3") as sandbox:
            assert sandbox.wait_ready(30) and other.tasks(wait=0) is not None
    finally:
        other.close()


async def test_the_live_view_follows_the_engine_until_stopped(served_simulator, tmp_path: Path) -> None:
    sim, endpoint = served_simulator
    with _watch(endpoint.url, tmp_path / "nb.sqlite3") as watch:
        assert watch.wait_ready(30)
        assert not watch.status.watched  # nobody looks: the poller spends almost nothing
        view = watch.live(status="IN_PROGRESS", min_gap=0.1)
        assert watch.live_views == (view,)
        assert view.state is not None and set(view.state.counts) == {"IN_PROGRESS"}
        new = sim.add_task(duration=3600.0)
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline and new not in {r.task_id for r in view.state.running}:
            await asyncio.sleep(0.1)
        assert new in {r.task_id for r in view.state.running}  # redrawn by the engine, not by this test
        assert watch.status.watched  # a live view is a watcher: the poller spends as for a dashboard
        assert "calls in the last hour" in repr(view) and new in repr(view)
        assert "Running" in view._bundle()["text/html"]
        watch.refresh()
        assert isinstance(watch.jobs(), JobList) and isinstance(watch.invitations(), InvitationList)
        assert "invitations" in watch.invitations()._repr_html_()
        view.stop()
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline and watch.status.watched:
            await asyncio.sleep(0.1)
        assert not watch.status.watched
    assert not view.running and view.state.stopped and watch.live_views == ()


def test_the_first_look_at_a_large_history_returns_before_all_of_it(tmp_path: Path) -> None:
    from tui.simulator import Simulator, serve

    sim = Simulator(seed=5, history=6000, clock=None)
    with serve(sim, port=0) as endpoint:
        settings = Settings(
            endpoint_url=endpoint.url,
            demo=True,
            journal_path=tmp_path / "big.sqlite3",
            max_rate=2.0,
            daily_calls=100_000,
            burst=6,
        )
        with Watch(settings) as watch:
            first = watch.tasks(wait=60)
            assert 0 < len(first) < 6000 and "still loading" in first.note
            assert {t.kind for t in first} == set(TaskKind.KNOWN)  # the newest of every kind
            assert watch.wait_loaded(120) and len(watch.tasks()) == 6000
            assert watch.tasks().note == ""


@contextlib.asynccontextmanager
async def leader_process(endpoint_url: str, journal: Path, seconds: float) -> AsyncIterator[list[str]]:
    """Another process (a dashboard, another kernel) that takes the journal's lock and polls for every
    viewer of it; once it has ended, the list holds what it printed."""
    printed: list[str] = []
    leader = subprocess.Popen(
        viewer_command(endpoint_url, journal, seconds), stdout=subprocess.PIPE, text=True
    )
    try:
        deadline = time.monotonic() + 20
        while not Path(f"{journal}.lock").exists() and time.monotonic() < deadline:
            await asyncio.sleep(0.1)
        yield printed
    finally:
        leader.terminate()
        printed.append(leader.communicate(timeout=30)[0])


async def test_a_notebook_follows_another_processs_poller(served_simulator, tmp_path: Path) -> None:
    sim, endpoint = served_simulator
    journal = tmp_path / "shared.sqlite3"
    async with leader_process(endpoint.url, journal, 20.0) as printed:
        await asyncio.sleep(1.0)
        with _watch(endpoint.url, journal) as second:
            assert second.wait_ready(30)
            assert second.role == "follower" and second.engine.client is None
            assert {t.task_id for t in second.tasks()} == {t.task_id for t in sim.tasks("Sandbox")}
            quick = sim.add_task(duration=1.0, outcome="FAILED", reason_code="InvitationValidationFailed")
            record = await second.follow(quick, timeout=30)  # refreshes through the leader
            assert record.task_status == "FAILED" and record.reason_code == "InvitationValidationFailed"
            assert second.status.state == "following"
            assert second.engine.client is None  # it never made a call
    if printed[0].strip():
        assert json.loads(printed[0])["role"] == "leader"


def test_the_notebook_api_does_not_load_textual_ipython_or_pandas() -> None:
    code = "import sys, json, tui.notebook; print(json.dumps(sorted({m.split('.')[0] for m in sys.modules})))"
    out = subprocess.run([sys.executable, "-c", code], check=True, capture_output=True, text=True).stdout
    loaded = set(json.loads(out))
    assert "tui" in loaded and not loaded & {"textual", "IPython", "pandas"}


async def test_a_following_notebook_is_not_ready_before_the_leaders_first_look(
    served_simulator, tmp_path: Path
) -> None:
    """The leader's word alone (it is polling, but nothing has come back yet) is not the first look: a
    follower that said "ready" then would show an empty list as if the account had no tasks."""
    sim, endpoint = served_simulator
    sim.faults = Faults(slow=1.0, slow_seconds=6.0)  # every answer 6 s late
    journal = tmp_path / "shared.sqlite3"
    async with leader_process(endpoint.url, journal, 30.0):
        deadline = time.monotonic() + 20
        with _watch(endpoint.url, journal) as second:
            while second.store.meta(LEADER_KEY) is None and time.monotonic() < deadline:
                await asyncio.sleep(0.1)
            assert second.role == "follower" and second.store.meta(LEADER_KEY) is not None
            assert not second.wait_ready(1.0)  # the leader's first calls are still out
            assert "still loading" in second.tasks(wait=0).note
            sim.faults = Faults()
            assert second.wait_ready(30)
            assert {t.task_id for t in second.tasks()} >= {
                t.task_id for t in sim.tasks("Sandbox") if not t.is_terminal
            }
