"""StartOpportunityBulkJob through the write ledger (`WriteActions.start_opportunity_bulk_job`): the token
recorded before the request leaves, a process that dies waiting for the answer resends the same token on
the next run (one job), a repeat of an import that succeeded sends nothing, read-only sends nothing, and a
presigned URL's signature is sent but never recorded. Over a fake client; the end-to-end run against the
local endpoint is in test_write_commands.py."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

import pytest

from schemas import BulkJobKind
from tests.support.bulk_client import FakeBulkClient
from tests.support.writes import T0
from tui.core.clock import MockClock
from tui.writes.actions import BULK_IMPORT, WriteActions, file_identity
from tui.writes.errors import WritesDisabled
from tui.writes.ledger import PENDING, SUCCEEDED, WriteLedger

FILE = "s3://partner-imports/2026-11/opportunities.csv"
SIGNED = (
    "https://partner-imports.s3.amazonaws.com/2026-11/opportunities.csv"
    "?X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Signature=0123456789abcdef0123456789abcdef#frag"
)


class Died(BaseException):
    """The process killed while the answer was on its way (no handler catches it)."""


class DiesAfterSending(FakeBulkClient):
    def __init__(self) -> None:
        super().__init__()
        self.die = True

    async def start_opportunity_bulk_job(self, file_uri: str, **kwargs: Any) -> Any:
        response = await super().start_opportunity_bulk_job(file_uri, **kwargs)
        if self.die:
            self.die = False
            raise Died
        return response


def actions_for(client: FakeBulkClient, path: Path, **kwargs: Any) -> WriteActions:
    return WriteActions(client, WriteLedger(path, clock=MockClock(T0)), clock=MockClock(T0), **kwargs)  # type: ignore[arg-type]


def test_a_bulk_import_is_recorded_and_a_repeat_sends_nothing(tmp_path: Path) -> None:
    client = FakeBulkClient()
    actions = actions_for(client, tmp_path / "ledger.sqlite3")
    outcome = asyncio.run(actions.start_opportunity_bulk_job(FILE))
    assert outcome.job is not None and outcome.job.kind == BulkJobKind.OPPORTUNITY
    assert outcome.response_json == b'{"JobId":"bulkjob-0000000009000"}' and outcome.task is None
    (entry,) = actions.ledger.entries()
    assert (entry.operation, entry.target_id, entry.state) == (BULK_IMPORT, FILE, SUCCEEDED)
    again = asyncio.run(actions.start_opportunity_bulk_job(FILE))
    assert again.replayed and again.job == outcome.job and len(client.started) == 1
    fresh = asyncio.run(actions.start_opportunity_bulk_job(FILE, fresh=True))  # `--again`
    assert fresh.job is not None and fresh.job.job_id != outcome.job.job_id and len(client.started) == 2


def test_killed_waiting_for_the_answer_then_run_again_starts_one_job(tmp_path: Path) -> None:
    client = DiesAfterSending()
    path = tmp_path / "ledger.sqlite3"
    with pytest.raises(Died):
        asyncio.run(actions_for(client, path).start_opportunity_bulk_job(FILE))
    with WriteLedger(path) as ledger:
        (entry,) = ledger.entries()
        assert entry.state == PENDING  # recorded before it left; no answer since
    outcome = asyncio.run(actions_for(client, path).start_opportunity_bulk_job(FILE))
    assert outcome.reused_token and outcome.job is not None
    (first, second) = client.started
    assert first == second  # the same request with the same ClientToken: the service starts one job
    assert outcome.job.job_id == "bulkjob-0000000009000"


def test_a_presigned_urls_signature_is_sent_but_never_recorded(tmp_path: Path) -> None:
    client = FakeBulkClient()
    path = tmp_path / "ledger.sqlite3"
    actions = actions_for(client, path)
    outcome = asyncio.run(actions.start_opportunity_bulk_job(SIGNED))
    assert client.started[0][0] == SIGNED  # the service gets the URL whole
    assert outcome.target_id == file_identity(SIGNED) == SIGNED.split("?")[0]
    actions.ledger.close()
    stored = b"".join(p.read_bytes() for p in tmp_path.iterdir())
    assert b"X-Amz-Signature" not in stored and b"0123456789abcdef0123456789abcdef" not in stored
    assert file_identity(SIGNED.split("?")[0]).encode() in stored


def test_the_engine_is_told_to_follow_the_started_job(tmp_path: Path) -> None:
    followed: list[tuple[str, str]] = []

    class Engine:
        def follow_job(self, job_id: str, kind: str) -> None:
            followed.append((job_id, kind))

    client = FakeBulkClient()
    actions = actions_for(client, tmp_path / "ledger.sqlite3", engine=Engine())
    outcome = asyncio.run(actions.start_opportunity_bulk_job(FILE))
    assert outcome.job is not None and followed == [(outcome.job.job_id, BulkJobKind.OPPORTUNITY)]


def test_read_only_sends_no_bulk_import(tmp_path: Path) -> None:
    client = FakeBulkClient()
    actions = actions_for(client, tmp_path / "ledger.sqlite3", read_only=True)
    with pytest.raises(WritesDisabled):
        asyncio.run(actions.start_opportunity_bulk_job(FILE))
    assert client.started == [] and actions.ledger.entries() == []
