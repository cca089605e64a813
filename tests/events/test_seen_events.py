"""The ids of the events acted on lately: kept in the journal (a restart does not act on them again),
oldest first and bounded, encoded by msgspec."""

from __future__ import annotations

from pathlib import Path

import msgspec

from tests.support.engine import T0
from tui.core.clock import MockClock
from tui.core.timefmt import iso
from tui.engine.event_consumer import LAST_EVENT_KEY, SEEN_KEY, SeenEvents
from tui.engine.journal import Journal
from tui.engine.store import Store


def test_the_seen_ids_reach_the_next_process_through_the_journal_bounded(tmp_path: Path) -> None:
    path = tmp_path / "j.sqlite3"
    store = Store(Journal(path), MockClock(T0))
    seen = SeenEvents(store, capacity=3)
    seen.add(["a", "b"], T0)
    seen.add(["c", "d"])
    assert [i for i in "abcd" if i in seen] == ["b", "c", "d"]  # the oldest went
    restarted = Store(Journal(path), MockClock(T0))
    restarted.load()
    assert msgspec.json.decode(restarted.meta(SEEN_KEY) or "") == ["b", "c", "d"]
    assert restarted.meta(LAST_EVENT_KEY) == iso(T0)
    assert [i for i in "abcd" if i in SeenEvents(restarted)] == ["b", "c", "d"]


def test_a_seen_row_in_another_format_is_none_seen() -> None:
    store = Store(clock=MockClock(T0))
    for row in ("{not json", '{"a": 1}', '[1, "a"]'):
        store.set_meta(SEEN_KEY, row)
        assert "a" not in SeenEvents(store)
