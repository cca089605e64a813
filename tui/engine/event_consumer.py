"""Reading Partner Central's events from an SQS queue and turning them into wake-ups of the poller.

The loop long-polls the queue (in a thread), decodes each message into a `PartnerCentralEvent`, asks the
poller to poll what the events point at (`Wakeup`), and deletes the messages only once that poll has
succeeded, so its result is in the journal: an event whose poll failed comes back after the queue's
visibility timeout and is tried again. Duplicates (EventBridge and SQS may each deliver twice) are known by
the event `id`; the recent ids are kept in the journal so a restart does not act on them again. A
malformed message is logged once and deleted (it would never decode, however often it came back).

The consumer's health is the poller's: while the queue answers, the poller relaxes to a slow sweep; when
it fails (deleted, throttled, credentials, network), the poller resumes its normal cadence until the
queue answers again.
"""

from __future__ import annotations

import asyncio
import logging
import random
from collections import OrderedDict
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

import msgspec

from schemas.events import QueueMessage, decode_event
from tui.aws.failures import ApiFailure
from tui.aws.retry import Backoff
from tui.core.clock import Clock
from tui.core.timefmt import iso

from .event_signals import Wakeup, combined, wakeup_for
from .store import Store
from .types import EventsState

log = logging.getLogger(__name__)

#: The journal's meta row with the ids of the events acted on lately (a JSON list, oldest first).
SEEN_KEY = "events:seen"
#: Malformed messages' ids remembered, so that one redelivered is logged once.
MALFORMED_REMEMBERED = 1000
#: ...and when the last of them was received (ISO 8601), for `pcwatch events status`.
LAST_EVENT_KEY = "events:last_at"
#: How many recent event ids are remembered (duplicates arrive within minutes, not thousands later).
SEEN_CAPACITY = 1000
#: The longest wait between two tries of a failing queue.
MAX_RETRY_DELAY = 60.0


class EventSource(Protocol):
    """What the consumer needs of a queue: `tui.aws.event_queue.EventQueue`, or a test's fake."""

    @property
    def calls(self) -> int: ...

    def receive(self) -> list[QueueMessage]: ...

    def delete(self, messages: Sequence[QueueMessage]) -> list[str]: ...


@dataclass(frozen=True)
class EventsHealth:
    #: "starting" (no answer yet), "live" (the queue answers) or "down" (it failed; polling as usual).
    state: EventsState = "starting"
    #: When the last event was received (on the engine's clock).
    last_event_at: datetime | None = None
    #: Why the queue failed, one line, safe to print.
    error: str | None = None


_seen_decoder = msgspec.json.Decoder(list[str])


class SeenEvents:
    """The ids of recent events, oldest first, bounded; saved in the store's meta (the journal)."""

    def __init__(self, store: Store, capacity: int = SEEN_CAPACITY) -> None:
        self._store = store
        self.capacity = capacity
        try:
            saved = _seen_decoder.decode(store.meta(SEEN_KEY) or "[]")
        except msgspec.DecodeError:  # (not this format: act on them again rather than fail)
            saved = []
        self._ids: OrderedDict[str, None] = OrderedDict.fromkeys(saved)

    def __contains__(self, event_id: str) -> bool:
        return event_id in self._ids

    def add(self, event_ids: Sequence[str], at: datetime | None = None) -> None:
        for event_id in event_ids:
            self._ids[event_id] = None
            self._ids.move_to_end(event_id)
        while len(self._ids) > self.capacity:
            self._ids.popitem(last=False)
        with self._store.batch():
            self._store.set_meta(SEEN_KEY, msgspec.json.encode(list(self._ids)).decode())
            if at is not None:
                self._store.set_meta(LAST_EVENT_KEY, iso(at))


class EventConsumer:
    """Consumes one queue for one catalog; `wake` is the poller's `wake_for` (True once the poll the
    wake-up asked for has succeeded and been journaled)."""

    def __init__(
        self,
        source: EventSource,
        store: Store,
        catalog: str,
        clock: Clock,
        wake: Callable[[Wakeup], Awaitable[bool]],
        *,
        on_health: Callable[[EventsHealth], None] | None = None,
        rng: random.Random | None = None,
    ) -> None:
        self.source = source
        self.catalog = catalog
        self.clock = clock
        self._wake = wake
        self._on_health = on_health
        self.seen = SeenEvents(store)
        self.health = EventsHealth()
        self._backoff = Backoff(rng or random.Random(), cap=MAX_RETRY_DELAY)
        self._malformed_logged: set[str] = set()
        #: What happened to the messages so far (the tests and the benchmark read these).
        self.counts: dict[str, int] = {"events": 0, "duplicates": 0, "malformed": 0, "retried": 0}

    async def run(self) -> None:
        """Receive and act until cancelled; a failing queue is retried with backoff."""
        while True:
            if not await self.receive_once():
                await self.clock.sleep(self._backoff.next_delay())

    async def receive_once(self) -> bool:
        """One long poll and what follows. False if the queue failed."""
        try:
            messages = await self._receive()
        except ApiFailure as failure:
            self._set_health(state="down", error=failure.message)
            log.info("events queue failed: %s", failure.message)
            return False
        self._backoff.reset()
        if self.health.state != "live":
            self._set_health(state="live", error=None)
        if messages:
            await self.handle(messages)
        return True

    async def handle(self, messages: Sequence[QueueMessage]) -> None:
        done: list[QueueMessage] = []  # delete now: malformed, duplicates, nothing to do
        acted: list[tuple[QueueMessage, str, Wakeup]] = []
        batch_ids: set[str] = set()
        for message in messages:
            try:
                event = decode_event(message.body)
            except msgspec.DecodeError as exc:
                self.counts["malformed"] += 1
                if message.message_id not in self._malformed_logged:
                    if len(self._malformed_logged) >= MALFORMED_REMEMBERED:
                        self._malformed_logged.clear()  # (at worst a message is logged twice)
                    self._malformed_logged.add(message.message_id)
                    log.warning("events: malformed message %s deleted: %s", message.message_id[:64], exc)
                done.append(message)
                continue
            if event.id in self.seen or event.id in batch_ids:
                self.counts["duplicates"] += 1
                done.append(message)
                continue
            batch_ids.add(event.id)
            acted.append((message, event.id, wakeup_for(event, self.catalog)))
        if acted:
            self.counts["events"] += len(acted)
            self._set_health(last_event_at=self.clock.now())
            wakeup = combined(w for _, _, w in acted)
            if not wakeup or await self._wake(wakeup):
                self.seen.add([event_id for _, event_id, _ in acted], self.health.last_event_at)
                done.extend(m for m, _, _ in acted)
            else:  # the poll failed: leave them in the queue; they come back after its visibility timeout
                self.counts["retried"] += len(acted)
        if done:
            try:
                failed = await self._delete(done)
            except ApiFailure as failure:  # they come back; the seen ids make them duplicates then
                log.info("events: delete failed: %s", failure.message)
            else:
                if failed:
                    log.info("events: %d messages not deleted (they will come back)", len(failed))

    async def _receive(self) -> list[QueueMessage]:
        return await asyncio.to_thread(self.source.receive)  # a long poll: never on the event loop

    async def _delete(self, messages: Sequence[QueueMessage]) -> list[str]:
        return await asyncio.to_thread(self.source.delete, messages)

    def _set_health(self, **changes: object) -> None:
        current = self.health.__dict__ | changes
        self.health = EventsHealth(**current)
        if self._on_health is not None:
            self._on_health(self.health)
