"""The rate limiter of tests/core: a token bucket and a rolling window, on a MockClock. (The request
budget that combines them: tests/engine/test_budget.py; the simulator's quotas: tests/simulator.)"""

from __future__ import annotations

import pytest

from tui.core.clock import MockClock
from tui.core.rate_limit import RollingWindow, TokenBucket


def test_bucket_refills_at_its_rate_up_to_capacity() -> None:
    clock = MockClock()
    bucket = TokenBucket(rate=2.0, capacity=4, clock=clock)
    bucket.take(4)
    assert bucket.tokens == 0
    assert bucket.wait_time(1) == pytest.approx(0.5)
    clock.advance(1.0)
    assert bucket.tokens == pytest.approx(2.0)
    clock.advance(100)
    assert bucket.tokens == 4


def test_a_bucket_takes_only_what_it_has() -> None:
    clock = MockClock()
    bucket = TokenBucket(rate=1.0, capacity=2, clock=clock)
    assert bucket.try_take() and bucket.try_take()
    assert not bucket.try_take() and bucket.tokens == pytest.approx(0.0)  # refused: nothing spent
    clock.advance(0.5)
    assert not bucket.try_take()
    clock.advance(0.5)
    assert bucket.try_take()


def test_a_rolling_window_counts_the_last_day_and_says_when_there_is_room() -> None:
    clock = MockClock()
    window = RollingWindow(3, clock, window=100.0)
    window.add()
    clock.advance(10)
    window.add(2)  # one call that was retried: both count
    assert window.count == 3 and window.left == 0 and not window.try_add()
    assert window.wait_time(1) == pytest.approx(90.0)  # when the first call leaves the window
    assert window.wait_time(2) == pytest.approx(100.0)  # the next two left at 10 s
    assert window.count_since(5) == 2 and window.count_since(50) == 3
    clock.advance(90)
    assert window.count == 2 and window.try_add() and window.count == 3


def test_a_slotted_window_counts_per_slot_and_lets_a_slot_go_as_a_whole() -> None:
    clock = MockClock()
    window = RollingWindow(100, clock, window=600.0, slot=60.0)
    for _ in range(5):
        assert window.try_add()
        clock.advance(10)  # five calls in the first minute slot
    clock.advance(60)
    assert window.try_add()  # one in a later slot
    assert window.count == 6
    clock.advance(600 - 110)  # the first slot began 600 s ago: it leaves, the later one stays
    assert window.count == 1
