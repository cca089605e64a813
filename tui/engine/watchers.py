"""Who is watching: the poller spends fast only while someone looks.

A watcher is a dashboard (a terminal or a browser tab), a notebook's live view or `follow`: each holds a
registration (`add()` returns its release). Viewers that follow another process's poller say they are
there with a heartbeat in the journal (`tui.engine.sharing`); the polling viewer counts such a viewer as
watching until its heartbeat is `remote_ttl` seconds old.
"""

from __future__ import annotations

from collections.abc import Callable

from tui.core.clock import Clock

#: A following viewer that watches writes its heartbeat this often...
HEARTBEAT = 15.0
#: ...and counts as watching for this long after its last one.
REMOTE_TTL = 2.5 * HEARTBEAT


class Watchers:
    def __init__(self, clock: Clock, *, remote_ttl: float = REMOTE_TTL) -> None:
        self._clock = clock
        self._remote_ttl = remote_ttl
        self._local = 0
        self._remote: dict[str, float] = {}  # who -> monotonic time of its last heartbeat
        self._on_change: list[Callable[[], None]] = []

    def on_change(self, callback: Callable[[], None]) -> None:
        """Called when a watcher arrives where there was none (the poller wakes to speed up)."""
        self._on_change.append(callback)

    def _notify(self) -> None:
        for callback in self._on_change:
            callback()

    def add(self) -> Callable[[], None]:
        """One more watcher here; call the result when it stops watching (twice is harmless)."""
        was = self.watched
        self._local += 1
        released = False

        def release() -> None:
            nonlocal released
            if not released:
                released = True
                self._local -= 1

        if not was:
            self._notify()
        return release

    @property
    def local(self) -> int:
        return self._local

    def heard(self, who: str, age: float = 0.0) -> None:
        """A following viewer's heartbeat, `age` seconds old."""
        was = self.watched
        self._remote[who] = self._clock.monotonic() - age
        if not was and self.watched:
            self._notify()

    def forget(self, who: str) -> None:
        """A following viewer stopped watching."""
        self._remote.pop(who, None)

    @property
    def watched(self) -> bool:
        if self._local > 0:
            return True
        now = self._clock.monotonic()
        for who, at in list(self._remote.items()):
            if now - at > self._remote_ttl:
                del self._remote[who]
        return bool(self._remote)
