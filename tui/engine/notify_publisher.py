"""Publishing the outbox (issue 28): run by the leader only, beside its poller (`SharedEngine._lead`), so
a leader change moves it with the polling.

`NotifyPublisher` reads the journal's outbox in the order written, up to 10 events at a time, sends them
to the target (`tui.aws.notify_targets`, in a thread) and marks each sent only once the service accepted
it; the ones that failed stay pending and are sent again after a backoff (`tui.aws.retry.Backoff`). An
event older than `--notify-max-age` when it could finally be sent is logged and dropped, not sent late.
Killed at any moment, it has at worst sent events it had not marked yet: the next leader sends them
again, with the same id (at least once; consumers drop repeats by id).

`start_publishing` sets the leader's store's `OutboxRules` (so its polls write outbox rows) and makes the
publisher; `stop` undoes both.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import random
import sqlite3
from collections.abc import Callable
from datetime import datetime, timezone

import msgspec

from schemas.kinds import UnknownKind, resolve_kind
from schemas.notify import NotifyEvent, decode_event
from tui.aws.notify_targets import MAX_BATCH, NotifyTarget, SendResult
from tui.aws.retry import Backoff
from tui.core.clock import Clock, sleep_or_wake
from tui.core.settings import Settings
from tui.core.timefmt import iso

from .journal import Journal
from .outbox import OutboxRules
from .outbox_table import OutboxSummary
from .store import Store
from .types import NotifyState

log = logging.getLogger(__name__)

#: The journal's meta key: when publishing began for this journal (ISO). What a first start finds
#: already finished is history, not news (`OutboxRules.since`).
SINCE_KEY = "notify:since"
#: Seconds between looks at an empty outbox: a net only, since each flush that journals entries wakes
#: the publisher at once (`Store.outbox_written`).
IDLE = 5.0
#: Backoff of a failing target: from 1 s to at most a minute.
BACKOFF_BASE = 1.0
BACKOFF_CAP = 60.0

TargetFactory = Callable[[Settings], "NotifyTarget | None"]


def _epoch(when: datetime) -> float:
    return when.timestamp()


class NotifyPublisher:
    def __init__(
        self,
        journal: Journal,
        target: NotifyTarget,
        clock: Clock,
        *,
        max_age: float,
        rng: random.Random | None = None,
        on_state: Callable[[NotifyState], None] | None = None,
        idle: float = IDLE,
    ) -> None:
        self._journal = journal
        self.target = target
        self._clock = clock
        self.max_age = max_age
        self._backoff = Backoff(rng or random.Random(), base=BACKOFF_BASE, cap=BACKOFF_CAP)
        self._on_state = on_state
        self._idle = idle
        self._wake: asyncio.Event | None = None
        self._last_error: str | None = None
        self.state = NotifyState(target=target.name)

    def wake(self) -> None:
        """New entries may be waiting (a poll was journaled): look now."""
        if self._wake is not None:
            self._wake.set()

    async def run(self) -> None:
        """Publish until cancelled."""
        self._wake = asyncio.Event()
        try:
            self._say(self._summary())
            while True:
                delay = await self.publish_once()
                if delay > 0:
                    await sleep_or_wake(self._clock, delay, self._wake)
        finally:
            self._wake = None

    async def publish_once(self) -> float:
        """Send the oldest pending events (up to 10); returns how long to wait before the next send (0:
        more are waiting)."""
        try:
            entries = self._journal.outbox_pending(MAX_BATCH)
        except sqlite3.Error as exc:
            self._failed(f"outbox not readable: {exc}")
            return self._backoff.next_delay()
        if not entries:
            return self._idle
        now = _epoch(self._clock.now())
        dropped: dict[str, str] = {}
        events: list[NotifyEvent] = []
        for entry in entries:
            age = now - entry.created_at
            if age > self.max_age:
                why = f"{age / 3600:.1f} h old when it could be sent (--notify-max-age {self.max_age:g} s)"
                log.warning(
                    "notify: dropped %s %s of %s: %s", entry.detail_type, entry.id, entry.subject_id, why
                )
                dropped[entry.id] = why
                continue
            try:
                events.append(decode_event(entry.body))
            except (msgspec.DecodeError, msgspec.ValidationError) as exc:  # (no pcwatch wrote it)
                dropped[entry.id] = f"not an event: {exc}"
        result = await asyncio.to_thread(self.target.send, events) if events else SendResult()
        at = _epoch(self._clock.now())
        try:
            self._journal.outbox_settle(sent=result.accepted, dropped=dropped, failed=result.failed, at=at)
        except sqlite3.Error as exc:  # (sent but not marked: sent again later, the same ids)
            self._failed(f"outbox not written: {exc}")
            return self._backoff.next_delay()
        for event_id, error in result.failed.items():
            log.warning("notify: %s not accepted by %s: %s", event_id, self.target.name, error)
        if result.accepted:
            log.info("notify: %d sent to %s", len(result.accepted), self.target.name)
        self._last_error = next(iter(result.failed.values()), None) if result.failed else None
        self._say(self._summary())
        if result.failed:
            return self._backoff.next_delay()
        self._backoff.reset()
        return 0.0

    def _failed(self, message: str) -> None:
        log.warning("notify: %s", message)
        self._last_error = message
        self._say(None)

    def _summary(self) -> OutboxSummary | None:
        try:
            return self._journal.outbox_summary()
        except sqlite3.Error:
            return None

    def _say(self, summary: OutboxSummary | None) -> None:
        state = self.state
        if summary is not None:
            last = summary.last_sent_at
            state = msgspec.structs.replace(
                state,
                backlog=summary.backlog,
                sent=summary.sent,
                dropped=summary.dropped,
                last_sent_at=datetime.fromtimestamp(last, timezone.utc) if last is not None else None,
            )
        state = msgspec.structs.replace(state, calls=self.target.calls, last_error=self._last_error)
        if state != self.state:
            self.state = state
            if self._on_state is not None:
                self._on_state(state)


def outbox_rules(settings: Settings, store: Store, clock: Clock) -> OutboxRules:
    """The leader's rules from the settings; the first start for this journal marks when publishing
    began (what is older is history)."""
    since_text = store.meta(SINCE_KEY)
    since = None
    if since_text:
        with contextlib.suppress(ValueError):
            since = datetime.fromisoformat(since_text).timestamp()
    if since is None:
        now = clock.now()
        store.set_meta_now(SINCE_KEY, iso(now))
        since = now.timestamp()
    kinds = None
    if settings.notify_kind:
        wires = set()
        for name in settings.notify_kind.split(","):
            if name.strip():
                try:
                    wires.add(resolve_kind(name).kind.wire)
                except UnknownKind:
                    log.warning("notify: --notify-kind %r is no kind pcwatch knows", name)
        kinds = frozenset(wires)
    return OutboxRules(
        catalog=settings.catalog,
        profile=settings.profile,
        since=since,
        notify_on=settings.notify_on,
        kinds=kinds,
        max_age=settings.notify_max_age,
    )


def _make_target(settings: Settings) -> NotifyTarget | None:
    from tui.aws.notify_targets import make_notify_target

    return make_notify_target(settings)


def wants_publishing(settings: Settings) -> bool:
    return bool(settings.notify_event_bus or settings.notify_sns_topic or settings.notify_exec)


class Publishing:
    """The leader's publishing while it leads: the store's rules, the publisher and its task."""

    def __init__(self, store: Store, publisher: NotifyPublisher) -> None:
        self._store = store
        self.publisher = publisher
        store.outbox_written = publisher.wake
        self._task = asyncio.ensure_future(publisher.run())

    def stop(self) -> None:
        self._task.cancel()
        self._store.outbox_written = None
        self._store.outbox = None
        with contextlib.suppress(Exception):
            self.publisher.target.close()


def start_publishing(
    store: Store,
    settings: Settings,
    clock: Clock,
    *,
    on_state: Callable[[NotifyState], None] | None = None,
    target_factory: TargetFactory | None = None,
) -> Publishing | None:
    """Start publishing for the leader (None: not asked for, no journal, or a target that cannot be
    made: logged, and the polling goes on)."""
    if not wants_publishing(settings):
        return None
    journal = store.journal
    if journal is None:
        log.warning("notify: publishing needs a journal (its outbox): not with --no-journal")
        return None
    try:
        target = (target_factory or _make_target)(settings)
    except Exception as exc:
        message = getattr(exc, "message", None) or f"{type(exc).__name__}: {exc}"
        log.warning("notify: not publishing: %s", message)
        if on_state is not None:
            on_state(NotifyState(last_error=f"not publishing: {message}"))
        return None
    if target is None:
        return None
    store.outbox = outbox_rules(settings, store, clock)
    publisher = NotifyPublisher(journal, target, clock, max_age=settings.notify_max_age, on_state=on_state)
    log.info("notify: publishing to %s", target.name)
    return Publishing(store, publisher)
