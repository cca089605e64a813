"""Requests sent by a client other than Partner Central's (the events queue, the publishing targets),
counted where they are sent (a worker thread) and read by the status (the event loop)."""

from __future__ import annotations

import threading


class CallCount:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._calls = 0

    @property
    def value(self) -> int:
        with self._lock:
            return self._calls

    def add(self) -> None:
        with self._lock:
            self._calls += 1
