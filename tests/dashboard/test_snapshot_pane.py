"""The snapshot jobs pane lists the recent tasks' snapshot job ids in full — not only the selected task's —
with their status where the store knows the job; an id is cut with `…` only when the pane is too narrow,
and is then still copied whole with `y` from its task. It follows new tasks without walking the store."""

from __future__ import annotations

from datetime import timedelta

import msgspec

from tests.support.dashboard import T0, make_app, make_job, make_records, populated_store
from tui.dashboard.recent_jobs import RecentJobs


def _recent_job_lines(app) -> list[str]:  # type: ignore[no-untyped-def]
    lines = app.query_one("#jobs").plain_lines
    start = next(i for i, line in enumerate(lines) if line.startswith("Recent tasks' jobs"))
    out = []
    for line in lines[start + 1 :]:
        if not line.strip():
            break
        out.append(line)
    return out


def _newest_jobs(store, count: int) -> list[str]:  # type: ignore[no-untyped-def]
    tasks = sorted(
        (r for r in store.tasks() if r.resource_snapshot_job_id),
        key=lambda r: r.start_time,
        reverse=True,
    )
    return [r.resource_snapshot_job_id for r in tasks[:count]]


async def test_the_recent_tasks_jobs_are_listed_whole_with_their_status_where_known() -> None:
    store = populated_store(200)  # jobs known for the completed tasks among the first 50
    app = make_app(store=store)
    async with app.run_test(size=(160, 48)) as pilot:
        await pilot.pause()
        lines = _recent_job_lines(app)
        assert len(lines) >= 5
        expected = _newest_jobs(store, len(lines))
        for line, job_id in zip(lines, expected, strict=True):
            assert line.endswith(f" {job_id}"), line  # whole, no ellipsis
            job = store.job(job_id)
            if job is None:
                assert line.startswith("· unknown")
            else:
                assert line.startswith(f"● {job.status}")
        # The selected task has no job (it runs): the list is the same whatever is selected.
        await pilot.press("down", "down")
        await pilot.pause()
        assert _recent_job_lines(app) == lines


async def test_a_new_task_s_job_goes_to_the_top_and_its_status_follows_the_store() -> None:
    store = populated_store(200)
    app = make_app(store=store)
    async with app.run_test(size=(160, 48)) as pilot:
        await pilot.pause()
        new = make_records(201, seed=9)[200]
        new = msgspec.structs.replace(
            new,
            task_status="COMPLETE",
            start_time=T0 + timedelta(minutes=1),
            resource_snapshot_job_id="job-newest0000001",
            reason_code=None,
            message=None,
        )
        store.apply_tasks([new], T0)
        await pilot.pause()
        assert _recent_job_lines(app)[0] == "· unknown job-newest0000001"
        store.apply_jobs([make_job(new)])
        await pilot.pause()
        assert _recent_job_lines(app)[0] == "● Running job-newest0000001"


async def test_a_narrow_pane_cuts_ids_with_an_ellipsis_and_y_still_copies_the_whole_id() -> None:
    store = populated_store(200)
    app = make_app(store=store)
    async with app.run_test(size=(60, 30)) as pilot:
        await pilot.pause()
        lines = _recent_job_lines(app)
        width = app.query_one("#jobs").content_size.width
        assert width < len("● Running ") + len("job-0123456789abc")
        assert lines and all(line.endswith("…") and len(line) <= width for line in lines)
        # Select the task of the first job listed: `y` copies its id whole.
        job_id = _newest_jobs(store, 1)[0]
        task_id = next(r.task_id for r in store.tasks() if r.resource_snapshot_job_id == job_id)
        await pilot.press("slash", *task_id, "enter")
        await pilot.pause()
        assert app.table.selected_id == task_id
        await pilot.press("y")
        assert app.clipboard == job_id
        # Wide again: the same ids whole.
        await pilot.resize_terminal(160, 48)
        await pilot.pause()
        assert all("…" not in line for line in _recent_job_lines(app))


def test_recent_jobs_keep_the_newest_and_forget_a_task_that_no_longer_names_one() -> None:
    records = make_records(100, seed=3)
    recent = RecentJobs(keep=5)
    recent.rebuild(records)
    with_jobs = sorted((r for r in records if r.resource_snapshot_job_id), key=lambda r: r.start_time)
    assert recent.job_ids() == [r.resource_snapshot_job_id for r in reversed(with_jobs[-5:])]
    newest, oldest = with_jobs[-1], with_jobs[0]
    assert not recent.update([newest])  # unchanged
    assert not recent.update([oldest])  # older than every job kept, and no room
    assert recent.update([msgspec.structs.replace(newest, resource_snapshot_job_id=None)])
    assert newest.resource_snapshot_job_id not in recent.job_ids() and len(recent.job_ids()) == 4
    assert recent.update([oldest])  # room again
    assert recent.job_ids()[-1] == oldest.resource_snapshot_job_id
