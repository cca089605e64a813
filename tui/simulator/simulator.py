"""The simulated service: catalogs, quotas, faults and statistics behind one `handle` call per request.

`handle` knows nothing of sockets (the HTTP server in `server.py` carries out the `Reply`), so the whole
request path can be exercised in process as well as over HTTP.
"""

from __future__ import annotations

import gc
import logging
import random
import threading
import uuid
from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import msgspec

from schemas import InternalServerException, TaskKind, TaskRecord, TaskStatus
from tui.core.clock import Clock, SystemClock

from .faults import NON_JSON_BODY, FaultPicker, Faults, apply_data_faults, deep_json, huge_json
from .operations import OPERATIONS, Context
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
from .records import KINDS, SimTask
from .scenario import IdFactory, fill_task, generate_history, make_invitation, pick_failure
from .texts import FAILURE_MESSAGES
from .validation import validate_request
from .world import CatalogWorld

_log = logging.getLogger(__name__)

CATALOGS = ("AWS", "Sandbox")
#: Most tasks a clock jump may start at once in demo activity (a laptop waking from sleep).
_MAX_DEMO_BURST = 500

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
                enabled = gc.isenabled()
                gc.disable()  # a history is a burst of small objects that are never cyclic garbage
                try:
                    generate_history(
                        world, world.rng, world.id_factory, self.history, self._anchor, self.speed
                    )
                finally:
                    if enabled:
                        gc.enable()
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
        `status` COMPLETE or FAILED makes it finished already. Returns its TaskId."""
        if kind not in KINDS:
            raise ValueError(f"unknown task kind {kind!r}")
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

    def tasks(self, catalog: str = "Sandbox") -> list[TaskRecord]:
        """The server-side truth for every kind, with each task's status as of the clock's now."""
        world = self.world(catalog)
        with world.lock:
            self._settle(world, self._now())
            return [task.record() for task in world.all_tasks()]

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

    def demo_activity(self, rate_per_minute: float, new_invitations: float = 0.3) -> None:
        """Keep starting tasks (about `rate_per_minute` a minute of clock time) and inviting, as a busy
        partner account would: besides the one each accept task answers, `new_invitations` new pending
        ones per task started (they expire after 15 days: 0 keeps the pending list as it is). Driven by
        the clock on each request; no thread. 0 stops it."""
        self._demo_rate = max(0.0, rate_per_minute)
        self._demo_invitations = new_invitations
        self._demo_since = self._now()
        self._demo_last.clear()

    def _demo_tick(self, world: CatalogWorld, now: float) -> None:
        interval = 60.0 / self._demo_rate
        first = self._demo_last.get(world.catalog, self._demo_since)
        due = int((now - first) / interval)
        if due <= 0:
            return
        self._demo_last[world.catalog] = first + due * interval
        rng = world.rng
        for i in range(min(due, _MAX_DEMO_BURST)):
            start = first + (i + 1) * interval
            kind = rng.choices(KINDS, (0.5, 0.3, 0.2))[0]
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

    # -- requests -----------------------------------------------------------------------------------------

    def handle(self, method: str, path: str, headers: Mapping[str, str], body: bytes) -> Reply:
        """Answer one HTTP request; never raises."""
        lower = {k.lower(): v for k, v in headers.items()}
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
            payload = handler(Context(world, now, self.epoch, self.speed, self.max_in_progress), request)
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
