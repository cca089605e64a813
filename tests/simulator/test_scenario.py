"""The seeded history: deterministic, anchored at the clock, realistic in mix, every reason code reachable,
every identifier in the model's format, with invitations and snapshot jobs that fit the tasks."""

from __future__ import annotations

import json
from collections import Counter
from datetime import timedelta

import msgspec

from schemas import BULK_KINDS, TASK_KINDS, ReasonCode, TaskKind
from tui.core.clock import MockClock
from tui.simulator import Simulator
from tui.simulator.bulk_operations import fields_of
from tui.simulator.texts import FAILURE_MESSAGES, REASONS_BY_KIND
from tui.simulator.validation import service_model, validate


def history(seed: int = 11, count: int = 2000, clock: MockClock | None = None) -> Simulator:
    return Simulator(seed=seed, history=count, clock=clock or MockClock(), enforce_quotas=False)


def test_same_seed_same_history_other_seed_other_history():
    assert history(3, 500).tasks() == history(3, 500).tasks()
    assert history(3, 500).tasks() != history(4, 500).tasks()


def test_start_times_are_relative_to_the_clock():
    early, late = MockClock(), MockClock()
    late.advance(86400 * 3)
    a, b = history(clock=early, count=300).tasks(), history(clock=late, count=300).tasks()
    assert [t.start_time + timedelta(days=3) for t in a] == [t.start_time for t in b]
    now = early.now()
    assert all(now - timedelta(days=31) <= t.start_time <= now for t in a)


def test_mix_is_mostly_complete_some_failed_a_few_in_progress():
    tasks = history(count=2000).tasks()
    assert len(tasks) == 2000
    statuses = Counter(t.task_status for t in tasks)
    assert statuses["COMPLETE"] > 0.8 * len(tasks)
    assert 0.05 * len(tasks) < statuses["FAILED"] < 0.2 * len(tasks)
    assert 1 <= statuses["IN_PROGRESS"] <= 20
    assert set(Counter(t.kind for t in tasks)) == set(TASK_KINDS)


def test_every_reason_code_appears_with_its_own_recovery_message():
    """(A prospecting task's failures are its engagements': tests/simulator/test_prospecting.py.)"""
    failed = [
        t
        for t in history(count=3000).tasks()
        if t.task_status == "FAILED" and t.kind != TaskKind.PROSPECTING_FROM_ENGAGEMENT
    ]
    assert {t.reason_code for t in failed} == set(ReasonCode.KNOWN)
    for task in failed:
        assert task.message == FAILURE_MESSAGES[task.reason_code]
        assert task.reason_code in REASONS_BY_KIND[task.kind]
    assert set(FAILURE_MESSAGES) == set(ReasonCode.KNOWN)


def test_every_generated_summary_matches_the_model_patterns():
    sim = history(count=1500)
    world = sim.world("Sandbox")
    model = service_model()
    for kind, entry in TASK_KINDS.items():
        shape = model.operation_model(entry.list_operation).output_shape
        summaries = [json.loads(t.summary_bytes()) for t in world.tables[kind].tasks]
        assert validate(shape, {entry.summaries_field: summaries}) == []
        assert all(s["TaskArn"].endswith("/" + s["TaskId"]) for s in summaries)


def test_invitations_and_jobs_fit_the_tasks():
    sim = history(count=1500)
    world = sim.world("Sandbox")
    tasks = sim.tasks()
    accepts = [t for t in tasks if t.kind == TaskKind.ACCEPT_INVITATION]
    for task in accepts:
        invitation = world.invitations[task.engagement_invitation_id]
        if task.task_status == "COMPLETE":
            assert invitation.status == "ACCEPTED"
    ready = [i for i in world.invitations.values() if i.status == "PENDING" and i.accepting_seq is None]
    assert len(ready) >= 8
    completed = {
        t.resource_snapshot_job_id
        for t in tasks
        if t.task_status == "COMPLETE" and t.kind != TaskKind.PROSPECTING_FROM_ENGAGEMENT
    }
    assert set(world.job_by_id) == completed
    created = [job.end for job in world.jobs]
    assert created == sorted(created)


def test_a_large_history_generates_every_task():
    # how long it takes is a figure of tests/bench/bench_endpoint.py, not an assertion here
    sim = history(count=20_000)
    world = sim.world("Sandbox")
    assert sum(len(t.tasks) for t in world.tables.values()) == 20_000


def test_the_history_holds_every_family():
    sim = history(count=2000)
    tasks = [t for t in sim.tasks() if t.kind == TaskKind.PROSPECTING_FROM_ENGAGEMENT]
    assert len(tasks) == 60 and {t.task_status for t in tasks} == {"IN_PROGRESS", "COMPLETE", "FAILED"}
    assert any(
        0 < t.failed_engagement_count < t.total_engagement_count for t in tasks if t.task_status == "FAILED"
    )
    assert all(1 <= t.total_engagement_count <= 100 for t in tasks)
    model = service_model()
    jobs = sim.bulk_jobs()
    world = sim.world("Sandbox")
    for kind, entry in BULK_KINDS.items():
        mine = [j for j in jobs if j.kind == kind]
        assert len(mine) == 8
        assert [j.status for j in mine][-1] == "IN_PROGRESS"  # the newest is under way
        finished = [j for j in mine if j.status in ("COMPLETED", "FAILED")]
        assert len(finished) == 7 and sum(bool(j.failure_count) for j in finished) >= 4
        created = [j.created_at for j in mine]
        assert created == sorted(created)
        shape = model.operation_model(entry.list_operation).output_shape
        summaries = [
            json.loads(
                msgspec.json.encode(fields_of(entry.summary, job.summary(sim.clock.now().timestamp())))
            )
            for job in world.bulk[kind].jobs
        ]
        assert validate(shape, {entry.summaries_field: summaries}) == []


def test_the_families_history_is_the_seeds():
    assert history(3, 500).bulk_jobs() == history(3, 500).bulk_jobs()
    assert history(3, 500).bulk_jobs() != history(4, 500).bulk_jobs()
    assert history(count=49).bulk_jobs() == []  # a small history has no bulk job


def test_demo_activity_starts_bulk_jobs_and_prospecting_tasks_now_and_then():
    clock = MockClock()
    sim = Simulator(seed=5, history=0, clock=clock, enforce_quotas=False)
    sim.demo_activity(rate_per_minute=6)
    for _ in range(240):  # two hours, a request every 30 s
        clock.advance(30)
        sim.running_ids()
    jobs = sim.bulk_jobs()
    prospecting = [t for t in sim.tasks() if t.kind == TaskKind.PROSPECTING_FROM_ENGAGEMENT]
    assert 6 <= len(jobs) <= 24  # one about every ten minutes
    assert {j.kind for j in jobs} == set(BULK_KINDS)
    assert 4 <= len(prospecting) <= 16  # one about every fifteen
    assert sum(j.status == "COMPLETED" for j in jobs) >= len(jobs) - 3


def test_the_families_activity_leaves_the_other_kinds_activity_as_it_was():
    """The prospecting tasks and bulk jobs draw from their own RNG: the three other kinds' tasks are the
    same with or without them."""

    def singles(**families: float) -> list[tuple[str, str, str]]:
        clock = MockClock()
        sim = Simulator(seed=9, history=300, clock=clock, enforce_quotas=False)
        sim.demo_activity(12, **families)
        for _ in range(60):
            clock.advance(60)
            sim.running_ids()
        return [
            (t.task_id, t.task_status, t.kind)
            for t in sim.tasks()
            if t.kind != TaskKind.PROSPECTING_FROM_ENGAGEMENT
        ]

    assert singles() == singles(bulk_every=0, prospecting_every=0)
