"""Seeded scenarios: identifiers that match the service model's patterns, task outcomes, and the history a
catalog starts with (mostly COMPLETE, some FAILED with varied reason codes, a few IN_PROGRESS, pending
invitations ready to accept, snapshot jobs for completed tasks; prospecting tasks with their engagements'
outcomes, some half-failed; finished bulk jobs of both families with failed records, and one of each
running when the history is large enough)."""

from __future__ import annotations

import random
from typing import NamedTuple

from schemas import BULK_KINDS, BulkJobKind, InvitationStatus, TaskKind, TaskStatus

from .bulk_records import SimBulkJob
from .bulk_scenario import plan_job
from .prospecting import attach, engagement_count, failure_share, plan_engagements, task_name
from .records import SimEngagement, SimInvitation, SimTask
from .texts import COMPANY_NAMES, ENGAGEMENT_TITLES, FAILURE_MESSAGES, REASON_WEIGHT, REASONS_BY_KIND
from .world import CatalogWorld

DAY = 86400.0
#: The history spreads over this many days before the simulator's start.
HISTORY_DAYS = 30
FAILURE_RATE = 0.12
#: The kinds whose task does one thing, and their shares of the tasks started (history and activity).
KIND_WEIGHTS: dict[str, float] = {
    TaskKind.ACCEPT_INVITATION: 0.5,
    TaskKind.ENGAGEMENT_FROM_OPPORTUNITY: 0.3,
    TaskKind.OPPORTUNITY_FROM_ENGAGEMENT: 0.2,
}
SINGLE_KINDS = tuple(KIND_WEIGHTS)
PROSPECTING = TaskKind.PROSPECTING_FROM_ENGAGEMENT
#: The share of a history's tasks that are prospecting tasks (each converts many engagements).
PROSPECTING_SHARE = 0.03
#: Bulk jobs of each family in a history: one per this many tasks, at least `MIN_BULK_JOBS` (none in a
#: history under `BULK_HISTORY_FROM` tasks), at most `MAX_BULK_JOBS`; the newest of each family is still
#: running at the start when there are `RUNNING_BULK_FROM` or more.
BULK_JOB_EVERY = 250
MIN_BULK_JOBS = 3
MAX_BULK_JOBS = 80
BULK_HISTORY_FROM = 50
RUNNING_BULK_FROM = 4
_REASON_TABLE = {
    kind: (codes, [REASON_WEIGHT.get(c, 1) for c in codes]) for kind, codes in REASONS_BY_KIND.items()
}


class IdFactory:
    """Identifiers in the model's formats (`task-[0-9a-z]{13}`, `eng-[0-9a-z]{14}`, `O[0-9]{1,19}` …),
    unique within a catalog. Hex digits are a subset of [0-9a-z] and cost a single getrandbits."""

    def __init__(self, rng: random.Random, taken: set[str]) -> None:
        self._bits = rng.getrandbits
        self._taken = taken

    def _claim(self, prefix: str, bits: int, width: int) -> str:
        taken = self._taken
        while True:
            value = f"{prefix}{self._bits(bits):0{width}x}"
            if value not in taken:
                taken.add(value)
                return value

    def task(self) -> str:
        return self._claim("task-", 52, 13)

    def prospecting_task(self) -> str:
        """A prospecting task's id has one character more than the other tasks' (`task-[0-9a-z]{14}`)."""
        return self._claim("task-", 56, 14)

    def prospecting_context(self) -> str:
        return self._claim("ctx-", 56, 14)

    def bulk_job(self) -> str:
        return self._claim("bulkjob-", 52, 13)

    def job(self) -> str:
        return self._claim("job-", 52, 13)

    def engagement(self) -> str:
        return self._claim("eng-", 56, 14)

    def invitation(self) -> str:
        return self._claim("engi-", 52, 13)

    def opportunity(self) -> str:
        while True:
            value = f"O{self._bits(33) + 1_000_000}"
            if value not in self._taken:
                self._taken.add(value)
                return value

    def context(self) -> str:
        return str(self._bits(6) + 1)


def sample_duration(rng: random.Random) -> float:
    """Simulated seconds a task takes: usually tens of seconds, sometimes minutes."""
    return min(1800.0, max(3.0, rng.lognormvariate(3.3, 0.8)))


def pick_failure(rng: random.Random, kind: str) -> tuple[str, str]:
    codes, weights = _REASON_TABLE[kind]
    code = rng.choices(codes, weights)[0]
    return code, FAILURE_MESSAGES[code]


def fill_task(task: SimTask, ids: IdFactory, rng: random.Random, *, outcome: str | None = None) -> None:
    """Give a task its inputs and (hidden until COMPLETE) results, and decide how it ends."""
    kind = task.kind
    if kind == TaskKind.ACCEPT_INVITATION:
        task.opportunity_id = ids.opportunity()
        if task.engagement_id is None:
            task.engagement_id = ids.engagement()
    elif kind == TaskKind.ENGAGEMENT_FROM_OPPORTUNITY:
        if task.opportunity_id is None:
            task.opportunity_id = ids.opportunity()
        task.engagement_id = ids.engagement()
        task.invitation_id = ids.invitation()
    else:
        if task.engagement_id is None:
            task.engagement_id = ids.engagement()
        if task.context_id is None:
            task.context_id = ids.context()
        task.opportunity_id = ids.opportunity()
    task.job_id = ids.job()
    if outcome is None:
        outcome = TaskStatus.FAILED if rng.random() < FAILURE_RATE else TaskStatus.COMPLETE
    task.outcome = outcome
    if outcome == TaskStatus.FAILED:
        task.reason_code, task.message = pick_failure(rng, kind)


def make_invitation(
    world: CatalogWorld, ids: IdFactory, rng: random.Random, invited: float, engagement_id: str | None = None
) -> SimInvitation:
    inv = SimInvitation(world.catalog, ids.invitation(), engagement_id or ids.engagement(), invited)
    inv.title = rng.choice(ENGAGEMENT_TITLES)
    inv.sender_company = "Amazon Web Services" if rng.random() < 0.8 else rng.choice(COMPANY_NAMES)
    inv.sender_account = (
        "aws" if inv.sender_company == "Amazon Web Services" else f"{rng.randrange(10**11, 10**12)}"
    )
    inv.payload_type = "LeadInvitation" if rng.random() < 0.2 else "OpportunityInvitation"
    return inv


def prospecting_count(count: int) -> int:
    """How many of a history of `count` tasks are prospecting tasks."""
    return round(count * PROSPECTING_SHARE)


def bulk_job_count(count: int) -> int:
    """Bulk jobs of each family in a history of `count` tasks."""
    if count < BULK_HISTORY_FROM:
        return 0
    return min(MAX_BULK_JOBS, max(MIN_BULK_JOBS, count // BULK_JOB_EVERY))


def generate_history(
    world: CatalogWorld, rng: random.Random, ids: IdFactory, count: int, anchor: float, speed: float
) -> None:
    """Fill an empty catalog with `count` tasks that started in the 30 days before `anchor` (a few of them
    prospecting tasks, drawn from the world's `family_rng`), and its bulk jobs."""
    span = HISTORY_DAYS * DAY
    prospects = prospecting_count(count)
    singles = count - prospects
    running = min(20, max(1, singles // 200)) if singles else 0
    plans: list[tuple[float, float]] = []
    random_ = rng.random
    for i in range(singles):
        duration = sample_duration(rng) / speed
        if i < running:
            start = anchor - random_() * duration * 0.8  # still running at the anchor
        else:
            start = anchor - duration - 60.0 - random_() * span
        plans.append((start, duration))
    plans.sort()
    kinds = rng.choices(SINGLE_KINDS, tuple(KIND_WEIGHTS.values()), k=singles)
    # (start, duration, kind, the prospecting plan's index), every task in start order
    starts = [(start, duration, kind, 0) for (start, duration), kind in zip(plans, kinds, strict=True)]
    prospecting = _prospecting_plans(world, prospects, anchor, speed)
    starts.extend((plan.start, plan.duration, PROSPECTING, n) for n, plan in enumerate(prospecting))
    starts.sort(key=lambda entry: entry[0])
    for start, duration, kind, n in starts:
        if kind == PROSPECTING:
            plan = prospecting[n]
            task = world.new_task(
                kind, world.family_ids.prospecting_task(), start, start + duration, track=False
            )
            attach(task, plan.name, plan.engagements)
            world.index_inputs(task)
            continue
        task = world.new_task(kind, ids.task(), start, start + duration, track=False)
        if kind == TaskKind.ACCEPT_INVITATION:
            inv = make_invitation(world, ids, rng, start - 3600.0 - random_() * 5 * DAY)
            task.invitation_id = inv.id
            task.engagement_id = inv.engagement_id
            world.invitations[inv.id] = inv
        fill_task(task, ids, rng)
        world.index_inputs(task)
        if task.end > anchor and kind == TaskKind.ACCEPT_INVITATION:
            world.invitations[task.invitation_id].accepting_seq = task.seq  # type: ignore[index]
    world.invitation_order = sorted(world.invitations.values(), key=lambda inv: inv.invited)
    world.settle_history(anchor)
    for _ in range(8):  # invitations waiting for an answer
        world.add_invitation(make_invitation(world, ids, rng, anchor - random_() * 3 * DAY))
    for status in (InvitationStatus.REJECTED, InvitationStatus.EXPIRED):
        for _ in range(2):
            inv = make_invitation(world, ids, rng, anchor - (16 + random_() * 10) * DAY)
            inv.status = status
            if status == InvitationStatus.REJECTED:
                inv.rejection_reason = "Customer problem unclear"
            world.add_invitation(inv)
    generate_bulk_history(world, bulk_job_count(count), anchor, speed)


class ProspectingPlan(NamedTuple):
    start: float
    duration: float
    name: str
    #: Timed from the task's start (`prospecting.attach` shifts them).
    engagements: list[SimEngagement]


def _prospecting_plans(world: CatalogWorld, count: int, anchor: float, speed: float) -> list[ProspectingPlan]:
    """`count` prospecting tasks of the history. The newest is still settling its engagements at the
    anchor when there are three or more."""
    rng, ids = world.family_rng, world.family_ids
    out: list[ProspectingPlan] = []
    for i in range(count):
        engagement_ids = [ids.engagement() for _ in range(engagement_count(rng))]
        engagements, duration = plan_engagements(engagement_ids, ids, rng, speed, failure_share(rng))
        if i == 0 and count >= 3:
            start = anchor - rng.uniform(0.2, 0.6) * duration
        else:
            start = anchor - duration - 60.0 - rng.random() * HISTORY_DAYS * DAY
        out.append(ProspectingPlan(start, duration, task_name(rng), engagements))
    return out


def generate_bulk_history(world: CatalogWorld, count: int, anchor: float, speed: float) -> None:
    """`count` bulk jobs of each family over the history's days: finished ones (some with no failed
    record, most with a few, some with many; rarely one that failed whole), and the newest running at the
    anchor when there are `RUNNING_BULK_FROM` or more. Some customer accounts they made were deleted since
    (`DeletedCount`)."""
    rng, ids = world.family_rng, world.family_ids
    for kind in BULK_KINDS:
        created = sorted(anchor - 3600.0 - rng.random() * HISTORY_DAYS * DAY for _ in range(count))
        jobs = []
        for i, when in enumerate(created):
            job = SimBulkJob(world.catalog, kind, 0, ids.bulk_job(), when)
            running = i == count - 1 and count >= RUNNING_BULK_FROM
            plan_job(job, rng, speed, fails=False if running else None)
            if running:  # some of its records processed at the anchor
                _shift(job, anchor - rng.uniform(0.15, 0.6) * job.total / job.rate - job.started)
            elif job.completed > anchor:  # a large file: it started earlier, to have ended by now
                _shift(job, anchor - 60.0 - job.completed)
            if kind == BulkJobKind.CUSTOMER_ACCOUNT and job.stop_at and rng.random() < 0.3:
                job.deleted = rng.randrange(0, max(1, (job.stop_at - len(job.failed)) // 20) + 1)
            jobs.append(job)
        for job in sorted(jobs, key=lambda j: j.created):
            world.bulk[kind].add(job)


def _shift(job: SimBulkJob, seconds: float) -> None:
    job.created += seconds
    job.started += seconds
