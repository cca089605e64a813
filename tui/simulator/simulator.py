"""The simulated service: catalogs, quotas, faults and statistics behind one `handle` call per request.

`handle` knows nothing of sockets (the HTTP server in `server.py` carries out the `Reply`), so the whole
request path can be exercised in process as well as over HTTP.
"""

from __future__ import annotations

import gc
import logging
import random
import re
import threading
import uuid
from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import msgspec

from schemas import (
    BULK_KINDS,
    TASK_KINDS,
    BulkJobKind,
    BulkJobRecord,
    InternalServerException,
    ProspectingStatus,
    TaskKind,
    TaskRecord,
    TaskStatus,
)
from tui.core.clock import Clock, SystemClock

from .bulk_operations import fields_of
from .bulk_scenario import plan_job
from .faults import NON_JSON_BODY, FaultPicker, Faults, apply_data_faults, deep_json, huge_json
from .handling import Context
from .operations import OPERATIONS
from .prospecting import KIND as PROSPECTING
from .prospecting import attach, new_prospecting_task, task_name
from .protocol import (
    CONTENT_TYPE,
    TARGET_PREFIX,
    RawError,
    Reply,
    ServiceFault,
    error_reply,
    json_reply,
    request_id,
    request_invalid,
    throttled,
    validation_error,
)
from .quotas import QuotaLimits, Quotas
from .records import ACCOUNT_ID, SimEngagement, SimTask
from .reports import download, is_report_path
from .scenario import (
    KIND_WEIGHTS,
    SINGLE_KINDS,
    IdFactory,
    fill_task,
    generate_history,
    make_invitation,
    pick_failure,
)
from .texts import FAILURE_MESSAGES, PROSPECTING_FAILURES
from .validation import validate_request
from .world import CatalogWorld

_log = logging.getLogger(__name__)

CATALOGS = ("AWS", "Sandbox")
#: Most tasks a clock jump may start at once in demo activity (a laptop waking from sleep).
_MAX_DEMO_BURST = 500
#: Demo activity's bulk jobs and prospecting tasks: one about every this many seconds of clock time
#: (each interval drawn between half and one and a half of it); of the bulk jobs, this share are
#: opportunity jobs, the rest customer-account jobs.
BULK_EVERY = 600.0
PROSPECTING_EVERY = 900.0
OPPORTUNITY_JOB_SHARE = 0.7
#: A Host header the report URLs may be built on (a name or an address, and a port).
_HOST = re.compile(r"(?:[A-Za-z0-9](?:[A-Za-z0-9.-]{0,252})|\[[0-9A-Fa-f:.]{2,45}\])(?::[0-9]{1,5})?")

__all__ = ["CATALOGS", "Simulator", "SimulatorStats"]


@dataclass
class SimulatorStats:
    calls: Counter[str] = field(default_factory=Counter)
    #: Responses by outcome: "ok", an error type, or a transport fault name.
    outcomes: Counter[str] = field(default_factory=Counter)
    total: int = 0
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def count(self, operation: str, outcome: str) -> None:
        with self._lock:
            self.calls[operation] += 1
            self.outcomes[outcome] += 1
            self.total += 1


class Simulator:
    """The Partner Central Selling endpoint's behaviour. Thread-safe; every time comes from `clock`."""

    def __init__(
        self,
        seed: int = 1,
        history: int = 1000,
        speed: float = 1.0,
        clock: Clock | None = None,
        faults: Faults | None = None,
        enforce_quotas: bool = True,
        quota_limits: QuotaLimits | None = None,
        max_in_progress: int = 1000,
        max_bulk_in_progress: int = 5,
    ) -> None:
        if speed <= 0:
            raise ValueError("speed must be positive")
        self.seed = seed
        self.history = history
        self.speed = speed
        self.clock: Clock = clock or SystemClock()
        #: Replace at any time; each request reads the current value.
        self.faults: Faults = faults or Faults()
        self.enforce_quotas = enforce_quotas
        #: Start…Task beyond this many tasks in progress in a catalog is ServiceQuotaExceededException.
        self.max_in_progress = max_in_progress
        #: Start…BulkJob beyond this many jobs running in a family of a catalog is the same error.
        self.max_bulk_in_progress = max_bulk_in_progress
        self.quotas = Quotas(self.clock, quota_limits)
        self.stats = SimulatorStats()
        self._anchor = self.clock.now().timestamp()
        self._picker = FaultPicker(seed)
        self._worlds: dict[str, CatalogWorld] = {}
        self._worlds_lock = threading.Lock()
        #: Paging tokens carry this, so a token from another run is refused as expired.
        self.epoch = uuid.UUID(int=random.Random(f"epoch:{seed}").getrandbits(128)).hex[:12]
        self._demo_rate = 0.0
        self._demo_invitations = 0.3
        self._demo_since = 0.0
        #: Per catalog: the clock time up to which demo activity has been generated.
        self._demo_last: dict[str, float] = {}
        self._bulk_every = BULK_EVERY
        self._prospecting_every = PROSPECTING_EVERY
        #: Per catalog and family ("bulk", "prospecting"): when demo activity starts the next one.
        self._family_next: dict[tuple[str, str], float] = {}
        #: Per catalog: the bulk job its world opens with (`open_with_bulk_job`).
        self._opening: dict[str, dict[str, Any]] = {}
        #: Where the endpoint is served (set by `serve`): report URLs point there when a request has no
        #: usable Host header.
        self.base_url = "http://127.0.0.1"

    # -- worlds -------------------------------------------------------------------------------------------

    def world(self, catalog: str) -> CatalogWorld:
        """The catalog's state, generating its history on first use (anchored at the simulator's start)."""
        world = self._worlds.get(catalog)
        if world is not None:
            return world
        with self._worlds_lock:
            world = self._worlds.get(catalog)
            if world is None:
                world = CatalogWorld(catalog)
                world.rng = random.Random(f"{self.seed}:{catalog}")
                world.id_factory = IdFactory(world.rng, world.ids)
                world.family_rng = random.Random(f"{self.seed}:{catalog}:families")
                world.family_ids = IdFactory(world.family_rng, world.ids)
                enabled = gc.isenabled()
                gc.disable()  # a history is a burst of small objects that are never cyclic garbage
                try:
                    generate_history(
                        world, world.rng, world.id_factory, self.history, self._anchor, self.speed
                    )
                finally:
                    if enabled:
                        gc.enable()
                opening = self._opening.pop(catalog, None)
                if opening is not None:
                    self._new_bulk_job(world, self._now(), BulkJobKind.OPPORTUNITY, **opening)
                self._worlds[catalog] = world
        return world

    def _now(self) -> float:
        return self.clock.now().timestamp()

    def _settle(self, world: CatalogWorld, now: float) -> None:
        if self._demo_rate > 0:
            self._demo_tick(world, now)
        world.advance(now)

    # -- scenario helpers ---------------------------------------------------------------------------------

    def add_task(
        self,
        catalog: str = "Sandbox",
        kind: str = TaskKind.ACCEPT_INVITATION,
        status: str = TaskStatus.IN_PROGRESS,
        duration: float = 30.0,
        outcome: str = TaskStatus.COMPLETE,
        reason_code: str | None = None,
        message: str | None = None,
    ) -> str:
        """Start a task now; it ends with `outcome` after `duration` simulated seconds (scaled by speed).
        `status` COMPLETE or FAILED makes it finished already. Returns its TaskId. (A prospecting task
        gets five engagements: `add_prospecting_task`; FAILED: two of them fail.)"""
        if kind not in TASK_KINDS:
            raise ValueError(f"unknown task kind {kind!r}")
        if kind == TaskKind.PROSPECTING_FROM_ENGAGEMENT:
            ends = status if status in TaskStatus.TERMINAL else outcome
            return self.add_prospecting_task(
                catalog,
                failed=2 if ends == TaskStatus.FAILED else 0,
                duration=0.0 if status in TaskStatus.TERMINAL else duration,
                reason_code=reason_code,
                message=message,
            )
        world = self.world(catalog)
        with world.lock:
            now = self._now()
            self._settle(world, now)
            finished = status in TaskStatus.TERMINAL
            if finished:
                outcome = status
            end = now if finished else now + max(0.0, duration) / self.speed
            task = world.new_task(kind, world.id_factory.task(), now, end)
            if kind == TaskKind.ACCEPT_INVITATION:
                inv = make_invitation(world, world.id_factory, world.rng, now - 3600.0)
                world.add_invitation(inv)
                task.invitation_id, task.engagement_id = inv.id, inv.engagement_id
                inv.accepting_seq = task.seq
            fill_task(task, world.id_factory, world.rng, outcome=outcome)
            if outcome == TaskStatus.FAILED:
                if reason_code is None:
                    reason_code, default_message = pick_failure(world.rng, kind)
                else:
                    default_message = FAILURE_MESSAGES.get(reason_code, "The task failed.")
                task.reason_code = reason_code
                task.message = message if message is not None else default_message
            elif message is not None:
                task.message = message
            world.index_inputs(task)
            world.advance(now)
            return task.task_id

    def add_prospecting_task(
        self,
        catalog: str = "Sandbox",
        engagements: int = 5,
        failed: int = 0,
        duration: float = 30.0,
        *,
        name: str | None = None,
        reason_code: str | None = None,
        message: str | None = None,
    ) -> str:
        """Start a prospecting task now with `engagements` new engagements, settling one after another
        over `duration` simulated seconds (scaled by speed; 0: settled already); `failed` of them (every
        other one from the second) fail, with `reason_code` (else drawn) and its message (or `message`).
        Returns its TaskId."""
        if not 0 <= failed <= engagements or engagements < 1:
            raise ValueError("a prospecting task has 1 or more engagements, and at most as many failed")
        world = self.world(catalog)
        with world.lock:
            now = self._now()
            self._settle(world, now)
            rng, ids = world.family_rng, world.family_ids
            step = max(0.0, duration) / self.speed / engagements
            failing = set(range(1, engagements, 2)[:failed])
            failing |= set(range(0, engagements, 2)[: failed - len(failing)])
            plans = []
            for i in range(engagements):
                engagement = SimEngagement(ids.engagement(), i * step, (i + 1) * step)
                if i in failing:
                    engagement.outcome = ProspectingStatus.FAILED
                    engagement.reason_code = reason_code or rng.choice(tuple(PROSPECTING_FAILURES))
                    engagement.message = message or PROSPECTING_FAILURES.get(
                        engagement.reason_code, "The engagement could not be converted."
                    )
                else:
                    engagement.context_id = ids.prospecting_context()
                plans.append(engagement)
            start = max(now, world.last_start)
            task = world.new_task(PROSPECTING, ids.prospecting_task(), start, start + engagements * step)
            attach(task, name if name is not None else task_name(rng), plans)
            world.index_inputs(task)
            world.advance(now)
            return task.task_id

    def tasks(self, catalog: str = "Sandbox") -> list[TaskRecord]:
        """The server-side truth for every kind, with each task's status as of the clock's now."""
        world = self.world(catalog)
        with world.lock:
            now = self._now()
            self._settle(world, now)
            return [task.record(now) for task in world.all_tasks()]

    def tasks_with_ends(self, catalog: str = "Sandbox") -> list[tuple[TaskRecord, float | None]]:
        """`tasks`, each with when it ended (epoch seconds of the clock; None while it runs): what a
        watcher that saw every moment would know (`pcwatch stats --demo`)."""
        world = self.world(catalog)
        with world.lock:
            now = self._now()
            self._settle(world, now)
            return [
                (task.record(now), None if task.status == TaskStatus.IN_PROGRESS else task.end)
                for task in world.all_tasks()
            ]

    def running_ids(self, catalog: str = "Sandbox") -> set[str]:
        """The tasks IN_PROGRESS now, by the simulator's own record (what an independent watcher of the
        endpoint sees; no request is counted)."""
        world = self.world(catalog)
        with world.lock:
            self._settle(world, self._now())
            return {
                table.tasks[seq].task_id
                for table in world.tables.values()
                for seq in table.by_status[TaskStatus.IN_PROGRESS]
            }

    def add_bulk_job(
        self,
        catalog: str = "Sandbox",
        kind: str = BulkJobKind.OPPORTUNITY,
        records: int = 100,
        *,
        processed: int = 0,
        rate_per_minute: float | None = None,
        failure_share: float | None = None,
        fails: bool = False,
        operation_type: str | None = None,
        file_uri: str | None = None,
    ) -> str:
        """Start a bulk job of `records` records (`processed` of them done already: it was created that
        long ago, as far as the jobs before it allow), at `rate_per_minute` (scaled by speed; else drawn,
        200-450) with `failure_share` of its records failing (else drawn). `fails`: it cannot read its
        file and FAILS whole. Returns its id."""
        if kind not in BULK_KINDS:
            raise ValueError(f"unknown bulk job kind {kind!r}")
        world = self.world(catalog)
        with world.lock:
            now = self._now()
            self._settle(world, now)
            return self._new_bulk_job(
                world,
                now,
                kind,
                records=records,
                processed=processed,
                rate_per_minute=rate_per_minute,
                share=failure_share,
                fails=fails,
                operation_type=operation_type,
                file_uri=file_uri,
            )

    def open_with_bulk_job(
        self,
        catalog: str = "Sandbox",
        records: int = 5_000,
        *,
        rate_per_minute: float = 350.0,
        done: float = 0.08,
        failure_share: float = 0.04,
    ) -> None:
        """An opportunity bulk job of `records` records running in `catalog` from the moment its world is
        made, `done` of them processed (the demo's; see `demo.DemoWorld`). Its history is not generated
        before it is needed."""
        spec: dict[str, Any] = {
            "records": records,
            "processed": int(records * done),
            "rate_per_minute": rate_per_minute,
            "share": failure_share,
            "file_uri": f"s3://partnercentral-imports-{ACCOUNT_ID}/{catalog}/crm-export-opportunities.csv",
        }
        with self._worlds_lock:
            if catalog not in self._worlds:
                self._opening[catalog] = spec
                return
        world = self.world(catalog)
        with world.lock:
            now = self._now()
            self._settle(world, now)
            self._new_bulk_job(world, now, BulkJobKind.OPPORTUNITY, **spec)

    def _new_bulk_job(self, world: CatalogWorld, now: float, kind: str, **plan: Any) -> str:
        processed = plan.pop("processed", 0)
        table = world.bulk[kind]
        job = table.new_job(world.catalog, world.family_ids.bulk_job(), now)
        plan_job(job, world.family_rng, self.speed, **plan)
        if processed > 0 and job.total:
            floor = table.jobs[job.seq - 1].created if job.seq else float("-inf")
            back = min(job.started - job.created + min(processed, job.total) / job.rate, job.created - floor)
            job.created -= back
            job.started -= back
        return job.job_id

    def bulk_jobs(self, catalog: str = "Sandbox") -> list[BulkJobRecord]:
        """The server-side truth of every bulk job of both families, as of the clock's now."""
        world = self.world(catalog)
        with world.lock:
            now = self._now()
            self._settle(world, now)
            return [
                BulkJobRecord.from_job(fields_of(BULK_KINDS[kind].summary, job.summary(now)), kind)  # type: ignore[arg-type]
                for kind, table in world.bulk.items()
                for job in table.jobs
            ]

    def delete_job(self, job_id: str, catalog: str = "Sandbox") -> None:
        """The service forgets a snapshot job (its engagement was deleted): GetResourceSnapshotJob answers
        ResourceNotFoundException for it from now on, while its task still names it."""
        world = self.world(catalog)
        with world.lock:
            world.job_by_id.pop(job_id, None)

    def take_ended(self, catalog: str = "Sandbox") -> list[SimTask]:
        """The tasks of `catalog` that ended since the last call, as of the clock's now (the first call
        starts the record: the history's ends are not included)."""
        world = self.world(catalog)
        with world.lock:
            if world.ended is None:
                world.ended = []
            self._settle(world, self._now())
            ended, world.ended = world.ended, []
            return ended

    def demo_activity(
        self,
        rate_per_minute: float,
        new_invitations: float = 0.3,
        *,
        bulk_every: float = BULK_EVERY,
        prospecting_every: float = PROSPECTING_EVERY,
    ) -> None:
        """Keep starting tasks (about `rate_per_minute` a minute of clock time) and inviting, as a busy
        partner account would: besides the one each accept task answers, `new_invitations` new pending
        ones per task started (they expire after 15 days: 0 keeps the pending list as it is). Besides, a
        bulk job about every `bulk_every` seconds (of either family: 70 % opportunity jobs) and a
        prospecting task about every `prospecting_every` seconds (0: none). Driven by the clock on each
        request; no thread. A rate of 0 stops it all."""
        self._demo_rate = max(0.0, rate_per_minute)
        self._demo_invitations = new_invitations
        self._demo_since = self._now()
        self._demo_last.clear()
        self._bulk_every = max(0.0, bulk_every)
        self._prospecting_every = max(0.0, prospecting_every)
        self._family_next.clear()

    def _demo_tick(self, world: CatalogWorld, now: float) -> None:
        self._family_tick(world, now)
        interval = 60.0 / self._demo_rate
        first = self._demo_last.get(world.catalog, self._demo_since)
        due = int((now - first) / interval)
        if due <= 0:
            return
        self._demo_last[world.catalog] = first + due * interval
        rng = world.rng
        for i in range(min(due, _MAX_DEMO_BURST)):
            start = first + (i + 1) * interval
            kind = rng.choices(SINGLE_KINDS, tuple(KIND_WEIGHTS.values()))[0]
            duration = 10.0 + rng.random() * 80.0
            task = world.new_task(kind, world.id_factory.task(), start, start + duration / self.speed)
            if kind == TaskKind.ACCEPT_INVITATION:
                inv = make_invitation(world, world.id_factory, rng, start - rng.random() * 3600.0)
                world.add_invitation(inv)
                task.invitation_id, task.engagement_id = inv.id, inv.engagement_id
                inv.accepting_seq = task.seq
            fill_task(task, world.id_factory, rng)
            world.index_inputs(task)
            if rng.random() < self._demo_invitations:  # new invitations keep arriving too
                world.add_invitation(make_invitation(world, world.id_factory, rng, start))

    def _family_tick(self, world: CatalogWorld, now: float) -> None:
        """Demo activity's bulk jobs and prospecting tasks due by `now` (from the families' own RNG, so
        the other kinds' activity is what it was before them). A running family's job waits its turn
        when `max_bulk_in_progress` of them run already, as a partner would."""
        rng = world.family_rng
        for family, every in (("bulk", self._bulk_every), ("prospecting", self._prospecting_every)):
            if every <= 0:
                continue
            key = (world.catalog, family)
            due = self._family_next.get(key)
            if due is None:
                due = self._family_next[key] = self._demo_since + every * rng.uniform(0.1, 1.0)
            started = 0
            while due <= now and started < 10:  # after a clock jump, a few and no flood
                if family == "prospecting":
                    new_prospecting_task(world, world.family_ids, rng, due, self.speed)
                else:
                    kind = (
                        BulkJobKind.OPPORTUNITY
                        if rng.random() < OPPORTUNITY_JOB_SHARE
                        else BulkJobKind.CUSTOMER_ACCOUNT
                    )
                    table = world.bulk[kind]
                    if table.running(due) < self.max_bulk_in_progress:
                        plan_job(
                            table.new_job(world.catalog, world.family_ids.bulk_job(), due), rng, self.speed
                        )
                started += 1
                due += every * rng.uniform(0.5, 1.5)
            if due <= now:  # what a long jump skipped is not made up
                due = now + every * rng.uniform(0.5, 1.5)
            self._family_next[key] = due

    # -- requests -----------------------------------------------------------------------------------------

    def handle(self, method: str, path: str, headers: Mapping[str, str], body: bytes) -> Reply:
        """Answer one HTTP request; never raises."""
        lower = {k.lower(): v for k, v in headers.items()}
        if method == "GET" and is_report_path(path):
            try:
                reply = download(path, self._now(), list(self._worlds.values()))
            except Exception:  # a simulator bug: a server error, as S3 would give
                _log.exception("simulator error in a report download")
                reply = Reply(500, b"", {"Content-Type": "application/xml"}, operation="<report>")
            reply.headers["x-amzn-RequestId"] = request_id()
            self.stats.count("<report>", "ok" if reply.status == 200 else str(reply.status))
            return reply
        target = lower.get("x-amz-target", "")
        operation = target[len(TARGET_PREFIX) :] if target.startswith(TARGET_PREFIX) else ""
        try:
            reply = self._handle(method, path, lower, body, operation)
        except ServiceFault as fault:
            reply = error_reply(fault.error, fault.status, operation)
        except Exception as exc:  # a simulator bug must look like the service's fault, not kill the thread
            _log.exception("simulator error in %s", operation or "request")
            reply = error_reply(InternalServerException(message=f"simulator error: {type(exc).__name__}"))
        reply.headers["x-amzn-RequestId"] = request_id()
        name = operation if operation in OPERATIONS else "<unknown>"
        if reply.action != "respond":
            outcome = reply.action
        elif reply.status == 200:
            outcome = "ok"
        else:
            outcome = reply.headers.get("x-amzn-ErrorType", str(reply.status))
        self.stats.count(name, outcome)
        return reply

    def _handle(self, method: str, path: str, headers: dict[str, str], body: bytes, operation: str) -> Reply:
        if method != "POST" or path.split("?", 1)[0] != "/":
            raise ServiceFault(RawError("UnknownOperationException", "", 404), 404)
        auth = headers.get("authorization")
        if not auth:
            raise ServiceFault(
                RawError("MissingAuthenticationTokenException", "Missing Authentication Token", 403)
            )
        if not auth.startswith("AWS4-HMAC-SHA256 ") or "Credential=" not in auth:
            raise ServiceFault(
                RawError(
                    "IncompleteSignatureException", "Authorization header requires a SigV4 signature.", 403
                )
            )
        handler = OPERATIONS.get(operation)
        if handler is None:
            raise ServiceFault(RawError("UnknownOperationException", "", 400))
        plan = self._picker.draw(self.faults)
        transport = plan.transport
        if transport in ("connection_reset", "hang"):
            return Reply(0, action="reset" if transport == "connection_reset" else "hang", delay=plan.delay)
        if transport == "internal_error":
            raise ServiceFault(
                InternalServerException(message="An internal error occurred. Try again later.")
            )
        if transport == "throttle":
            raise throttled()
        if transport == "non_json_body":
            return Reply(502, NON_JSON_BODY, {"Content-Type": "text/html"}, operation=operation)
        if transport in ("deep_body", "huge_body", "huge_unsized_body", "deep_error_body"):
            return self._hostile_body(transport, operation)
        request = self._parse(body)
        errors = validate_request(operation, request)
        if errors:
            raise request_invalid(errors)
        catalog = request["Catalog"]
        if catalog not in CATALOGS:
            raise validation_error("Catalog", f"Catalog '{catalog}' does not exist. Use AWS or Sandbox.")
        if self.enforce_quotas and not self.quotas.admit(catalog, operation):
            raise throttled()
        world = self.world(catalog)
        with world.lock:
            now = self._now()
            self._settle(world, now)
            context = Context(
                world,
                now,
                self.epoch,
                self.speed,
                self.max_in_progress,
                max_bulk_in_progress=self.max_bulk_in_progress,
                base_url=self._base_url(headers),
            )
            payload = handler(context, request)
        if plan.data:
            decoded = msgspec.json.decode(payload)
            payload = msgspec.json.encode(apply_data_faults(decoded, plan.data, random.Random(plan.seed)))
        reply = json_reply(payload, operation)
        if transport == "truncated_body":
            reply.action = "truncate"
        elif transport == "reset_after_processing":
            reply.action = "reset"
        elif transport == "slow":
            reply.delay = plan.delay
        return reply

    def _base_url(self, headers: dict[str, str]) -> str:
        """Where the client reached this endpoint (its Host header, when it is a plain host and port), so a
        report URL works from where the client is; else where `serve` put it."""
        host = headers.get("host", "")
        return f"http://{host}" if _HOST.fullmatch(host) else self.base_url

    def _hostile_body(self, transport: str, operation: str) -> Reply:
        """What a spoofed or broken endpoint could send: a body too deep or too large to decode."""
        if transport == "deep_error_body":
            body = deep_json(self.faults.deep_levels, __type="ValidationException", message="deep")
            headers = {"Content-Type": CONTENT_TYPE, "x-amzn-ErrorType": "ValidationException"}
            return Reply(400, body, headers, operation=operation)
        if transport == "deep_body":
            body = deep_json(self.faults.deep_levels, TaskSummaries=[])
        else:
            body = huge_json(self.faults.huge_body_bytes)
        reply = json_reply(body, operation)
        if transport == "huge_unsized_body":
            reply.action = "unsized"
        return reply

    @staticmethod
    def _parse(body: bytes) -> dict[str, Any]:
        try:
            request = msgspec.json.decode(body or b"{}")
        except msgspec.DecodeError:
            raise ServiceFault(
                RawError("SerializationException", "Request body is not valid JSON.", 400)
            ) from None
        if not isinstance(request, dict):
            raise ServiceFault(RawError("SerializationException", "Request body must be a JSON object.", 400))
        return request
