"""One poller, many viewers: every dashboard, browser tab and notebook watching the same endpoint, account
and catalog on one machine shares one poller, so the calls made are those of one poller.

The journal is where the viewers meet (one SQLite file per endpoint, account and catalog):

- The viewer that holds the journal's lease (its current epoch: `tui.engine.viewer_lock`) is the
  **leader**: it runs the `Poller`, which writes every poll to the journal. It also holds an `flock` on
  `<journal>.lock` whenever it can; the operating system drops that lock when the process ends, however
  it ends (exit, crash, SIGKILL), which tells the followers at once.
- Every other viewer is a **follower**: it makes no service calls (it never even builds a client). About
  once a second it reads the rows changed since the last change number it saw (`Journal.changes_since`, an
  indexed local read) and applies them to its own `Store`, which notifies its subscribers as a poll would.
- Each follower also tries the lock at each tick: when the leader exits, one follower takes it, claims
  the lease, catches up, and starts polling (the new leader's poller resumes from the journal: history
  already fetched is not fetched again).
- A leader that stops without ending (SIGSTOP, a suspended SSH session) keeps its lock but stops its
  heartbeat (its status, republished at least every `LeaderTimes.heartbeat` seconds). Each follower
  measures the silence by its own monotonic clock (`LeaderSilence`): past `silent_after` its status says
  so (`leader_silent_since`; the header: `leader (pid N on HOST) silent for 20s`), past `takeover_after`
  one follower claims the next epoch and polls. The stopped leader, once resumed, finds its epoch gone at
  its first write (the journal's fence: `Deposed`) or its next look (`_watch_requests`), whichever comes
  first, and follows: its poller and client stop, its viewers stay, the lock goes to the new leader.
  `still_leading()` is the check for whatever only the leader may do (publishing outcomes).
- The leader publishes its status (calls in the last hour, calls left today, next poll, last error, and
  who it is: its process id and host) in the journal's meta table (`viewer:leader`); a follower's
  `status` is that status with the state "following" (or the leader's "stale"/"backoff"/"paused" when it
  is not live), so its header can say whom it follows.
- A follower's `refresh_now()`, `want_job(id)`, `follow_task(id, kind)`, `follow_job(id, kind)`,
  `want_results(id)`, `want_prospecting(id)` and `want_bulk_jobs()` write a request (a `viewer:request:` meta row) the leader
  picks up within a second; what it fetches (a job's results, a task's outcomes) reaches the follower
  through the journal like everything else.
- A bulk job's report URL does not: it is an expiring link that grants access to the report, kept in the
  memory of the process that asked for it, never written to the journal (nor logged). Only the leader
  calls the service, so only the leader's viewer can show it; a follower's `want_report_url(id)` makes no
  request (the leader's answer could not reach it) and its `report_url(id)` then says, in
  `failure_reason`, which process has the link to offer. (Handing it over through a short-lived row
  would still write it into the journal's file and its WAL, where a later copy of the file would keep
  it; a second channel between viewers, for one link, is not worth its code.)
- A follower that someone watches (`watching()`: a dashboard, a live view) says so with a heartbeat row
  (`viewer:request:watching:<pid>`, every 15 s, emptied when it stops): the leader counts it as a watcher
  (`tui.engine.watchers`), so it spends fast while anyone anywhere looks, and almost nothing otherwise.
  A new leader counts the heartbeats already there;
  `pause()` on a follower freezes that viewer only; on the leader it pauses the polling for everyone (the
  followers show "paused").

With no journal (`--no-journal`, or `--demo` without `--journal`) there is nothing to share: the engine
is the leader alone. `make_engine(settings, clock)` builds the store and the engine for the app, the
notebook API and the headless viewers.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import socket
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

import msgspec

from tui.aws.failures import ApiFailure, SdkTooOld
from tui.aws.service import TaskReads
from tui.core.clock import Clock, SystemClock, sleep_or_wake
from tui.core.settings import Settings
from tui.core.timefmt import duration, iso

from .api import Engine
from .journal import Deposed, Journal, journal_for
from .journal_compact import compact_daily
from .notify_publisher import TargetFactory, start_publishing
from .status import LEADER_KEY, StatusBoard, read_report, status_from_json, status_to_json
from .store import Store
from .store_retention import KEEP_ENDED_TASKS
from .types import HUNG_AFTER, NotifyState, PollerStatus, PollingState, ReportUrl
from .viewer_lock import LEASE_KEY, JournalLock, LeaderLease, LeaderSilence
from .watchers import HEARTBEAT, REMOTE_TTL, Watchers

log = logging.getLogger(__name__)

#: How a viewer that takes the lead gets its client and its poller (tests pass fakes); the poller counts
#: the viewer's watchers.
ClientFactory = Callable[[Settings], TaskReads]
PollerFactory = Callable[[TaskReads, Store, Settings, Clock, Watchers], Engine]

REQUEST_PREFIX = "viewer:request:"
REFRESH_KEY = REQUEST_PREFIX + "refresh"
#: A follower's jobs view is shown: look for new bulk jobs now (`want_bulk_jobs`).
BULK_LOOK_KEY = REQUEST_PREFIX + "bulk-look"
#: + a job id: a follower's dashboard opened a task whose snapshot job the leader should fetch.
WANT_JOB_PREFIX = REQUEST_PREFIX + "job:"
#: + kind ":" task id: a follower started this task (a write); the leader follows it closely.
FOLLOW_PREFIX = REQUEST_PREFIX + "follow:"
#: + "failed:" or "all:" + a job id: a follower opened this bulk job; the leader fetches its results.
RESULTS_PREFIX = REQUEST_PREFIX + "results:"
#: + a task id: a follower selected this prospecting task; the leader fetches its outcomes.
PROSPECTING_PREFIX = REQUEST_PREFIX + "prospecting:"
#: + a process id: that follower is watched (the value: when it last said so; empty: no longer).
WATCHING_PREFIX = REQUEST_PREFIX + "watching:"
#: Seconds between a follower's reads of the journal (and tries of the lock).
TAIL_INTERVAL = 1.0
#: The leader republishes its status at least this often, even while waiting (backoff, a spent budget):
#: its heartbeat...
LEADER_HEARTBEAT = 5.0
#: ...so a leader unheard for three of them is silent (stopped, or its host stalls): followers say so...
LEADER_SILENT_AFTER = 3 * LEADER_HEARTBEAT
#: ...and past this one of them takes the lead. Long enough that a leader slowed down (a disk that
#: stalls, a loaded host) is not deposed for a few missed beats; short enough that what starts at the
#: service meanwhile is seen within half a minute, as a poll of a running kind would.
LEADER_TAKEOVER_AFTER = 30.0


@dataclass(frozen=True)
class LeaderTimes:
    """The heartbeat and the silences (seconds); tests shorten them."""

    heartbeat: float = LEADER_HEARTBEAT
    silent_after: float = LEADER_SILENT_AFTER
    takeover_after: float = LEADER_TAKEOVER_AFTER


class SharedEngine:
    """What a viewer drives, leader or follower: the same surface as a `Poller` (`run`, `pause`,
    `resume`, `refresh_now`, `want_job`, `want_results`, `want_report_url`, `want_prospecting`,
    `watching`, `follow_task`, `follow_job`, `status`, `subscribe_status`)."""

    def __init__(
        self,
        store: Store,
        settings: Settings,
        clock: Clock,
        *,
        client_factory: ClientFactory | None = None,
        poller_factory: PollerFactory | None = None,
        tail_interval: float = TAIL_INTERVAL,
        times: LeaderTimes | None = None,
        target_factory: TargetFactory | None = None,
    ) -> None:
        self.store = store
        self.settings = settings
        self.clock = clock
        self.tail_interval = tail_interval
        self.times = times or LeaderTimes()
        self._client_factory = client_factory or _make_client
        self._poller_factory = poller_factory or _make_poller
        journal = store.journal
        self._lease = (
            LeaderLease(journal, JournalLock(Path(f"{journal.path}.lock")), self._deposed)
            if journal is not None
            else None
        )
        self._silence = LeaderSilence()
        #: Set (from any thread) when a write or a look finds that another viewer took the lead.
        self._lost = False
        self._lost_event: asyncio.Event | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._unsubscribe_leader: Callable[[], None] | None = None
        self.client: TaskReads | None = None
        self.poller: Engine | None = None
        self._paused = False
        self._board = StatusBoard(PollerStatus(state="starting"))
        self._wake: asyncio.Event | None = None
        self._published: tuple[object, ...] | None = None
        self._published_at = float("-inf")
        self._requests_seq = 0
        self._retry_lead_at = float("-inf")
        #: This viewer's watchers, and (while it leads) the followers' heartbeats.
        self.watchers = Watchers(clock)
        self._heartbeat_at = float("-inf")
        #: Publishing outcomes while this viewer leads (`--notify-…`): its target (tests pass fakes) and
        #: how it goes, carried in the leader's status.
        self._target_factory = target_factory
        self._notify: NotifyState | None = None

    # --- the Poller surface -------------------------------------------------------------------------

    @property
    def role(self) -> str:
        """ "leader" (polls), "follower" (reads the journal) or "starting" (before `run`)."""
        if self.poller is not None:
            return "leader"
        return "follower" if self._board.current.state != "starting" else "starting"

    @property
    def status(self) -> PollerStatus:
        if self.poller is None:
            return self._board.current
        return self._with_notify(self.poller.status)

    def _with_notify(self, status: PollerStatus) -> PollerStatus:
        return status if self._notify is None else msgspec.structs.replace(status, notify=self._notify)

    def subscribe_status(self, callback: Callable[[PollerStatus], None]) -> Callable[[], None]:
        return self._board.subscribe(callback)

    def pause(self) -> None:
        self._paused = True
        if self.poller is not None:
            self.poller.pause()
        else:
            self._board.update(state="paused")

    def resume(self) -> None:
        self._paused = False
        if self.poller is not None:
            self.poller.resume()
        else:
            self._board.update(state="following")
            self._wake_up()

    def refresh_now(self) -> None:
        if self.poller is not None:
            self.poller.refresh_now()
            return
        self._request(REFRESH_KEY)
        self._wake_up()

    def want_job(self, job_id: str) -> None:
        if self.poller is not None:
            self.poller.want_job(job_id)
        elif self.store.job(job_id) is None:
            self._request(WANT_JOB_PREFIX + job_id)

    def want_results(self, job_id: str, *, failed_only: bool = True) -> None:
        if self.poller is not None:
            self.poller.want_results(job_id, failed_only=failed_only)
            return
        kept = self.store.result_set(job_id)
        if kept is not None and kept.head.final and kept.covers(failed_only):
            return  # (complete since the job ended: nothing the leader could add)
        self._request(f"{RESULTS_PREFIX}{'failed' if failed_only else 'all'}:{job_id}")

    def want_report_url(self, job_id: str) -> None:
        if self.poller is not None:
            self.poller.want_report_url(job_id)
            return
        report = read_report(self.store.meta(LEADER_KEY))
        who = f"process {report[0].pid}" if report is not None and report[0].pid else "another process"
        self.store.set_report(
            ReportUrl(
                job_id=job_id,
                status=None,
                url=None,
                expires_at=None,
                failure_reason=(
                    f"the report's link is offered by the viewer that polls ({who}): an expiring link "
                    "is never written to the shared journal; open the job there"
                ),
            )
        )

    def want_prospecting(self, task_id: str) -> None:
        if self.poller is not None:
            self.poller.want_prospecting(task_id)
        else:
            self._request(PROSPECTING_PREFIX + task_id)

    def want_bulk_jobs(self) -> None:
        if self.poller is not None:
            self.poller.want_bulk_jobs()
        else:
            self._request(BULK_LOOK_KEY)

    def follow_job(self, job_id: str, kind: str) -> None:
        if self.poller is not None:
            self.poller.follow_job(job_id, kind)
        else:
            self._request(f"{FOLLOW_PREFIX}{kind}:{job_id}")

    def watching(self) -> Callable[[], None]:
        """Someone looks at this viewer. A leader's poller speeds up at once; a follower tells the leader
        (a heartbeat in the journal)."""
        release = self.watchers.add()
        if self.poller is None:
            self._heartbeat(force=True)

        def stop() -> None:
            release()
            if self.poller is None and self.watchers.local == 0:
                self._request(WATCHING_PREFIX + str(os.getpid()), "")

        return stop

    def follow_task(self, task_id: str, kind: str) -> None:
        if self.poller is not None:
            self.poller.follow_task(task_id, kind)
        else:
            self._request(f"{FOLLOW_PREFIX}{kind}:{task_id}")

    def _heartbeat(self, *, force: bool = False) -> None:
        """A watched follower says so, every HEARTBEAT seconds."""
        now = self.clock.monotonic()
        if self.watchers.local and (force or now - self._heartbeat_at >= HEARTBEAT):
            self._heartbeat_at = now
            self._request(WATCHING_PREFIX + str(os.getpid()), iso(self.clock.now()))

    def _request(self, key: str, value: str | None = None) -> None:
        """Leave a request for the leader in the journal (it reads them within a second)."""
        journal = self.store.journal
        if journal is not None:
            with contextlib.suppress(Exception):
                journal.write(
                    meta={key: f"{os.getpid()}:{iso(self.clock.now())}" if value is None else value}
                )

    def history_complete(self, kind: str) -> bool:
        return self.store.meta(f"history_complete:{kind}") == "1"

    # --- the loop -----------------------------------------------------------------------------------

    async def run(self) -> None:
        """Follow until the lead is free (or silent past the takeover time), then poll; follow again if
        another viewer took the lead meanwhile; until cancelled."""
        wake = self._wake = asyncio.Event()
        self._loop = asyncio.get_running_loop()
        try:
            while True:
                leader = self.poller
                while leader is None:
                    if not self._paused:
                        leader = self._try_lead()
                        if leader is not None:
                            break
                        self.follow_once()
                    await sleep_or_wake(self.clock, self.tail_interval, wake)
                if not await self._lead(leader):
                    return
        finally:
            self._wake = None

    @property
    def leading(self) -> bool:
        """Whether this viewer polls, as it last knew (`still_leading` reads the journal)."""
        return self.poller is not None and not self._lost

    def still_leading(self) -> bool:
        """Whether this viewer leads now, read from the journal's lease rather than remembered: what
        anything only the leader may do (publishing outcomes) asks right before it acts. False on a
        follower, and on a leader another viewer has deposed (which then follows)."""
        if self.poller is None or self._lost:
            return False
        if self._lease is None:
            return True  # (no journal: nothing to share)
        try:
            if self._lease.still_held():
                return True
        except Exception:  # a journal that cannot be read now: not proof of the lead
            return False
        self._deposed()
        return False

    def _deposed(self) -> None:
        """Another viewer leads (from any thread): `_lead` stops the poller and this viewer follows."""
        self._lost = True
        loop, event = self._loop, self._lost_event
        if loop is not None and event is not None and not loop.is_closed():
            loop.call_soon_threadsafe(event.set)

    def _try_lead(self) -> Engine | None:
        """Claim the lead and start polling: the poller, or None (another viewer leads, or no client)."""
        if self.clock.monotonic() < self._retry_lead_at:
            return None
        if self._lease is not None:
            silent_for = self._silence.silent_for(self.clock.monotonic())
            silent = self._silence.heard if silent_for >= self.times.takeover_after else None
            try:
                claimed = self._lease.claim(silent)
            except Exception:  # a busy or broken journal: the next look will do
                return None
            if not claimed:
                return None
            if silent is not None:
                log.warning(
                    "the polling viewer (%s) was silent for %s: this viewer polls in its place",
                    LeaderLease.leader_now(silent[0]),
                    duration(silent_for),
                )
            self._lost = False
        if self.store.journal is not None:
            self.follow_once()  # what the previous leader wrote last
            self._requests_seq = self.store.journal.change_seq()
            self._count_watching_followers(self.store.journal)
        try:
            self.client = self._client_factory(self.settings)
        except Exception as exc:  # e.g. an unknown profile: say so, let another viewer try, retry later
            if self._lease is not None:
                self._lease.release()
            message = (
                exc.message
                if isinstance(exc, ApiFailure)
                else str(exc)
                if isinstance(exc, SdkTooOld)
                else f"{type(exc).__name__}: {exc}"
            )
            self._board.set(PollerStatus(state="stale", last_error=message, stale_since=self.clock.now()))
            self._retry_lead_at = self.clock.monotonic() + self.settings.slow_interval
            return None
        poller = self.poller = self._poller_factory(
            self.client, self.store, self.settings, self.clock, self.watchers
        )
        self._unsubscribe_leader = poller.subscribe_status(self._on_leader_status)
        if self._paused:
            poller.pause()
        self._board.set(poller.status)
        where = self._lease.lock.path if self._lease is not None else "(no journal)"
        log.info("leading: polling for every viewer of %s", where)
        return poller

    async def _lead(self, poller: Engine) -> bool:
        """Poll until cancelled, or until another viewer has taken the lead: then stop polling and return
        True (this viewer follows). False if the poller ended by itself."""
        journal = self.store.journal
        lost = self._lost_event = asyncio.Event()
        if self._lost:
            lost.set()
        polling = asyncio.ensure_future(poller.run())
        # The publisher runs with the poller: a viewer that stops leading stops publishing.
        publishing = start_publishing(
            self.store,
            self.settings,
            self.clock,
            on_state=self._notify_state,
            target_factory=self._target_factory,
        )
        tasks = {polling, asyncio.ensure_future(lost.wait())}
        if self._lease is not None and journal is not None:
            tasks.add(asyncio.ensure_future(self._watch_requests(journal, poller)))
        compactor = None
        if journal is not None and self.settings.journal_keep_days is not None:
            compactor = asyncio.ensure_future(
                compact_daily(journal, self.settings.journal_keep_days, self.clock)
            )
        try:
            await asyncio.wait(tasks, return_when=asyncio.FIRST_COMPLETED)
        except asyncio.CancelledError:
            for task in tasks:
                task.cancel()
            await asyncio.wait(tasks)  # (the poller's own cleanup runs before this viewer's close)
            raise
        finally:
            if publishing is not None:
                publishing.stop()
            if compactor is not None:
                compactor.cancel()
        for task in tasks:
            task.cancel()
        await asyncio.wait(tasks)
        self._lost_event = None
        failure = None if polling.cancelled() else polling.exception()
        if isinstance(failure, Deposed):
            self._lost = True
        elif failure is not None:
            raise failure
        if not self._lost:
            return False
        self._step_down()
        return True

    def _step_down(self) -> None:
        """Deposed: stop polling (the poller, its client, its events queue), keep the store and whoever
        watches it, let the lock go, and follow the new leader. Said once, in the log; the header says
        whom it follows from the next look."""
        if self._unsubscribe_leader is not None:
            self._unsubscribe_leader()
            self._unsubscribe_leader = None
        self._close_poller()
        leader = "another viewer"
        if self._lease is not None:
            self._lease.drop()
            with contextlib.suppress(Exception):
                leader = LeaderLease.leader_now(
                    self.store.journal.read_meta(LEASE_KEY) if self.store.journal else None
                )
        self._lost = False
        self._published = None
        self._silence = LeaderSilence()  # (what it heard before it led says nothing of the new leader)
        log.warning("%s took over polling while this viewer was stopped: following it", leader)
        self._board.set(PollerStatus(state="paused" if self._paused else "following"))
        self.follow_once()

    def _notify_state(self, state: NotifyState) -> None:
        self._notify = state
        if self.poller is not None:
            self._on_leader_status(self.poller.status)

    def follow_once(self) -> bool:
        """One follower tick: apply what the leader wrote since the last one. True if anything changed."""
        journal = self.store.journal
        if journal is None:
            return False
        try:
            changes = journal.changes_since(self.store.journal_seq)
        except Exception as exc:  # a locked or broken journal: keep the view, say why
            self._board.update(last_error=f"journal not readable: {exc}")
            return False
        changed = bool(changes)
        if changed:
            self.store.apply_journal_changes(changes)
        if self.poller is None:
            self._heartbeat()
        if self.poller is None and self.clock.monotonic() >= self._retry_lead_at:
            state: PollingState = "paused" if self._paused else "following"
            report = self.store.meta(LEADER_KEY)
            status = status_from_json(report, state)
            silent_for = self._silence.hear((self.store.meta(LEASE_KEY), report), self.clock.monotonic())
            if silent_for >= self.times.silent_after:
                status = msgspec.structs.replace(
                    status,
                    # (as of the wall clock's now, so the header's age moves; measured on the monotonic)
                    leader_silent_since=self.clock.now() - timedelta(seconds=silent_for),
                    last_error=f"a follower takes over after {duration(self.times.takeover_after)} of silence",
                )
            current = self._board.current
            if (
                status.last_service_error is not None
                and status.last_service_error == current.last_service_error
            ):
                # (decoded anew at each read: the same error stays the same object, as on the leader,
                # for the views that compare it by identity)
                status = msgspec.structs.replace(status, last_service_error=current.last_service_error)
            self._board.set(status)
        return changed

    async def _watch_requests(self, journal: Journal, poller: Engine) -> None:
        """The leader: check it still leads (a stopped leader learns here, if not at its first write,
        that another took over), take the lock if it leads without it, beat, and carry out the
        followers' requests (refresh now, fetch a snapshot job)."""
        while True:
            await self.clock.sleep(self.tail_interval)
            if not self.still_leading():
                return
            try:
                if self._lease is not None:
                    self._lease.take_lock()
                self._requests_seq, requests = journal.meta_since(REQUEST_PREFIX, self._requests_seq)
            except Exception:  # busy or broken: the next look will do
                continue
            self._publish(self.status, heartbeat=True)
            for key, value in requests.items():
                if key == REFRESH_KEY:
                    poller.refresh_now()
                elif key == BULK_LOOK_KEY:
                    poller.want_bulk_jobs()
                elif key.startswith(WANT_JOB_PREFIX):
                    poller.want_job(key[len(WANT_JOB_PREFIX) :])
                elif key.startswith(FOLLOW_PREFIX):
                    kind, _, task_id = key[len(FOLLOW_PREFIX) :].partition(":")
                    poller.follow_task(task_id, kind)  # (a bulk job's kind: the poller follows the job)
                elif key.startswith(RESULTS_PREFIX):
                    which, _, job_id = key[len(RESULTS_PREFIX) :].partition(":")
                    poller.want_results(job_id, failed_only=which != "all")
                elif key.startswith(PROSPECTING_PREFIX):
                    poller.want_prospecting(key[len(PROSPECTING_PREFIX) :])
                elif key.startswith(WATCHING_PREFIX):
                    self._heard(key[len(WATCHING_PREFIX) :], value)

    def _heard(self, who: str, value: str) -> None:
        """A follower's heartbeat (an ISO time), or its goodbye (empty)."""
        if who == str(os.getpid()):
            return
        if not value:
            self.watchers.forget(who)
            return
        with contextlib.suppress(ValueError, TypeError):
            age = (self.clock.now() - datetime.fromisoformat(value)).total_seconds()
            if age <= REMOTE_TTL:
                self.watchers.heard(who, max(0.0, age))

    def _count_watching_followers(self, journal: Journal) -> None:
        """A new leader: the followers already watching (their heartbeats in the journal)."""
        with contextlib.suppress(Exception):
            for key, value in journal.meta_with_prefix(WATCHING_PREFIX).items():
                self._heard(key[len(WATCHING_PREFIX) :], value)

    def _wake_up(self) -> None:
        if self._wake is not None:
            self._wake.set()

    # --- status -------------------------------------------------------------------------------------

    def _on_leader_status(self, status: PollerStatus) -> None:
        status = self._with_notify(status)
        self._board.set(status)
        self._publish(status)

    def _publish(self, status: PollerStatus, *, heartbeat: bool = False) -> None:
        """Put the leader's status in the journal for the followers: once per tick (state, error or
        next poll changed), not at every call's counter update; and as a heartbeat."""
        if self._lease is None or self._lost:
            return
        # A call outstanding past HUNG_AFTER is news for the followers too (its start, not each call's).
        started = status.call_started_at
        hung = started if started is not None and self._outstanding_for(started) > HUNG_AFTER else None
        # (What each snapshot job asked for waits for: a follower's pane says it, so a change goes out now.)
        asked = tuple((job.job_id, job.waits_for) for job in status.asked_jobs)
        key = (
            status.state,
            status.last_error,
            status.next_poll_at,
            status.backfilling,
            status.events,
            hung,
            asked,
            (status.notify.backlog, status.notify.last_error) if status.notify is not None else None,
        )
        if heartbeat and hung is not None and key != self._published:
            heartbeat = False  # publish now, not at the next heartbeat
        now = self.clock.monotonic()
        if heartbeat:
            if now - self._published_at < self.times.heartbeat:
                return
        elif key == self._published and now - self._published_at < 5.0:
            return
        self._published, self._published_at = key, now
        # Only a hung call's start goes out: a call that ended is not republished at once, and its start
        # would read as a hang a few seconds later.
        published = msgspec.structs.replace(
            status, call_started_at=hung, leader_pid=os.getpid(), leader_host=socket.gethostname()
        )
        with contextlib.suppress(Deposed):  # (the fence has told `_lead`)
            self.store.set_meta_now(LEADER_KEY, status_to_json(published, self.clock.now()))

    def _outstanding_for(self, started: datetime) -> float:
        return (self.clock.now() - started).total_seconds()

    def close(self) -> None:
        """Give up the lead (a follower takes over at its next look), close the client and the journal."""
        if self._lease is not None:
            if self.poller is not None and not self._lost:
                self._lease.release()
            else:
                self._lease.drop()
        self._close_poller()
        if self.store.journal is not None:
            with contextlib.suppress(Exception):
                self.store.journal.close()

    def _close_poller(self) -> None:
        if self.client is not None:
            with contextlib.suppress(Exception):
                self.client.close()
        close_events = getattr(self.poller, "close_events", None)  # (a Poller's: the leader's SQS client)
        if close_events is not None:
            close_events()
        # A closed engine holds no client (its botocore session, connection pool and models): a viewer
        # that keeps the object (a notebook's, a replaced one) must not keep those.
        self.client = self.poller = None


def _make_client(settings: Settings) -> TaskReads:
    from tui.aws.client import make_client

    return make_client(settings)


def _make_poller(
    client: TaskReads, store: Store, settings: Settings, clock: Clock, watchers: Watchers
) -> Engine:
    from .poller import Poller

    events = None
    if settings.events_queue_url:  # only the leader reads the queue: its wake-ups are its polls
        from tui.aws.event_queue import make_event_queue

        try:
            events = make_event_queue(settings, settings.events_queue_url)
        except ApiFailure as failure:  # poll as usual, and say why the events are off
            log.warning("events queue unusable: %s", failure.message)
            poller = Poller(client, store, settings, clock, watchers=watchers)
            poller.events_unavailable(failure.message)
            return poller
    return Poller(client, store, settings, clock, watchers=watchers, events=events)


def make_engine(
    settings: Settings,
    clock: Clock | None = None,
    *,
    journal: Journal | None = None,
    client_factory: ClientFactory | None = None,
    poller_factory: PollerFactory | None = None,
    tail_interval: float = TAIL_INTERVAL,
    times: LeaderTimes | None = None,
    target_factory: TargetFactory | None = None,
) -> tuple[Store, SharedEngine]:
    """The store (not loaded yet: call `store.load()` first, e.g. in a thread) and the engine that feeds
    it, leader or follower. `settings` must already point at the endpoint (start `--demo`'s first).
    Call `engine.close()` when done."""
    clock = clock or SystemClock()
    if journal is None:
        journal = journal_for(settings)
    keep = settings.keep_ended_tasks
    store = Store(journal=journal, clock=clock, keep_ended=KEEP_ENDED_TASKS if keep is None else keep)
    engine = SharedEngine(
        store,
        settings,
        clock,
        client_factory=client_factory,
        poller_factory=poller_factory,
        tail_interval=tail_interval,
        times=times,
        target_factory=target_factory,
    )
    return store, engine
