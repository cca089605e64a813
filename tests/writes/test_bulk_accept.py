"""`accept --all-pending`: filters, a dry run that sends nothing, one request a second, and a run that
resumes after an interruption without accepting anything twice."""

from __future__ import annotations

import asyncio
import itertools
import signal
import subprocess
import time

import pytest

from tests.support.writes import (
    ROOT,
    SENDER,
    T0,
    AutoClock,
    CrashAfterSend,
    accept_tasks_for,
    add_invitation,
    age_expired,
    cli_env,
    pcwatch_command,
    run_pcwatch,
)
from tui.__main__ import main
from tui.aws.client import make_client
from tui.core.clock import MockClock
from tui.simulator import Faults, Simulator, serve
from tui.writes.actions import ACCEPT, WriteActions
from tui.writes.bulk_accept import InvitationFilter, accept_all, pending_invitations

ONLY_OURS = InvitationFilter(senders=(SENDER,))


def _ours(write_sim, n: int, **kw) -> list[str]:
    return [add_invitation(write_sim, title=f"Bulk {i}", age=3600.0 + i * 60, **kw) for i in range(n)]


def test_filters_pick_pending_unexpired_invitations_by_sender_and_payload_type(
    write_sim, write_client
) -> None:
    ours = _ours(write_sim, 3)
    lead = add_invitation(write_sim, payload_type="LeadInvitation")
    add_invitation(write_sim, age=age_expired())  # expired
    add_invitation(write_sim, status="REJECTED")
    add_invitation(write_sim, sender="Someone Else")
    clock = AutoClock(write_sim.clock.now())
    found = asyncio.run(pending_invitations(write_client, clock, ONLY_OURS))
    assert {i.id for i in found} == {*ours, lead}
    # The soonest to expire first.
    expiring = [i.expiration_date for i in found]
    assert expiring == sorted(expiring)
    leads = asyncio.run(
        pending_invitations(
            write_client,
            clock,
            InvitationFilter(senders=("210987654321",), payload_types=("leadinvitation",)),
        )
    )
    assert [i.id for i in leads] == [lead]


def test_bulk_accept_paces_itself_to_one_write_a_second(write_sim, write_client, ledger) -> None:
    ours = _ours(write_sim, 4)
    clock = AutoClock(write_sim.clock.now())
    actions = WriteActions(write_client, ledger, clock=clock)
    sent_at: list[float] = []
    invitations = asyncio.run(pending_invitations(write_client, clock, ONLY_OURS))
    result = asyncio.run(
        accept_all(
            actions, invitations, clock=clock, on_outcome=lambda inv, o: sent_at.append(clock.monotonic())
        )
    )
    assert len(result.accepted) == 4 and not result.refused and result.stopped is None
    assert all(b - a >= 1.0 - 1e-9 for a, b in itertools.pairwise(sent_at))
    assert all(len(accept_tasks_for(write_sim, i)) == 1 for i in ours)


def test_an_interrupted_bulk_accept_resumes_without_accepting_anything_twice(
    write_sim, write_client, ledger
) -> None:
    ours = _ours(write_sim, 5)
    clock = AutoClock(write_sim.clock.now())
    invitations = asyncio.run(pending_invitations(write_client, clock, ONLY_OURS))
    crashing = CrashAfterSend(write_client, crash_on=3)
    with pytest.raises(CrashAfterSend.Crash):
        asyncio.run(accept_all(WriteActions(crashing, ledger, clock=clock), invitations, clock=clock))
    # Three were carried out (the third's answer never arrived); two were not sent.
    assert [len(accept_tasks_for(write_sim, i.id)) for i in invitations] == [1, 1, 1, 0, 0]
    # Run again: the listing still shows all five PENDING (being accepted is not accepted yet).
    again = asyncio.run(pending_invitations(write_client, clock, ONLY_OURS))
    assert {i.id for i in again} == set(ours)
    result = asyncio.run(accept_all(WriteActions(write_client, ledger, clock=clock), again, clock=clock))
    assert [i.id for i in result.skipped] == [i.id for i in invitations[:2]]
    assert [o.target_id for o in result.accepted] == [i.id for i in invitations[2:]]
    assert result.accepted[0].reused_token  # the third: its recorded token, answered idempotently
    assert all(len(accept_tasks_for(write_sim, i)) == 1 for i in ours)
    assert write_sim.stats.calls[ACCEPT] == 3 + 3


def test_bulk_accept_retries_a_throttled_write_with_the_same_token(write_sim, write_settings, ledger) -> None:
    (inv,) = _ours(write_sim, 1)
    clock = AutoClock(write_sim.clock.now())
    # botocore's own retries off, so pcwatch's retries (on the injected clock) are what is tested.
    client = make_client(write_settings, max_attempts=0)
    actions = WriteActions(client, ledger, clock=clock)
    invitations = asyncio.run(pending_invitations(client, clock, ONLY_OURS))
    errors: list[tuple[str, bool]] = []
    write_sim.strike_once(Faults(throttle=1.0, throttle_burst=3))
    result = asyncio.run(
        accept_all(
            actions,
            invitations,
            clock=clock,
            on_error=lambda i, e, retrying: errors.append((e.lines[0], retrying)),
        )
    )
    client.close()
    assert len(result.accepted) == 1 and len(errors) == 3 and all(retrying for _, retrying in errors)
    assert "throttled" in errors[0][0]
    assert len(accept_tasks_for(write_sim, inv)) == 1
    assert len(ledger.entries()) == 1  # one request, one token, however many attempts


def test_the_cli_lists_without_yes_and_accepts_with_it(
    write_sim, write_endpoint, tmp_path, capsys, monkeypatch
) -> None:
    for key, value in cli_env().items():
        if key.startswith("AWS_"):
            monkeypatch.setenv(key, value)
    ours = _ours(write_sim, 2)
    base = ["--endpoint-url", write_endpoint.url, "--journal", str(tmp_path / "j"), "accept", "--all-pending"]
    base += ["--sender", SENDER]
    assert main(base) == 0
    out = capsys.readouterr()
    assert all(i in out.out for i in ours) and "add --yes" in out.err
    assert write_sim.stats.calls[ACCEPT] == 0
    assert main([*base, "--yes"]) == 0
    out = capsys.readouterr()
    assert len(out.out.splitlines()) == 2 and "accepted 2" in out.err
    assert all(len(accept_tasks_for(write_sim, i)) == 1 for i in ours)
    assert main([*base, "--yes"]) == 0  # nothing left to do
    assert "accepted 0" in capsys.readouterr().err and write_sim.stats.calls[ACCEPT] == 2


class HoldNthAccept(Simulator):
    """Carries out the `hold_on`-th accept, then holds its answer back for a minute (the process gets
    killed meanwhile)."""

    hold_on = 3

    def handle(self, method, path, headers, body):  # type: ignore[no-untyped-def]
        reply = super().handle(method, path, headers, body)
        target = {k.lower(): v for k, v in headers.items()}.get("x-amz-target", "")
        if target.endswith("." + ACCEPT) and self.stats.calls[ACCEPT] == self.hold_on:
            reply.delay = 60.0
        return reply


def test_a_killed_bulk_accept_process_resumes_without_repeats(tmp_path) -> None:
    sim = HoldNthAccept(seed=5, history=50, clock=MockClock(T0), enforce_quotas=False)
    ours = _ours(sim, 4)
    with serve(sim) as endpoint:
        args = ["--endpoint-url", endpoint.url, "--journal", str(tmp_path / "j"), "accept", "--all-pending"]
        args += ["--sender", SENDER, "--yes"]
        proc = subprocess.Popen(
            pcwatch_command(*args), env=cli_env(), cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE
        )
        try:
            deadline = time.monotonic() + 30
            while sim.stats.calls[ACCEPT] < 3:
                assert proc.poll() is None, proc.communicate()
                assert time.monotonic() < deadline
                time.sleep(0.02)
            proc.send_signal(signal.SIGKILL)
            proc.wait(timeout=10)
        finally:
            if proc.poll() is None:
                proc.kill()
            out, _ = proc.communicate()
        assert len(out.decode().splitlines()) == 2  # two answers printed before the kill
        assert sorted(len(accept_tasks_for(sim, i)) for i in ours) == [0, 1, 1, 1]
        sim.hold_on = 0
        result = run_pcwatch(*args)
    assert result.returncode == 0, result.stderr
    assert "accepted 2, refused 0, skipped 2" in result.stderr
    assert "resent the ClientToken of an earlier attempt" in result.stderr
    assert [len(accept_tasks_for(sim, i)) for i in ours] == [1, 1, 1, 1]
    assert sim.stats.calls[ACCEPT] == 3 + 2
