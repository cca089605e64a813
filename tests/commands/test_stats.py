"""`pcwatch stats` end to end: a journal written by the real poller from the demo's endpoint, read by
`pcwatch stats` in a subprocess, and checked against truths computed here independently — the tasks
`pcwatch list --json` prints from the same endpoint, the journal's own transitions table (raw SQL), and
the simulator's record of when each task really ended."""

from __future__ import annotations

import json
import math
import sqlite3
from collections import Counter, defaultdict
from collections.abc import Iterator
from datetime import datetime, timezone
from pathlib import Path

import msgspec
import pytest

from schemas import TASK_KINDS, TaskRecord
from tests.support.stats import demo_journal
from tests.support.writes import run_pcwatch
from tui.simulator.demo import Demo

STEP = 5.0  # seconds of the demo's clock between two polls


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Demo, Path]]:
    path = tmp_path_factory.mktemp("stats") / "demo.sqlite3"
    with demo_journal(path, history=600, minutes=10, step=STEP) as running:
        yield running, path


def _listed(demo: Demo) -> list[dict]:
    result = run_pcwatch("list", "--endpoint-url", demo.settings.endpoint_url, "--json")
    assert result.returncode == 0, result.stderr
    return [json.loads(line) for line in result.stdout.splitlines()]


def _observed_ends(path: Path) -> dict[str, float]:
    """task id -> when the journal first saw it finished, for tasks it saw running before (raw SQL)."""
    conn = sqlite3.connect(path)
    try:
        rows = conn.execute(
            "SELECT task_id, min(observed_at) FROM transitions"
            " WHERE from_status = 'IN_PROGRESS' AND to_status IN ('COMPLETE', 'FAILED') GROUP BY task_id"
        ).fetchall()
    finally:
        conn.close()
    return dict(rows)


def _nearest_rank(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[math.ceil(p / 100 * len(ordered)) - 1]


def _hour(epoch: float) -> str:
    return datetime.fromtimestamp(epoch - epoch % 3600, timezone.utc).isoformat().replace("+00:00", "Z")


def test_stats_json_matches_list_json_and_the_journal(demo) -> None:
    running, path = demo
    listed = _listed(running)
    result = run_pcwatch("stats", "--journal", str(path), "--since", "all", "--json")
    assert result.returncode == 0, result.stderr
    stats = json.loads(result.stdout)
    assert stats["version"] == 1 and stats["since"] is None and stats["kinds"] == list(TASK_KINDS)
    # Keyed by the wire kind as documented; the short names beside (docs/stats.md).
    assert stats["short_names"] == {kind.wire: kind.short for kind in TASK_KINDS.values()}
    assert stats["tasks"] == len(listed) > 600  # the history and the tasks started while polling

    # Counts by kind and status, from what the service lists.
    truth: dict[str, Counter[str]] = defaultdict(Counter)
    for task in listed:
        truth[task["WireKind"]][task["TaskStatus"]] += 1
    for kind in TASK_KINDS:
        expected = {s: truth[kind][s] for s in ("IN_PROGRESS", "COMPLETE", "FAILED")}
        assert stats["by_kind"][kind] == {**expected, "total": sum(truth[kind].values())}

    # Failure reasons, ranked, per kind.
    reasons: dict[str, Counter[str]] = defaultdict(Counter)
    for task in listed:
        if task["TaskStatus"] == "FAILED":
            reasons[task.get("ReasonCode", "")][task["WireKind"]] += 1
    got = [(f["reason_code"], f["count"], f["by_kind"]) for f in stats["failures"]]
    assert sorted(got) == sorted(
        (code, sum(per.values()), {k: per[k] for k in TASK_KINDS}) for code, per in reasons.items()
    )
    counts = [f["count"] for f in stats["failures"]]
    assert counts == sorted(counts, reverse=True)
    assert all(f["meaning"] for f in stats["failures"])

    # Durations: start (from the list) to the journal's first terminal observation, seen-live tasks only.
    ends = _observed_ends(path)
    assert len(ends) >= 30  # tasks were seen starting and ending while the poller ran
    starts = {t["TaskId"]: datetime.fromisoformat(t["StartTime"]).timestamp() for t in listed}
    kinds = {t["TaskId"]: t["WireKind"] for t in listed}
    for kind in TASK_KINDS:
        took = [ends[i] - starts[i] for i in ends if kinds[i] == kind]
        summary = stats["durations"][kind]
        assert summary["observed"] == len(took)
        if took:
            assert summary["p50"] == pytest.approx(_nearest_rank(took, 50))
            assert summary["p95"] == pytest.approx(_nearest_rank(took, 95))
            assert summary["max"] == pytest.approx(max(took))
            assert sum(summary["histogram"]) == len(took)

    # Finished per hour: a seen-live task in the hour of its observed end, the others of their start.
    per_hour: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    for task in listed:
        if task["TaskStatus"] in ("COMPLETE", "FAILED"):
            at = ends.get(task["TaskId"], starts[task["TaskId"]])
            per_hour[_hour(at)][task["TaskStatus"] == "FAILED"] += 1
    assert {b["start"]: [b["complete"], b["failed"]] for b in stats["finished"]} == dict(per_hour)


def test_observed_durations_bracket_the_true_ones(demo) -> None:
    """The endpoint's own record: every observed duration lies between what the task really took and
    that plus one poll gap, so each order statistic (p50, p95, max) does too."""
    running, path = demo
    world = running.simulator.world("Sandbox").all_tasks()
    truth = {t.task_id: (t.kind, t.end - t.start) for t in world}
    ends = _observed_ends(path)
    result = run_pcwatch("stats", "--journal", str(path), "--since", "all", "--json")
    stats = json.loads(result.stdout)
    checked = 0
    for kind, summary in stats["durations"].items():
        took = [truth[i][1] for i in ends if truth[i][0] == kind]
        assert summary["observed"] == len(took)
        if not took:
            continue
        for p in (50, 95):
            assert _nearest_rank(took, p) - 1e-6 <= summary[f"p{p}"] <= _nearest_rank(took, p) + STEP + 1e-6
        assert max(took) - 1e-6 <= summary["max"] <= max(took) + STEP + 1e-6
        checked += 1
    assert checked == len(TASK_KINDS)


def test_window_and_kind_filter(demo) -> None:
    running, path = demo
    accepts = [t for t in _listed(running) if t["WireKind"] == "EngagementByAcceptingInvitation"]
    starts = sorted(datetime.fromisoformat(t["StartTime"]).timestamp() for t in accepts)
    # `--since` counts back from the real now: a cut 30 minutes before the demo's end, moved until no
    # task starts within the few seconds the command may take to start.
    cut = starts[-1] - 1800
    while any(cut <= s <= cut + 15 for s in starts):
        cut += 15
    window = int(datetime.now(timezone.utc).timestamp() - cut)
    result = run_pcwatch(
        "stats", "--journal", str(path), "--since", f"{window}s", "--kind", "inv-to-eng", "--json"
    )
    stats = json.loads(result.stdout)
    assert stats["kinds"] == ["EngagementByAcceptingInvitation"]
    assert stats["short_names"] == {"EngagementByAcceptingInvitation": "inv-to-eng"}
    assert list(stats["by_kind"]) == ["EngagementByAcceptingInvitation"]
    assert stats["tasks"] == sum(1 for s in starts if s >= cut) > 0
    assert stats["tasks"] < len(accepts)


def test_plain_output_is_a_readable_report(demo) -> None:
    _, path = demo
    result = run_pcwatch("stats", "--journal", str(path), "--since", "all")
    assert result.returncode == 0, result.stderr
    out = result.stdout
    for heading in ("Tasks by status", "Failure reasons", "Durations", "Tasks finished per hour", "Budget"):
        assert heading in out
    # The bulk jobs the poller listed, beside the tasks; none opened, so no failure code yet.
    assert "Bulk jobs created since the beginning" in out and "Records a minute of bulk jobs" in out
    assert "the failed records of the 0 jobs whose results were fetched" in out and "none fetched yet" in out
    bulk = out.split("Bulk jobs created since", 1)[1].split("Budget spent per day", 1)[0]
    assert "opp-bulk" in bulk and "acct-bulk" in bulk
    # Kinds by their short names, in every table that names them.
    for section in out.split("\n\n")[1:4]:
        assert all(short in section for short in ("inv-to-eng", "opp-to-eng", "eng-to-opp")), section
    assert "EngagementByAcceptingInvitation" not in out
    assert "InternalError" in out and "The service failed on its side" in out


def test_no_journal_or_a_bad_window_is_an_error_without_a_traceback(tmp_path) -> None:
    missing = run_pcwatch("stats", "--journal", str(tmp_path / "none.sqlite3"))
    assert missing.returncode == 2 and "no journal at" in missing.stderr and "Traceback" not in missing.stderr
    assert not (tmp_path / "none.sqlite3").exists()  # a reader creates nothing
    junk = tmp_path / "junk.sqlite3"
    junk.write_bytes(b"not a database at all" * 100)
    bad = run_pcwatch("stats", "--journal", str(junk))
    assert bad.returncode == 2 and "not a readable pcwatch journal" in bad.stderr
    assert junk.read_bytes() == b"not a database at all" * 100  # not moved aside, not changed
    window = run_pcwatch("stats", "--journal", str(junk), "--since", "soon")
    assert window.returncode == 2 and "is not a window" in window.stderr
    # A demo endpoint of another process: its tasks are there, not here; the line ends in what to do.
    elsewhere = run_pcwatch("--demo", "--endpoint-url", "http://127.0.0.1:9", "stats")
    assert elsewhere.returncode == 2 and len(elsewhere.stderr.splitlines()) == 1
    assert elsewhere.stderr.rstrip().endswith("or give the --journal PATH of a dashboard that watched it")


def test_stats_of_the_demo_are_its_accounts_own() -> None:
    """`stats --demo` reads the demo's account in-process: every task with its status now, and the
    duration of each that ended (its true end, as a viewer that saw every moment would have seen it)."""
    from tui.commands.stats import demo_readings
    from tui.core.clock import MockClock
    from tui.core.settings import Settings
    from tui.engine.stats import Scope, stats_of
    from tui.simulator.demo import DemoWorld, start_demo

    clock = MockClock()
    world = DemoWorld(history=400, activity_per_minute=0, bulk_records=0)
    demo = start_demo(Settings(demo=True), world, clock=clock)
    try:
        readings = demo_readings(demo, Scope.of(clock.now()))
        truth = demo.simulator.tasks()
        ends = {record.task_id: end for record, end in demo.simulator.tasks_with_ends()}
        jobs = demo.simulator.bulk_jobs()
    finally:
        demo.close()
    stats = stats_of(readings.tally, clock.now(), bulk_jobs=readings.bulk_jobs)
    assert stats.tasks == len(truth) >= 400
    counts: dict[str, Counter[str]] = defaultdict(Counter)
    for record in truth:
        counts[record.kind][record.task_status or ""] += 1
    for kind, by_status in counts.items():
        assert {s: n for s, n in stats.by_kind[kind].items() if s != "total" and n} == dict(by_status)
    for kind in counts:
        took = sorted(
            end - r.start_time.timestamp()
            for r in truth
            if r.kind == kind and r.is_terminal and r.start_time and (end := ends[r.task_id]) is not None
        )
        assert stats.durations[kind].observed == len(took) > 0
        assert stats.durations[kind].max == pytest.approx(took[-1])
    assert sum(k.jobs for k in stats.bulk_jobs.values()) == len(jobs) > 0
    assert "demo" in readings.source and "no journal" in readings.source


def test_stats_demo_on_the_command_line() -> None:
    result = run_pcwatch("stats", "--demo", "--since", "all", "--json")
    assert result.returncode == 0, result.stderr
    stats = json.loads(result.stdout)
    assert stats["tasks"] >= 20_000  # the demo's history
    assert all(stats["durations"][kind]["observed"] > 0 for kind in TASK_KINDS)
    assert sum(k["jobs"] for k in stats["bulk_jobs"].values()) > 0
    plain = run_pcwatch("--demo", "stats")
    assert plain.returncode == 0, plain.stderr
    assert plain.stdout.startswith("pcwatch stats · the demo's simulated account (Sandbox catalog)")
    assert "the demo keeps no record of calls per day" in plain.stdout


def test_hostile_reason_codes_are_shown_literally(tmp_path) -> None:
    from tests.support.dashboard import T0
    from tui.engine.journal import Journal
    from tui.engine.store import Store

    hostile = "Boom\x1b[2J\x1b]0;owned\x07\u202eevil\x9b31m"
    path = tmp_path / "hostile.sqlite3"
    store = Store(Journal(path))
    record = TaskRecord(
        kind="EngagementByAcceptingInvitation",
        task_id="task-0000000000001",
        start_time=T0,
        task_status="FAILED",
    )
    store.apply_tasks([msgspec.structs.replace(record, reason_code=hostile)], T0)
    assert store.journal is not None
    store.journal.close()
    for fmt in ([], ["--json"]):
        result = run_pcwatch("stats", "--journal", str(path), "--since", "all", *fmt)
        assert result.returncode == 0, result.stderr
        assert not set(result.stdout) & {"\x1b", "\x07", "\x9b", "\u202e"}
        assert "Boom" in result.stdout
    data = json.loads(run_pcwatch("stats", "--journal", str(path), "--since", "all", "--json").stdout)
    assert data["failures"][0]["reason_code"] == hostile  # JSON stays lossless


def test_bulk_jobs_rates_and_failure_codes_are_printed_beside_the_tasks(tmp_path) -> None:
    """A journal holding three bulk jobs (one opened: its failed records fetched) read by `pcwatch stats`:
    the jobs by status and their records, records a minute, and the failed records' codes ranked, each
    checked against figures worked out here by hand."""
    from datetime import timedelta

    from tests.support.bulk_client import ACCT, OPP, job, result
    from tui.engine.journal import Journal
    from tui.engine.store import Store

    now = datetime.now(timezone.utc)
    hostile = "BAD\x1b[2J\u202eCODE"
    # 600 records in 10 minutes (60/min), 1,200 in 4 (300/min); one running: 100 in 5 minutes (20/min).
    jobs = [
        job(1, status="COMPLETED", total=600, failed=3, created=now - timedelta(hours=2)),
        job(2, status="COMPLETED", total=1200, failed=0, created=now - timedelta(hours=1)),
        job(
            3,
            kind=ACCT,
            status="IN_PROGRESS",
            total=400,
            processed=100,
            failed=1,
            created=now - timedelta(minutes=5),
        ),
    ]
    jobs[1] = msgspec.structs.replace(jobs[1], completed_at=jobs[1].created_at + timedelta(minutes=4))
    path = tmp_path / "bulk.sqlite3"
    store = Store(Journal(path))
    store.apply_bulk_jobs(jobs)
    store.start_results(jobs[0].job_id, OPP, all_asked=False, final=True)
    failed = [result(1, failed=True), result(2, failed=True), result(3, failed=True)]
    failed = [msgspec.structs.replace(failed[0], error_code=hostile), *failed[1:]]
    store.apply_results(jobs[0].job_id, "FAILED", failed, complete=True)
    store.flush()
    assert store.journal is not None
    store.journal.close()

    data = json.loads(run_pcwatch("stats", "--journal", str(path), "--since", "all", "--json").stdout)
    assert data["bulk_results_known"] == 1
    assert data["bulk_jobs"]["OpportunityBulkJob"]["per_minute"]["p50"] == pytest.approx(60.0)  # nearest rank
    result_ = run_pcwatch("stats", "--journal", str(path), "--since", "all")
    assert result_.returncode == 0, result_.stderr
    out = result_.stdout
    assert not set(out) & {"\x1b", "\u202e"}
    sections = {s.split("\n", 1)[0]: s for s in out.split("\n\n")}
    jobs_section = next(s for h, s in sections.items() if h.startswith("Bulk jobs created since"))
    assert jobs_section.splitlines()[0].endswith(": 3, by status, and their records")
    rows = {line.split()[0]: line.split() for line in jobs_section.splitlines()[2:]}
    # KIND SUBMITTED IN_PROGRESS COMPLETED FAILED JOBS RECORDS SUCCEEDED FAILED FAILED%
    assert rows["opp-bulk"] == ["opp-bulk", "0", "0", "2", "0", "2", "1,800", "1,797", "3", "0.2%"]
    assert rows["acct-bulk"] == ["acct-bulk", "0", "1", "0", "0", "1", "100", "99", "1", "1.0%"]
    rates = next(s for h, s in sections.items() if h.startswith("Records a minute of bulk jobs"))
    rate_rows = {line.split()[0]: line.split() for line in rates.splitlines()[2:]}
    assert rate_rows["opp-bulk"] == ["opp-bulk", "2", "60", "300", "129"]  # 1,800 records in 14 minutes
    assert rate_rows["acct-bulk"] == ["acct-bulk", "1", "20", "20", "20"]
    codes = next(s for h, s in sections.items() if h.startswith("Failure codes of bulk jobs' records"))
    assert "the failed records of the 1 job whose results were fetched" in codes
    code_rows = [line.split() for line in codes.splitlines()[2:]]
    assert code_rows[0] == ["VALIDATION_ERROR", "2", "2", "0"]
    assert code_rows[1][1:] == ["1", "1", "0"] and "BAD" in code_rows[1][0]
    # Bulk jobs' sections come after the tasks' and before the budget.
    headings = list(sections)
    assert headings.index(next(h for h in headings if h.startswith("Bulk jobs"))) > headings.index(
        "Tasks finished per hour (UTC; the last 48 hours with any)"
    )
