"""The look for new tasks leaves no gap (found by tests/bench/bench_soak.py: tasks that started and
finished between two looks were never seen under busy traffic).

The scan went newest first until a task it knew, or one older than the newest start the store knew; but
the IN_PROGRESS listing (and a scan cut short by a failure) bring in new tasks too, so the next scan
stopped at those, above the tasks that had started and finished in between."""

from __future__ import annotations

from datetime import timedelta

from tests.engine.test_poller_plan import make
from tests.support.engine import ACCEPT, T0, FakeClient, failure, task


async def caught_up(poller, seconds: float = 400.0) -> None:  # type: ignore[no-untyped-def]
    for _ in range(int(seconds)):
        await poller.poll_once()
        poller.clock.advance(1.0)


async def test_tasks_between_two_scans_are_found_though_a_newer_one_was_seen_running() -> None:
    history = [task(n, status="COMPLETE") for n in range(1, 6)]
    client = FakeClient([*history, task(9, status="IN_PROGRESS", start=T0 - timedelta(hours=2))])
    poller, store, clock = make(client, newest_page_size=25)
    await caught_up(poller, 70)
    assert len(store) == 6
    # Meanwhile: 40 tasks start and finish, then one starts and keeps running (the newest of all).
    base = clock.now()
    done = [task(100 + n, status="COMPLETE", start=base + timedelta(seconds=n)) for n in range(40)]
    running = task(200, status="IN_PROGRESS", start=base + timedelta(seconds=50))
    for record in [*done, running]:
        client.truth[record.task_id] = record
    clock.advance(55)
    await caught_up(poller, 130)
    missing = [r.task_id for r in done if store.task(r.task_id) is None]
    assert missing == [], f"{len(missing)} tasks never seen"


async def test_a_scan_cut_short_by_a_failure_is_taken_up_again_below_what_it_reached() -> None:
    client = FakeClient([task(n, status="COMPLETE") for n in range(1, 6)])
    poller, store, clock = make(client, scan_interval=60.0)
    await caught_up(poller, 70)
    base = clock.now()
    done = [task(100 + n, status="COMPLETE", start=base + timedelta(seconds=n)) for n in range(60)]
    for record in done:
        client.truth[record.task_id] = record
    clock.advance(61)
    # The scan's second request fails: the first page (the newest 25) is in, the rest not.
    scans_before = len([c for c in client.calls if c.op == "list_tasks" and c.kind == ACCEPT])
    client.on_call = lambda call: (
        client.fail_next.append(failure("reset", retryable=True))
        if call.op == "list_tasks"
        and call.kind == ACCEPT
        and len([c for c in client.calls if c.op == "list_tasks" and c.kind == ACCEPT]) == scans_before + 2
        else None
    )
    await poller.poll_once()
    client.on_call = None
    assert 0 < sum(store.task(r.task_id) is not None for r in done) < len(done)
    await caught_up(poller, 200)
    missing = [r.task_id for r in done if store.task(r.task_id) is None]
    assert missing == [], f"{len(missing)} tasks never seen"
