"""The seeded history: deterministic, anchored at the clock, realistic in mix, every reason code reachable,
every identifier in the model's format, with invitations and snapshot jobs that fit the tasks."""

from __future__ import annotations

import json
from collections import Counter
from datetime import timedelta

from schemas import TASK_KINDS, ReasonCode, TaskKind
from tui.core.clock import MockClock
from tui.simulator import Simulator
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
