"""The screen is the truth: after every step of a walk through the dashboard, what the terminal shows
(the app's own output bytes in a `pyte` terminal) equals a fresh full render of the same state at the
same size — with the partial-update patch and with Textual's own screen updates. The machinery, and
why it can be trusted, is in `tests/differential.py`; the long walk is `tests/bench/bench_differential.py`.
"""

from __future__ import annotations

import pytest

from tests.support.differential import Step, Walk, random_steps, run_against_fresh_start, run_walk, shrink

#: Step lists that diverged before the fix their comment names (each must stay fixed), and resizes
#: both ways across the layout switch.
KNOWN = {
    # `set_scroll` set the position without its watcher: nothing repainted the scrolled rows.
    "pagedown twice left stale rows": [("key", "pagedown"), ("key", "pagedown")],
    "right scrolled without a repaint": [("key", "right")],
    "end left the scrollbar at the top": [("key", "end")],
    # The row cache emptied itself on a partial update; visible rows then stopped ticking.
    "durations past the strip-cache limit": [
        ("key", "pagedown"),
        ("key", "pagedown"),
        ("key", "home"),
        ("end", -1, "COMPLETE", 1),
        ("tick", 61),
        ("poll",),
    ],
    # A scrollbar hidden by an empty view came back where the view had been.
    "scrollbar back after an empty filter": [
        ("key", "end"),
        ("filter", "zzz-no-match"),
        ("filter", "o10000"),
    ],
    "help scrolled, resized small": [
        ("resize", 60, 20),
        ("key", "question_mark"),
        ("key", "pagedown"),
        ("key", "up"),
        ("key", "pageup"),
    ],
    # The jobs view: a running job's row and details change in place, jobs end (rows move) and start,
    # sideways scrolling, resizes while it is open, and the tasks screen catching up under it.
    "the jobs view through progress, ends, scrolling and resizes": [
        ("key", "b"),
        ("bulk", 1, 1),
        ("key", "down"),
        ("bulk", 3, 2),
        ("tick", 61),
        ("key", "right"),
        ("key", "right"),
        ("bulk", 1, 3),
        ("resize", 80, 24),
        ("bulk", 40, 4),
        ("key", "end"),
        ("start", 2, 5),
        ("bulk", 40, 6),
        ("key", "left"),
        ("resize", 160, 48),
        ("bulk", 1, 7),
        ("key", "escape"),
        ("key", "7"),
        ("key", "b"),
        ("key", "question_mark"),
        ("bulk", 3, 8),
        ("key", "escape"),
    ],
    "resize across the 120-column switch and back": [
        ("key", "pagedown"),
        ("resize", 119, 40),
        ("key", "end"),
        ("resize", 160, 48),
        ("resize", 80, 24),
        ("key", "home"),
        ("resize", 200, 60),
    ],
}

#: A dialog opened (the steps that open it), the terminal resized behind it, and (when there are
#: steps that close it) closed: what shows must be what a fresh start at the new size shows after the
#: same steps. While a modal dialog is open the screen under it shows, dimmed, so it too must have the
#: new layout.
HELP, ESCAPE = ("key", "question_mark"), ("key", "escape")
WIDER, NARROWER = ((80, 24), (160, 48)), ((160, 48), (80, 24))
#: A dialog over a screen, the terminal resized under it, and then closed (or not): (the opening steps, the
#: closing steps, the resizes tried). Each case is tried in the direction where its screen changes layout
#: (the main view gains its activity pane and side column when wider; the stats view stacks when narrower);
#: help and a failed task's details both ways.
BEHIND_A_DIALOG: dict[
    str, tuple[list[Step], list[Step], tuple[tuple[tuple[int, int], tuple[int, int]], ...]]
] = {
    "help, closed": ([HELP], [ESCAPE], (WIDER, NARROWER)),
    "help, still open": ([HELP], [], (WIDER,)),
    "invitations, closed": ([("key", "i")], [ESCAPE], (WIDER,)),
    "statistics, closed": ([("key", "t")], [ESCAPE], (NARROWER,)),
    "the jobs view, closed": ([("key", "b")], [ESCAPE], (WIDER,)),
    "the record, still open": ([("key", "enter")], [], (WIDER,)),
    "help over statistics, closed": ([("key", "t"), HELP], [ESCAPE], (NARROWER,)),
    "help over statistics, still open": ([("key", "t"), HELP], [], (NARROWER,)),
    # The details pane puts the Message first when it does not fit: it follows the pane's size too.
    "help over a failed task's details, closed": ([("filter", "throttl"), HELP], [ESCAPE], (WIDER, NARROWER)),
}


#: Steps of the random walk in the suite, per rendering mode (the whole file stays under 20 s).
SUITE_STEPS = 100


def _fail_with_shortest(found: object, shortest: list[object]) -> None:
    pytest.fail(f"{found}\nshortest step list that diverges:\n{shortest!r}", pytrace=False)


@pytest.mark.parametrize("patched", [True, False], ids=["partial-update", "stock-textual"])
@pytest.mark.parametrize("name", sorted(KNOWN))
async def test_known_step_lists_show_the_truth(name: str, patched: bool) -> None:
    found = await run_walk(KNOWN[name], patched=patched)
    assert found is None, found.report()


@pytest.mark.parametrize(
    ("name", "start", "end"),
    [(name, start, end) for name, (_, _, sizes) in sorted(BEHIND_A_DIALOG.items()) for start, end in sizes],
    ids=lambda v: v if isinstance(v, str) else f"{v[0]}x{v[1]}",
)
async def test_a_resize_behind_a_dialog_shows_what_a_fresh_start_shows(
    name: str, start: tuple[int, int], end: tuple[int, int]
) -> None:
    opening, closing, _ = BEHIND_A_DIALOG[name]
    steps = [*opening, ("resize", *end), *closing]
    found = await run_against_fresh_start(steps, start, tasks=50)
    assert found is None, found.report()


@pytest.mark.parametrize("patched", [True, False], ids=["partial-update", "stock-textual"])
async def test_a_random_walk_shows_the_truth_after_every_step(patched: bool) -> None:
    steps = random_steps(seed=11, count=SUITE_STEPS)
    found = await run_walk(steps, (120, 40), patched=patched)
    if found is not None:
        shortest = await shrink(steps, (120, 40), patched=patched, budget=60)
        again = await run_walk(shortest, (120, 40), patched=patched)
        _fail_with_shortest((again or found).report(), shortest)


async def test_the_comparison_sees_a_stale_line_and_a_stale_cache() -> None:
    """The check can fail: a line the app never wrote, and a cached row that no longer matches its
    task, both show up as differences."""
    walk = Walk(tasks=50)
    async with walk.app.run_test(size=(120, 30), headless=False) as pilot:
        await walk.start(pilot, (120, 30))
        assert walk.check() == []
        assert walk.terminal is not None
        walk.terminal.stream.feed("\x1b[6;3Hstale")  # as if an old frame were left on screen
        assert {(y, x) for y, x, _, _ in walk.check()} >= {(5, 2), (5, 6)}

        walk.app.screen.refresh()
        await walk.settle()
        assert walk.check() == []
        table = walk.app.table
        first, second = table.id_at(0), table.id_at(1)
        table._strips[first] = table._row_strip(second)  # a row cached for the wrong task
        table.refresh()
        await walk.settle()
        found = walk.check()
        assert found and {y for y, _, _, _ in found} == {table.region.y + 1}


async def test_a_walk_replays_the_same() -> None:
    """Shrinking relies on it: the same steps give the same screen (the clock is a mock one, no
    animation or timer runs on real time between steps)."""
    steps = random_steps(seed=5, count=25)
    screens = []
    for _ in range(2):
        walk = Walk(tasks=80)
        async with walk.app.run_test(size=(100, 30), headless=False) as pilot:
            await walk.start(pilot, (100, 30))
            for step in steps:
                await walk.apply(step)
            assert walk.terminal is not None
            screens.append(list(walk.terminal.screen.display))
    assert screens[0] == screens[1]


async def test_the_comparison_sees_a_stale_row_of_the_jobs_view() -> None:
    """The check covers the jobs view's table: a row cached for another job shows up as a difference."""
    walk = Walk(tasks=50)
    async with walk.app.run_test(size=(160, 48), headless=False) as pilot:
        await walk.start(pilot, (160, 48))
        await walk.apply(("key", "b"))
        await walk.apply(("bulk", 1, 1))
        screen = walk.app.screen
        table = screen.table
        assert len(table.ids) == 5 and walk.check() == []
        first, second = (walk.store.bulk_job(j) for j in table.ids[:2])
        table._strips[first.job_id] = table._row_strip(second)
        table.refresh()
        await walk.settle()
        found = walk.check()
        assert found and {y for y, _, _, _ in found} == {table.region.y + 1}
