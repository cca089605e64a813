"""The write ledger: a token recorded before the call, reused while the outcome is unknown, never reused
after a definitive refusal, kept in the journal's file beside the journal's own tables."""

from __future__ import annotations

import dataclasses
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


def test_the_ledger_shares_the_journal_file_without_disturbing_it(tmp_path: Path) -> None:
    path = tmp_path / "j.sqlite3"
    with WriteLedger(path) as ledger:  # created first: the journal must still set itself up
        token = reserve(ledger).entry.client_token
        journal = Journal(path)
        assert journal.load().tasks == [] and not journal.warnings
        journal.write(meta={"k": "v"})
        assert journal.integrity_check() == "ok"
        journal.close()
    with WriteLedger(path) as reopened:
        assert reopened.get(token) is not None
    journal = Journal(path)
    assert journal.load().meta == {"k": "v"} and not journal.warnings
    journal.close()


def test_where_the_ledger_lives(tmp_path: Path) -> None:
    explicit = Settings(journal_path=tmp_path / "mine.sqlite3")
    assert ledger_path(explicit) == tmp_path / "mine.sqlite3"
    default = Settings(profile="p1", catalog="AWS")
    assert ledger_path(default) == default_journal_path(default)
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
