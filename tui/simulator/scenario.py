"""Seeded scenarios: identifiers that match the service model's patterns, task outcomes, and the history a
catalog starts with (mostly COMPLETE, some FAILED with varied reason codes, a few IN_PROGRESS, pending
invitations ready to accept, snapshot jobs for completed tasks)."""

from __future__ import annotations

import random

from schemas import InvitationStatus, TaskKind, TaskStatus

from .records import KINDS, SimInvitation, SimTask
from .texts import COMPANY_NAMES, ENGAGEMENT_TITLES, FAILURE_MESSAGES, REASON_WEIGHT, REASONS_BY_KIND
from .world import CatalogWorld

DAY = 86400.0
#: The history spreads over this many days before the simulator's start.
HISTORY_DAYS = 30
FAILURE_RATE = 0.12
KIND_WEIGHTS = (0.5, 0.3, 0.2)  # accept invitation, engagement from opportunity, opportunity from engagement
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


def generate_history(
    world: CatalogWorld, rng: random.Random, ids: IdFactory, count: int, anchor: float, speed: float
) -> None:
    """Fill an empty catalog with `count` tasks that started in the 30 days before `anchor`."""
    span = HISTORY_DAYS * DAY
    running = min(20, max(1, count // 200)) if count else 0
    plans: list[tuple[float, float]] = []
    random_ = rng.random
    for i in range(count):
        duration = sample_duration(rng) / speed
        if i < running:
            start = anchor - random_() * duration * 0.8  # still running at the anchor
        else:
            start = anchor - duration - 60.0 - random_() * span
        plans.append((start, duration))
    plans.sort()
    kinds = rng.choices(KINDS, KIND_WEIGHTS, k=count)
    for (start, duration), kind in zip(plans, kinds, strict=True):
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
