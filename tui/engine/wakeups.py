"""The poller's events side (`EventWakeups`, which the poller owns): the wake-ups an events queue asks
for (`tui.engine.event_consumer`, whose consumer it holds), resolved into inputs of the poll plan
(`PlanInput.kinds_woken`, `tasks_named`, `invitations_woken`, `bulk_woken`; the snapshot jobs join the
job queue's wanted ones), and each wake-up answered after the tick that made its calls: True once every call it
needed succeeded (its result is journaled), so the consumer deletes its messages; False, and they come
back from the queue.

The plan stays the one place that decides calls: a wake-up only makes what it points at due now. Its
calls go through the same budget as every other (the shared allowance in the journal).
"""

from __future__ import annotations

import asyncio
import contextlib
import random
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field

from tui.core.clock import Clock

from .event_consumer import EventConsumer, EventsHealth, EventSource
from .event_signals import Wakeup, combined
from .job_queue import SnapshotJobQueue
from .poll_plan import INVITATIONS_SOURCE, event_source, job_source
from .poller_status import StatusPublisher
from .store import Store


@dataclass(frozen=True)
class Woken:
    """What pending wake-ups ask of the next tick, resolved against what the store knows."""

    kinds: frozenset[str] = frozenset()
    #: kind -> its running tasks the events name (looked up by id instead of listing their kinds).
    named: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    invitations: bool = False
    jobs: frozenset[str] = frozenset()
    #: Bulk job families to list (those with no job known running).
    bulk: frozenset[str] = frozenset()

    def needs(self) -> list[tuple[str, ...]]:
        """The sources whose success answers the wake-ups (any one of each tuple)."""
        needs: list[tuple[str, ...]] = [(kind,) for kind in sorted(self.kinds | self.bulk)]
        needs += [(event_source(kind), kind) for kind in sorted(self.named)]
        if self.invitations:
            needs.append((INVITATIONS_SOURCE,))  # (the sweep's page may not be the newest)
        needs += [(job_source(job_id),) for job_id in sorted(self.jobs)]
        return needs


class EventWakeups:
    """The wake-ups waiting for the next tick and their answers; with an events queue, its consumer
    (`consumer`), whose health the status carries. `wake_loop` wakes the poller's loop."""

    def __init__(
        self,
        store: Store,
        kinds: Sequence[str],
        jobs: SnapshotJobQueue,
        status: StatusPublisher,
        wake_loop: Callable[[], None],
        *,
        events: EventSource | None,
        catalog: str,
        clock: Clock,
        rng: random.Random,
        bulk_kinds: Sequence[str] = (),
    ) -> None:
        self._store = store
        self._kinds = list(kinds)
        self._bulk_kinds = list(bulk_kinds)
        self._jobs = jobs
        self._status = status
        self._wake_loop = wake_loop
        self._wakeups: list[tuple[Wakeup, asyncio.Future[bool]]] = []
        #: The events queue's consumer (the poller runs it beside its loop), or None without a queue.
        self.consumer: EventConsumer | None = None
        if events is not None:
            self.consumer = EventConsumer(
                events,
                store,
                catalog,
                clock,
                self.wake_for,
                on_health=self.on_health,
                rng=random.Random(rng.random()),
            )
            status.events_starting()

    async def wake_for(self, wakeup: Wakeup) -> bool:
        """Poll what `wakeup` points at as soon as the plan and the budget allow; True once that poll
        succeeded (its result journaled), False if it failed."""
        done: asyncio.Future[bool] = asyncio.get_running_loop().create_future()
        self._wakeups.append((wakeup, done))
        for job_id in sorted(wakeup.jobs):
            self._jobs.want_for_event(job_id)
        self._wake_loop()
        return await done

    @property
    def waiting(self) -> int:
        """Wake-ups asked for and not yet polled."""
        return len(self._wakeups)

    @property
    def live(self) -> bool:
        """An events queue answers: the plan's timers relax."""
        return self.consumer is not None and self.consumer.health.state == "live"

    def close(self) -> None:
        """Close the events queue's client (the leader made it for itself; a closed engine keeps none)."""
        close = getattr(self.consumer.source, "close", None) if self.consumer is not None else None
        if close is not None:
            with contextlib.suppress(Exception):
                close()

    def unavailable(self, message: str) -> None:
        """An events queue was asked for and cannot be read at all: the status says why."""
        self._status.events_unavailable(message)

    def on_health(self, health: EventsHealth) -> None:
        """The consumer's health changed: the status says so; a queue that stops answering wakes the loop."""
        was_live = self._status.current.events == "live"
        self._status.events_health(health)
        if was_live and health.state != "live":
            self._wake_loop()  # plan again now: the normal cadence resumes, and events may have been missed

    def _resolve(self, wakeup: Wakeup) -> Woken:
        """What a wake-up asks of the plan. A running task an event names is looked up by id, and the
        kinds of the events that came with it are not listed: they are most likely the same end's (an
        accepted invitation also creates an opportunity and a snapshot); another end among them is seen
        at the kind's own cadence. A job in a final state that is known already is not fetched again."""
        named: dict[str, tuple[str, ...]] = {}
        if wakeup.tasks:
            for kind in self._kinds:
                ids = tuple(
                    task_id
                    for task_id in sorted(self._store.running_ids(kind))
                    if (record := self._store.task(task_id)) is not None
                    and any(getattr(record, f, None) == v for f, v in wakeup.tasks)
                )
                if ids:
                    named[kind] = ids
        kinds = frozenset() if named else frozenset(k for k in self._kinds if k in wakeup.kinds)
        jobs = frozenset(j for j in wakeup.jobs if j in self._jobs.wanted)
        # A family with a job running: the events are most likely its records', and its listing is on the
        # running cadence already.
        bulk = frozenset(
            k for k in self._bulk_kinds if k in wakeup.bulk and not self._store.running_bulk_ids(k)
        )
        return Woken(kinds, named, wakeup.invitations, jobs, bulk)

    def pending(self) -> Woken:
        """The wake-ups waiting for the next tick, resolved (what `next_delay` plans with)."""
        return self._resolve(combined(w for w, _ in self._wakeups)) if self._wakeups else Woken()

    def take(self) -> tuple[Woken, list[asyncio.Future[bool]]]:
        """The wake-ups asked for before this tick: resolved for its plan, and their answers."""
        taken, self._wakeups = self._wakeups, []
        if not taken:
            return Woken(), []
        return self._resolve(combined(w for w, _ in taken)), [done for _, done in taken]

    def answer(self, woken: Woken, answers: list[asyncio.Future[bool]], outcomes: Mapping[str, bool]) -> None:
        """After the tick: True if every source the wake-ups needed was called and succeeded (a job the
        service says does not exist counts: asking again would not change that)."""
        ok = all(
            any(outcomes.get(key) for key in keys)
            or (keys[0].startswith("job:") and self._jobs.is_gone(keys[0][4:]))
            for keys in woken.needs()
        )
        for done in answers:
            if not done.done():
                done.set_result(ok)
