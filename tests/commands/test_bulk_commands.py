"""`pcwatch jobs`, `pcwatch results` and `pcwatch wait` on a bulk job, over a fake client (paged as the
service pages, ids checked against the model's shapes) and an injected clock: every page within the
budget, the kind found from an id without calls on the other family, the table, JSON and CSV made safe,
and `wait`'s exit codes and progress lines."""

from __future__ import annotations

import asyncio
import csv
import io
import json
from datetime import timedelta

import pytest

from schemas import BulkJobRecord, ResourceNotFoundException, ServiceError, TaskRecord, ThrottlingException
from tests.support.bulk_client import ACCT, OPP, T0, FakeBulkClient, job, job_id, result
from tests.support.writes import AutoClock
from tui.__main__ import build_parser
from tui.aws.failures import ServiceFailure
from tui.commands import jobs as jobs_command
from tui.commands import reads
from tui.commands import results as results_command
from tui.commands.results import JobNotFound, fetch_job_results
from tui.commands.wait_task import WaitProgress, follow, outcome_of
from tui.core.clock import MockClock
from tui.core.exit_status import ExitStatus
from tui.core.settings import Settings
from tui.engine.budget import BudgetSpent, RequestBudget

HOSTILE = "=cmd|' /C calc'!A0\x1b[2J\u202eevil\nline two"


def budget(clock: AutoClock, daily: int = 10_000) -> RequestBudget:
    return RequestBudget(Settings(max_rate=1000.0, daily_calls=daily).budget, clock)


def run(coro):  # type: ignore[no-untyped-def]
    return asyncio.run(coro)


# --- jobs -------------------------------------------------------------------------------------------


def test_jobs_reads_every_page_of_both_kinds_newest_first() -> None:
    client, clock = FakeBulkClient(), AutoClock(T0)
    client.add(*(job(n) for n in range(1, 251)), *(job(n, kind=ACCT) for n in range(300, 305)))
    found = run(jobs_command.fetch_jobs(client, budget(clock), [OPP, ACCT], None, clock=clock))
    assert len(found) == 255
    created = [j.created_at for j in found]
    assert created == sorted(created, reverse=True)
    pages = [c for c in client.calls if c.op == "list_bulk_jobs"]
    assert [(c.kind, c.next_token) for c in pages] == [(OPP, None), (OPP, "100"), (OPP, "200"), (ACCT, None)]
    assert all(c.max_results == 100 for c in pages)


def test_jobs_filters_each_status_on_the_service_side() -> None:
    client, clock = FakeBulkClient(), AutoClock(T0)
    client.add(
        job(1, status="IN_PROGRESS", processed=10),
        job(2),
        job(3, status="FAILED"),
        job(4, status="SUBMITTED"),
    )
    found = run(jobs_command.fetch_jobs(client, budget(clock), [OPP], ["IN_PROGRESS", "FAILED"], clock=clock))
    assert {j.job_id for j in found} == {job_id(1), job_id(3)}
    assert [c.status for c in client.calls] == ["IN_PROGRESS", "FAILED"]


def test_jobs_retries_a_burst_of_throttling_and_spends_from_the_budget() -> None:
    client, clock = FakeBulkClient(), AutoClock(T0)
    client.add(job(1))
    client.fail_next = [_throttled(), _throttled()]
    spend = budget(clock)
    found = run(jobs_command.fetch_jobs(client, spend, [OPP], None, clock=clock))
    assert [j.job_id for j in found] == [job_id(1)] and len(client.calls) == 3
    assert spend.calls_last_day == 3 and clock.slept  # backed off between the tries
    with pytest.raises(BudgetSpent):
        run(jobs_command.fetch_jobs(client, budget(clock, daily=1), [OPP, ACCT], None, clock=clock))


def test_the_jobs_table_shows_progress_counts_and_rate() -> None:
    now = T0
    running = job(
        1, status="IN_PROGRESS", total=5000, processed=2500, failed=20, created=now - timedelta(minutes=10)
    )
    waiting = job(2, status="SUBMITTED", total=None, processed=0, created=now - timedelta(minutes=1))
    out = io.StringIO()
    jobs_command.print_table([running, waiting], out, now)
    header, first, second = out.getvalue().splitlines()
    assert header.split() == [
        "KIND",
        "JOB",
        "ID",
        "STATUS",
        "PROCESSED",
        "SUCCEEDED",
        "FAILED",
        "PER",
        "MIN",
        "CREATED",
        "(UTC)",
    ]
    assert first.split()[:8] == [
        "opp-bulk",
        job_id(1),
        "IN_PROGRESS",
        "2,500/5,000",
        "50%",
        "2,480",
        "20",
        "250",
    ]
    assert second.split()[:4] == ["opp-bulk", job_id(2), "SUBMITTED", "0"]


def test_jobs_json_is_the_wire_names_plus_kind_and_csv_is_safe() -> None:
    hostile = job(1, kind=ACCT, status="FAILED", failure_reason=HOSTILE)
    out = io.StringIO()
    jobs_command.print_json([hostile], out)
    line = out.getvalue()
    assert "\x1b" not in line and "\u202e" not in line and line.count("\n") == 1
    doc = json.loads(line)
    assert doc["Kind"] == "acct-bulk" and doc["WireKind"] == ACCT and doc["JobId"] == job_id(1)
    assert doc["FailureReason"] == HOSTILE  # lossless: the escapes decode back to the exact text
    assert {"Status", "TotalRecords", "ProcessedRecords", "SuccessCount", "FailureCount", "CreatedAt"} <= set(
        doc
    )
    out = io.StringIO()
    jobs_command.print_csv([hostile], out)
    (row,) = csv.DictReader(io.StringIO(out.getvalue()))
    assert row["Kind"] == "acct-bulk" and row["WireKind"] == ACCT and row["JobId"] == job_id(1)
    assert row["FailureReason"].startswith("'=") and "\x1b" not in row["FailureReason"]
    assert list(row)[:3] == ["Kind", "WireKind", "JobId"]


def test_jobs_and_list_take_the_kinds_of_their_own_family(capsys: pytest.CaptureFixture[str]) -> None:
    assert build_parser().parse_args(["jobs", "--kind", "opp-bulk", "--kind", "acct-bulk"]).kind == [
        OPP,
        ACCT,
    ]
    assert build_parser().parse_args(["list", "--kind", "prospecting"]).kind == ["ProspectingFromEngagement"]
    for command, kind, pointer in (
        ("jobs", "inv-to-eng", "`pcwatch list --kind inv-to-eng`"),
        ("list", "opp-bulk", "`pcwatch jobs --kind opp-bulk`"),
        ("results", "prospecting", "`pcwatch list --kind prospecting`"),
    ):
        with pytest.raises(SystemExit) as refused:
            build_parser().parse_args(
                [command, *(["bulkjob-1"] if command == "results" else []), "--kind", kind]
            )
        assert refused.value.code == 2
        assert pointer in capsys.readouterr().err
    with pytest.raises(SystemExit):
        build_parser().parse_args(["jobs", "--kind", "bulk"])
    assert "unknown kind 'bulk': use one of opp-bulk, acct-bulk" in capsys.readouterr().err


# --- which kind an id is -----------------------------------------------------------------------------


def test_an_id_is_looked_up_only_among_the_kinds_whose_ids_it_could_be() -> None:
    client, clock = FakeBulkClient(), AutoClock(T0)
    client.add(job(7, kind=ACCT))
    run_ = reads.retried(client, budget(clock), clock=clock)
    everything = [*reads.TASK_KINDS, *reads.BULK_KINDS]
    found = run(reads.look_up(run_, client, job_id(7), everything))
    assert isinstance(found, BulkJobRecord) and found.kind == ACCT
    assert client.ops() == [("get_bulk_job", OPP), ("get_bulk_job", ACCT)]  # no task list was asked

    client.calls.clear()
    prospecting_id = "task-0123456789abcd"  # 14 characters: only a prospecting task's
    client.tasks[prospecting_id] = TaskRecord(
        kind="ProspectingFromEngagement", task_id=prospecting_id, task_status="IN_PROGRESS"
    )
    found = run(reads.look_up(run_, client, prospecting_id, everything))
    assert isinstance(found, TaskRecord) and client.ops() == [("list_tasks", "ProspectingFromEngagement")]


def test_a_kind_that_answers_not_found_is_not_the_ids_kind() -> None:
    """The opportunity bulk jobs have no Get: their list filtered by an unknown JobId may answer
    ResourceNotFoundException (the local endpoint does) rather than an empty page."""

    class NotFound(FakeBulkClient):
        async def get_bulk_job(self, kind: str, job_id: str) -> BulkJobRecord | None:
            found = await super().get_bulk_job(kind, job_id)
            if found is None and kind == OPP:
                message = f"Opportunity bulk job {job_id} was not found in catalog Sandbox."
                raise ServiceFailure(
                    message, service_error=ResourceNotFoundException(message=message), retryable=False
                )
            return found

    client, clock = NotFound(), AutoClock(T0)
    client.add(job(8, kind=ACCT))
    found = run(
        fetch_job_results(client, budget(clock), job_id(8), kind=None, failed_only=False, clock=clock)
    )
    assert found.kind == ACCT
    with pytest.raises(JobNotFound):
        run(fetch_job_results(client, budget(clock), job_id(9), kind=None, failed_only=False, clock=clock))


def test_an_id_no_kind_accepts_is_the_services_validation_error() -> None:
    client, clock = FakeBulkClient(), AutoClock(T0)
    run_ = reads.retried(client, budget(clock), clock=clock)
    with pytest.raises(ServiceFailure) as refused:
        run(reads.look_up(run_, client, "not-an-id", [*reads.TASK_KINDS, *reads.BULK_KINDS]))
    assert "ValidationException" in refused.value.message
    assert len(client.calls) == 6  # it fits no shape: every kind is asked, and every one refuses it


# --- results -----------------------------------------------------------------------------------------


def test_results_finds_the_kind_then_reads_every_page() -> None:
    client, clock = FakeBulkClient(), AutoClock(T0)
    client.add(job(5, kind=ACCT, total=250, failed=3))
    client.results[job_id(5)] = [result(n, failed=n % 100 == 0) for n in range(1, 251)]
    found = run(
        fetch_job_results(client, budget(clock), job_id(5), kind=None, failed_only=False, clock=clock)
    )
    assert found.kind == ACCT and found.job is not None and len(found.results) == 250
    pages = [c for c in client.calls if c.op == "list_bulk_job_results"]
    assert [c.next_token for c in pages] == [None, "100", "200"]  # the customer-account results: 100 a page

    client.calls.clear()
    failed = run(
        fetch_job_results(client, budget(clock), job_id(5), kind=ACCT, failed_only=True, clock=clock)
    )
    assert [r.request_id for r in failed.results] == ["row-100", "row-200"] and failed.job is None
    assert client.ops() == [("list_bulk_job_results", ACCT)] and client.calls[0].status == "FAILED"


def test_results_of_an_unknown_job_names_the_kinds_it_tried() -> None:
    client, clock = FakeBulkClient(), AutoClock(T0)
    with pytest.raises(JobNotFound) as missing:
        run(fetch_job_results(client, budget(clock), job_id(404), kind=None, failed_only=False, clock=clock))
    assert missing.value.kinds == [OPP, ACCT]


def test_the_results_table_and_json_are_safe() -> None:
    rows = [result(1), result(2, failed=True, message=HOSTILE)]
    out = io.StringIO()
    results_command.print_table(rows, out)
    lines = out.getvalue().splitlines()
    assert lines[0].split() == [
        "REQUEST",
        "ID",
        "STATUS",
        "RESOURCE",
        "ID",
        "ERROR",
        "CODE",
        "ERROR",
        "MESSAGE",
    ]
    assert lines[1].split() == ["row-1", "SUCCEEDED", "O0000001"]
    assert lines[2].split()[:3] == ["row-2", "FAILED", "VALIDATION_ERROR"]
    assert "\x1b" not in out.getvalue() and "\u202e" not in out.getvalue() and len(lines) == 3
    out = io.StringIO()
    results_command.print_json(rows, out)
    docs = [json.loads(line) for line in out.getvalue().splitlines()]
    assert docs[1] == {
        "RequestId": "row-2",
        "Status": "FAILED",
        "ErrorCode": "VALIDATION_ERROR",
        "ErrorMessage": HOSTILE,
    }
    out = io.StringIO()
    results_command.print_csv(rows, out)
    table = list(csv.DictReader(io.StringIO(out.getvalue())))
    assert table[1]["ErrorMessage"].startswith("'=")


# --- wait on a bulk job ------------------------------------------------------------------------------


def _moving(n: int, *, end: str, failed_at_end: int) -> list[BulkJobRecord]:
    """A job of 400 records, 100 more processed at each look, then ending as `end`."""
    start = T0 - timedelta(minutes=1)
    steps = [job(n, status="SUBMITTED", total=None, processed=0, created=start)]
    steps += [job(n, status="IN_PROGRESS", total=400, processed=p, created=start) for p in (100, 200, 300)]
    steps.append(job(n, status=end, total=400, processed=400, failed=failed_at_end, created=start))
    return steps


def _follow(client: FakeBulkClient, clock: AutoClock, ident: str, **kwargs):  # type: ignore[no-untyped-def]
    seen: list[BulkJobRecord | TaskRecord] = []
    code, record = run(
        follow(
            client,
            ident,
            settings=Settings(max_rate=1000.0),
            clock=clock,
            timeout=None,
            interval=5.0,
            on_record=seen.append,
            **kwargs,
        )
    )
    return code, record, seen


@pytest.mark.parametrize(
    ("end", "failed", "expected"),
    [
        ("COMPLETED", 0, ExitStatus.OK),
        ("COMPLETED", 3, ExitStatus.TASK_FAILED),
        ("FAILED", 0, ExitStatus.TASK_FAILED),
    ],
)
def test_wait_follows_a_bulk_job_to_its_end(end: str, failed: int, expected: ExitStatus) -> None:
    client, clock = FakeBulkClient(), AutoClock(T0)
    client.script[job_id(1)] = _moving(1, end=end, failed_at_end=failed)
    code, record, seen = _follow(client, clock, job_id(1))
    assert code == expected and isinstance(record, BulkJobRecord) and record.status == end
    assert [r.processed_records for r in seen] == [0, 100, 200, 300, 400]  # type: ignore[union-attr]
    assert clock.slept == [5.0] * 4
    # Found by its id's shape: no task list was asked, and once found only its own kind.
    assert {c.op for c in client.calls} == {"get_bulk_job"} and {c.kind for c in client.calls[1:]} == {OPP}


def test_wait_on_a_bulk_job_times_out_with_124_at_its_deadline() -> None:
    client, clock = FakeBulkClient(), MockClock(T0)
    client.add(job(2, status="IN_PROGRESS", processed=10))

    async def drive() -> tuple[ExitStatus, object]:
        waiting = asyncio.ensure_future(
            follow(
                client,
                job_id(2),
                settings=Settings(max_rate=1000.0),
                clock=clock,
                timeout=12.0,
                interval=5.0,
                kind=OPP,
            )
        )
        while not waiting.done():
            for _ in range(10):
                await asyncio.sleep(0)
            if not waiting.done():
                clock.advance(1.0)
        return await waiting

    code, record = run(drive())
    assert code == ExitStatus.TIMEOUT and isinstance(record, BulkJobRecord)
    assert clock.monotonic() == 12.0 and len(client.calls) == 4  # looked at 0, 5, 10 s and at the deadline


def test_a_running_job_with_failed_records_is_not_an_end() -> None:
    running = job(3, status="IN_PROGRESS", processed=50, failed=5)
    assert outcome_of(running) is None
    assert outcome_of(job(3, status="COMPLETED")) == ExitStatus.OK
    assert outcome_of(job(3, status="COMPLETED", failed=1)) == ExitStatus.TASK_FAILED
    assert outcome_of(job(3, status="SOMETHING_NEW")) is None  # an unknown status: keep waiting


def test_progress_is_a_line_every_30_seconds_off_a_terminal() -> None:
    clock, out = AutoClock(T0), io.StringIO()
    progress = WaitProgress(out, clock, terminal=False)
    for step in _moving(1, end="COMPLETED", failed_at_end=0):
        progress(step)
        clock.advance(10)
    lines = out.getvalue().splitlines()
    assert len(lines) == 2  # at 0 s and at 30 s of the 50
    assert lines[0].startswith(f"pcwatch wait: opp-bulk {job_id(1)} SUBMITTED 0 processed, 0 succeeded")
    assert lines[1].startswith(f"pcwatch wait: opp-bulk {job_id(1)} IN_PROGRESS 300/400 (75%) processed")
    assert "/min" in lines[1] and "left" in lines[1]


def test_progress_on_a_terminal_is_one_bar_rewritten_in_place() -> None:
    clock, out = AutoClock(T0), io.StringIO()
    progress = WaitProgress(out, clock, terminal=True, columns=lambda: 200)
    for step in _moving(1, end="COMPLETED", failed_at_end=0):
        progress(step)
    progress.finish()
    text = out.getvalue()
    assert text.count("\r") == 5 and text.count("\n") == 1 and text.endswith("\n")
    draws = [d for d in text.rstrip("\n").split("\r") if d]
    assert draws[2].startswith("IN_PROGRESS [" + "█" * 8 + "·" * 8 + "] 200/400 (50%) · 0 failed · ")
    assert draws[4].startswith("COMPLETED [" + "█" * 16 + "] 400/400 (100%) · 0 failed")
    assert max(len(d) for d in draws) - len("\x1b[K") <= 79  # within 80 columns
    assert all(d.endswith("\x1b[K") for d in draws)
    # A narrow terminal: the bar is cut to fit (a wrapped line would not be rewritten in place).
    narrow = io.StringIO()
    cut = WaitProgress(narrow, clock, terminal=True, columns=lambda: 40)
    cut(_moving(1, end="COMPLETED", failed_at_end=0)[2])
    assert len(narrow.getvalue()) == len("\r") + 39 + len("\x1b[K") and "…\x1b[K" in narrow.getvalue()


def _throttled() -> ServiceFailure:
    error: ServiceError = ThrottlingException(message="Rate exceeded")
    return ServiceFailure("ThrottlingException: Rate exceeded", service_error=error, throttled=True)
