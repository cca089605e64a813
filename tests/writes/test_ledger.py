"""The write ledger: a token recorded before the call, reused while the outcome is unknown, never reused
after a definitive refusal, kept in its own file beside the journal; a journal of the previous layout
(the ledger's table inside it) opens, and its ledger moves out with every pending token."""

from __future__ import annotations

import dataclasses
import shutil
import sqlite3
from pathlib import Path

from tui.core.clock import MockClock
from tui.core.settings import Settings
from tui.engine.journal import Journal, default_journal_path
from tui.writes.ledger import FAILED, PENDING, SUCCEEDED, UNKNOWN, WriteLedger, ledger_path, params_hash

OP = "StartEngagementByAcceptingInvitationTask"
PARAMS = {"Catalog": "Sandbox", "ClientToken": "", "Identifier": "engi-0000000000001"}


def reserve(ledger: WriteLedger, params: dict | None = None, **kw):
    p = params or PARAMS
    return ledger.reserve(OP, p["Catalog"], p["Identifier"], p, **kw)


def test_a_token_is_committed_before_the_call_and_visible_to_another_connection(tmp_path: Path) -> None:
    path = tmp_path / "j.sqlite3"
    with WriteLedger(path) as first:
        r = reserve(first)
        assert not r.reused and not r.already_done and r.entry.state == PENDING
        with WriteLedger(path) as other:  # another process, e.g. after a crash
            seen = other.get(r.entry.client_token)
            assert seen is not None and seen.state == PENDING and seen.target_id == "engi-0000000000001"


def test_an_attempt_without_an_answer_is_resent_with_the_same_token(tmp_path: Path) -> None:
    with WriteLedger(tmp_path / "j.sqlite3") as ledger:
        first = reserve(ledger)
        again = reserve(ledger)
        assert again.reused and again.entry.client_token == first.entry.client_token
        assert again.entry.attempts == 2
        ledger.record_failure(first.entry.client_token, "network", "reset", definitive=False)
        assert ledger.get(first.entry.client_token).state == UNKNOWN
        third = reserve(ledger)
        assert third.reused and third.entry.client_token == first.entry.client_token


def test_a_success_is_shown_again_unless_a_new_request_is_asked_for(tmp_path: Path) -> None:
    with WriteLedger(tmp_path / "j.sqlite3") as ledger:
        first = reserve(ledger)
        ledger.record_success(first.entry.client_token, b'{"TaskId":"task-1"}')
        again = reserve(ledger)
        assert again.already_done and again.entry.response == '{"TaskId":"task-1"}'
        assert again.entry.state == SUCCEEDED
        fresh = reserve(ledger, fresh=True)
        assert not fresh.already_done and fresh.entry.client_token != first.entry.client_token
        assert ledger.succeeded_targets(OP, "Sandbox") == {"engi-0000000000001"}


def test_a_definitive_refusal_gets_a_new_token_next_time(tmp_path: Path) -> None:
    with WriteLedger(tmp_path / "j.sqlite3") as ledger:
        first = reserve(ledger)
        ledger.record_failure(first.entry.client_token, "ValidationException", "bad", definitive=True)
        assert ledger.get(first.entry.client_token).state == FAILED
        second = reserve(ledger)
        assert not second.reused and second.entry.client_token != first.entry.client_token


def test_the_identity_is_operation_catalog_target_and_parameters(tmp_path: Path) -> None:
    with WriteLedger(tmp_path / "j.sqlite3") as ledger:
        base = reserve(ledger).entry.client_token
        other_target = reserve(ledger, {**PARAMS, "Identifier": "engi-0000000000002"})
        other_catalog = reserve(ledger, {**PARAMS, "Catalog": "AWS"})
        other_op = ledger.reserve("RejectEngagementInvitation", "Sandbox", PARAMS["Identifier"], PARAMS)
        tokens = {base, other_target.entry.client_token, other_catalog.entry.client_token}
        assert len(tokens | {other_op.entry.client_token}) == 4
    # The token itself never changes the hash; the parameters' order neither.
    assert params_hash({"A": 1, "B": {"X": 1, "Y": 2}, "ClientToken": "t1"}) == params_hash(
        {"B": {"Y": 2, "X": 1}, "ClientToken": "t2", "A": 1}
    )
    assert params_hash({"A": 1}) != params_hash({"A": 2})


#: tests/fixtures/journal-v1.sqlite3, written by pcwatch before the ledger had its own file
#: (tests/fixtures/make_journal_v1.py): its ledger rows, (token, operation, target, state).
LEGACY = Path(__file__).parents[1] / "fixtures" / "journal-v1.sqlite3"
LEGACY_ROWS = {
    ("11111111-1111-4111-8111-111111111111", OP, "engi-0000000000001", SUCCEEDED),
    ("22222222-2222-4222-8222-222222222222", OP, "engi-0000000000002", PENDING),
    ("33333333-3333-4333-8333-333333333333", OP, "engi-0000000000003", UNKNOWN),
    ("44444444-4444-4444-8444-444444444444", "RejectEngagementInvitation", "engi-0000000000004", FAILED),
}


def _tables(path: Path) -> set[str]:
    with sqlite3.connect(path) as conn:
        return {name for (name,) in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}


def _legacy_journal(tmp_path: Path) -> Settings:
    journal = tmp_path / "journal.sqlite3"
    shutil.copyfile(LEGACY, journal)
    return Settings(journal_path=journal)


def test_a_journal_of_the_previous_layout_opens_and_its_ledger_moves_out(tmp_path: Path) -> None:
    settings = _legacy_journal(tmp_path)
    assert "write_requests" in _tables(settings.journal_path)  # the old layout, as committed
    with WriteLedger.for_settings(settings, clock=MockClock()) as ledger:
        assert ledger.path == tmp_path / "journal.writes.sqlite3" and not ledger.warnings
        moved = {(e.client_token, e.operation, e.target_id, e.state) for e in ledger.entries()}
        assert moved == LEGACY_ROWS
        # The pending accept is resent with its recorded token, not a new one: the service acts once.
        again = reserve(ledger, {"Catalog": "Sandbox", "Identifier": "engi-0000000000002"})
        assert again.reused and again.entry.client_token == "22222222-2222-4222-8222-222222222222"
        done = reserve(ledger, {"Catalog": "Sandbox", "Identifier": "engi-0000000000001"})
        assert done.already_done and done.entry.response == '{"TaskId":"task-0000000000001"}'
    # The journal keeps its own tables and data, without the ledger's; it opens as before.
    assert "write_requests" not in _tables(settings.journal_path)
    journal = Journal(settings.journal_path)
    contents = journal.load()
    assert sorted(r.record.task_id for r in contents.tasks) == [f"task-{n:013d}" for n in (1, 2, 3)]
    assert [i.id for i in contents.invitations] == ["engi-0000000000005"] and not journal.warnings
    journal.close()
    # Opening again moves nothing twice and loses nothing.
    with WriteLedger.for_settings(settings, clock=MockClock()) as reopened:
        assert len(reopened.entries()) == len(LEGACY_ROWS) and not reopened.warnings


def test_a_corrupt_journal_moved_aside_never_takes_the_pending_tokens(tmp_path: Path) -> None:
    settings = _legacy_journal(tmp_path)
    WriteLedger.for_settings(settings).close()  # first open: the ledger moves to its own file
    path = settings.journal_path
    path.write_bytes(b"this is not a database" * 100)  # then the journal is damaged
    journal = Journal(path)
    assert any("moved aside" in w for w in journal.warnings)
    journal.close()
    with WriteLedger.for_settings(settings) as ledger:
        pending = ledger.get("22222222-2222-4222-8222-222222222222")
        assert pending is not None and pending.state == PENDING and pending.is_open


def test_a_damaged_legacy_journal_keeps_its_ledger_rows_and_says_so(tmp_path: Path) -> None:
    journal = tmp_path / "journal.sqlite3"
    journal.write_bytes(b"SQLite format 3\x00" + b"\xff" * 4000)
    with WriteLedger.for_settings(Settings(journal_path=journal)) as ledger:
        assert ledger.entries() == []
        assert ledger.warnings and "journal.sqlite3" in ledger.warnings[0]


def test_where_the_ledger_lives(tmp_path: Path) -> None:
    explicit = Settings(journal_path=tmp_path / "mine.sqlite3")
    assert ledger_path(explicit) == tmp_path / "mine.writes.sqlite3"  # beside the journal, not in it
    default = Settings(profile="p1", catalog="AWS")
    journal = default_journal_path(default)
    assert ledger_path(default) == journal.with_name(journal.stem + ".writes.sqlite3")
    # --no-journal keeps no history, but writes still need a ledger to be crash-safe.
    no_journal = dataclasses.replace(default, no_journal=True)
    path = ledger_path(no_journal)
    assert path.parent.name == "write-ledgers" and path.name == default_journal_path(default).name
    # --demo without --journal: a per-process temporary file, removed on close.
    demo = Settings(demo=True)
    ledger = WriteLedger.for_settings(demo, clock=MockClock())
    assert ledger.path.exists() and "pcwatch-demo-writes-" in ledger.path.name
    ledger.close()
    assert not ledger.path.exists()
