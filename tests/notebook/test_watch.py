"""The notebook API: tasks as schemas structs, a Rich table with untrusted text shown literally, `await
follow(...)`, and a second notebook on the same journal following the first one's poller."""

from __future__ import annotations

import json
import subprocess
import sys
from collections import Counter
from pathlib import Path

import pytest
from rich.console import Console

from schemas import TaskKind, TaskRecord
from tests.support.viewer import FAST_INTERVAL, SLOW_INTERVAL, TAIL_INTERVAL
from tui.notebook import Watch

HOSTILE = "[bold red]not markup[/] \x1b[2J\x1b]0;title\x07 \u202eevil"


def _watch(endpoint_url: str, journal: Path) -> Watch:
    return Watch(
        endpoint_url=endpoint_url,
        local_endpoint=True,
        journal=journal,
        max_rate=5.0,
        fast_interval=FAST_INTERVAL,
        slow_interval=SLOW_INTERVAL,
        tail_interval=TAIL_INTERVAL,
    )


async def test_tasks_table_and_follow(served_simulator, tmp_path: Path) -> None:
    sim, endpoint = served_simulator
    failed = sim.add_task(kind=TaskKind.ENGAGEMENT_FROM_OPPORTUNITY, status="FAILED", message=HOSTILE)
    with _watch(endpoint.url, tmp_path / "nb.sqlite3") as watch:
        tasks = watch.tasks()
        assert all(isinstance(t, TaskRecord) for t in tasks)
        assert {t.task_id for t in tasks} == {t.task_id for t in sim.tasks("Sandbox")}
        assert watch.role == "leader" and watch.status.state == "live"
        starts = [t.start_time for t in tasks if t.start_time]
        assert starts == sorted(starts, reverse=True)  # newest first
        running = watch.tasks(status="IN_PROGRESS")
        assert running and all(t.task_status == "IN_PROGRESS" for t in running)
        by_kind = watch.tasks(kind=TaskKind.ENGAGEMENT_FROM_OPPORTUNITY, status=["FAILED"])
        assert failed in {t.task_id for t in by_kind}

        table = watch.table(kind=TaskKind.ENGAGEMENT_FROM_OPPORTUNITY, status="FAILED", limit=None)
        console = Console(record=True, width=400, color_system=None)
        console.print(table)
        text = console.export_text()
        assert failed in text
        assert "[bold red]not markup[/]" in text  # shown literally, never interpreted
        assert "\x1b" not in text and "\x07" not in text and "\u202e" not in text
        assert "\\u202eevil" in text
        html = table._repr_mimebundle_(include=[], exclude=[])  # what Jupyter displays
        assert "text/html" in html and failed in html["text/html"]

        quick = sim.add_task(duration=1.0, outcome="COMPLETE")
        record = await watch.follow(quick, timeout=30)
        assert record.task_id == quick and record.task_status == "COMPLETE"

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
        one_kind = watch.stats(since="7d", kind=TaskKind.ENGAGEMENT_FROM_OPPORTUNITY)
        assert one_kind.kinds == [TaskKind.ENGAGEMENT_FROM_OPPORTUNITY]
        with pytest.raises(ValueError):
            watch.stats(since="a while")
        with pytest.raises(ValueError):
            watch.stats(kind="EngagementByMagic")


async def test_a_second_notebook_follows_the_first_ones_poller(served_simulator, tmp_path: Path) -> None:
    sim, endpoint = served_simulator
    journal = tmp_path / "shared.sqlite3"
    with _watch(endpoint.url, journal) as first:
        assert first.wait_ready(30)
        with _watch(endpoint.url, journal) as second:
            assert second.wait_ready(30)
            assert second.role == "follower" and second.engine.client is None
            assert {t.task_id for t in second.tasks()} == {t.task_id for t in first.tasks()}
            quick = sim.add_task(duration=1.0, outcome="FAILED", reason_code="InvitationValidationFailed")
            record = await second.follow(quick, timeout=30)  # refreshes through the leader
            assert record.task_status == "FAILED" and record.reason_code == "InvitationValidationFailed"
            assert second.status.state == "following"
        assert second.engine.client is None  # it never made a call


def test_the_notebook_api_does_not_load_textual() -> None:
    code = "import sys, json, tui.notebook; print(json.dumps(sorted({m.split('.')[0] for m in sys.modules})))"
    out = subprocess.run([sys.executable, "-c", code], check=True, capture_output=True, text=True).stdout
    assert "tui" in json.loads(out) and "textual" not in json.loads(out)
