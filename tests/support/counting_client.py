"""A client wrapper for the benches that drive a mock clock while real HTTP calls run in threads: it
counts the calls in flight, so the driver moves the clock only when none is."""

from __future__ import annotations

import asyncio
from typing import Any


class CountingClient:
    """The engine's client, counting the calls in flight (the driver moves the clock only when none is)."""

    def __init__(self, inner: Any) -> None:
        self._inner = inner
        self.in_flight = 0

    @property
    def attempts(self) -> int:
        return int(self._inner.attempts)

    def __getattr__(self, name: str) -> Any:
        target = getattr(self._inner, name)
        if not asyncio.iscoroutinefunction(target):
            return target

        async def call(*args: Any, **kwargs: Any) -> Any:
            self.in_flight += 1
            try:
                return await target(*args, **kwargs)
            finally:
                self.in_flight -= 1

        return call
