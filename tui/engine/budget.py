"""The request budget: how many calls pcwatch may make, and when.

Two limits govern every call. The rate (a token bucket of this process: `--max-rate` calls a second,
a burst of a few) and the daily allowance: never more than `--daily-calls` in any rolling 24 hours,
counted in a `CallLedger` that every pcwatch of the same journal shares (dashboards, CLI runs, the
notebook, the next leader; `tui.engine.call_ledger`). The allowance is not an even drip: how fast to
spend it is the poll plan's choice (`tui.engine.poll_plan.pace`); the budget only says yes, not yet (the
rate) or not until a given time (the allowance).

A call is made under a reservation of as many requests as botocore may send for it (`SDK_MAX_ATTEMPTS`,
its own retries included); what it did not send is given back after. So the allowance holds even when
botocore retries, and two processes never both spend the last calls.
"""

from __future__ import annotations

import math
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from typing import Protocol, TypeVar

from tui.aws.retry import SDK_MAX_ATTEMPTS
from tui.core.clock import Clock, steady_wall
from tui.core.rate_limit import TokenBucket
from tui.core.settings import Budget
from tui.core.timefmt import CLOCK, duration, instant

from .call_ledger import DAY, HOUR, CallLedger, MemoryCallLedger

__all__ = ["DAY", "HOUR", "BudgetSpent", "BudgetedCall", "RequestBudget", "Reservation"]

T = TypeVar("T")


class BudgetSpent(Exception):
    """The daily allowance is spent: no call until `resumes_at`. The message says when, in one line."""

    def __init__(self, resumes_at: datetime | None, used: int, limit: int, now: datetime) -> None:
        self.resumes_at = resumes_at
        self.used = used
        self.limit = limit
        if resumes_at is None:
            when = "never: a single call needs more than the whole allowance"
        else:
            wait = duration(max(1.0, (resumes_at - now).total_seconds())) or "1s"
            when = f"calls return from {instant(resumes_at, CLOCK, utc=True)} (in {wait})"
        super().__init__(
            f"the daily budget is spent: {used:,} calls in the last 24 h of {limit:,} (--daily-calls); {when}"
        )


class BudgetedCall(Protocol):
    """One request for a source, made within the budget (the poller's): the rate, then a reservation of
    the allowance. Raises `BudgetSpent` when the allowance is, and the request's own `ApiFailure`."""

    def __call__(self, source: str, make: Callable[[], Awaitable[T]]) -> Awaitable[T]: ...


@dataclass(frozen=True)
class Reservation:
    """Calls set aside for one request and its retries, at `at` (epoch seconds)."""

    calls: int
    at: float


class RequestBudget:
    """Decides whether a call may be made now; keeps the figures the status line shows."""

    def __init__(self, budget: Budget, clock: Clock, *, ledger: CallLedger | None = None) -> None:
        self.budget = budget
        self.limit = budget.daily_calls
        self._clock = clock
        self.rate = TokenBucket(budget.rate_per_second, max(1, budget.burst), clock)
        self.ledger: CallLedger = ledger if ledger is not None else MemoryCallLedger()

    def _now(self) -> float:
        # Step-free (issue 27): a step forward must not age the calls recorded, nor a step back stamp
        # them in the future (`call_ledger`).
        return steady_wall(self._clock).now().timestamp()

    # --- the figures ----------------------------------------------------------------------------------

    @property
    def calls_last_hour(self) -> int:
        return self.ledger.used(self._now(), HOUR)

    @property
    def calls_last_day(self) -> int:
        return self.ledger.used(self._now())

    @property
    def calls_left_today(self) -> int:
        """What is left of the allowance over the rolling 24 hours (every process's calls counted)."""
        return max(0, self.limit - self.calls_last_day)

    def resumes_at(self, n: int = 1) -> datetime | None:
        """When `n` calls fit in the allowance: None if they do now; `datetime.max` (UTC) if they never will."""
        now = self._now()
        at = self.ledger.free_at(n, self.limit, now)
        if at <= now:
            return None
        if math.isinf(at):
            return datetime.max.replace(tzinfo=timezone.utc)
        return self._clock.now() + timedelta(seconds=at - now)

    def spent_error(self, n: int = 1) -> BudgetSpent:
        at = self.resumes_at(n)
        never = at is not None and at.year == datetime.max.year
        return BudgetSpent(None if never else at, self.calls_last_day, self.limit, self._clock.now())

    # --- spending -------------------------------------------------------------------------------------

    def wait_time(self, n: int = 1) -> float:
        """Seconds until `n` calls may be made without breaking either limit."""
        now = self._now()
        daily = self.ledger.free_at(n, self.limit, now) - now
        return max(0.0, self.rate.wait_time(min(n, self.rate.capacity)), daily)

    def can_spend(self, n: int = 1) -> bool:
        return self.wait_time(n) <= 0.0

    def try_spend(self, n: int = 1) -> bool:
        """Record `n` calls now if both limits allow them; False (nothing recorded) if not."""
        if self.rate.wait_time(min(n, self.rate.capacity)) > 0:
            return False
        if not self.ledger.try_spend(n, self.limit, self._now()):
            return False
        self.rate.take(n)
        return True

    def spend(self, n: int = 1) -> None:
        """Record `n` calls made now whatever the limits say (e.g. retries botocore made on its own)."""
        self.rate.take(n)
        self.ledger.charge(n, self._now())

    async def acquire(self, reserve: int = 1, *, wait_for_allowance: bool = True) -> Reservation:
        """Wait (on the injected clock) for the rate, then set `reserve` calls aside in the allowance for
        one request and the retries botocore may add to it (`settle` gives back what it did not send).
        A spent allowance is waited for, or with `wait_for_allowance=False` raises `BudgetSpent` (a
        command line run says when calls return rather than hang; the poller says so in the header)."""
        while True:
            rate_wait = self.rate.wait_time(1)
            if rate_wait > 0:
                await self._clock.sleep(rate_wait)
                continue
            now = self._now()
            if self.ledger.try_spend(reserve, self.limit, now):
                self.rate.take(1)
                return Reservation(reserve, now)
            free = self.ledger.free_at(reserve, self.limit, now)
            if not wait_for_allowance or math.isinf(free):
                raise self.spent_error(reserve)
            await self._clock.sleep(max(1.0, free - now))

    def settle(self, reservation: Reservation, used: int) -> None:
        """The request of a reservation is done and sent `used` requests in all: give back what it did not
        send (in the slot it was taken from), charge what went beyond (and the rate its retries)."""
        if used != reservation.calls:
            if used > reservation.calls:
                self.ledger.charge(used - reservation.calls, self._now())
            else:
                self.ledger.charge(used - reservation.calls, reservation.at)
        if used > 1:
            self.rate.take(used - 1)

    async def spend_on(
        self,
        attempts: Callable[[], int],
        make: Callable[[], Awaitable[T]],
        *,
        wait_for_allowance: bool = False,
    ) -> T:
        """Make one request within the budget: the rate, a reservation for it and botocore's retries,
        then settle by the requests the client counted (`attempts`, read before and after): none if
        none connected (the service never saw them; `PartnerCentralClient.attempts`)."""
        reservation = await self.acquire(SDK_MAX_ATTEMPTS, wait_for_allowance=wait_for_allowance)
        before = attempts()
        try:
            return await make()
        finally:
            self.settle(reservation, max(0, attempts() - before))
