"""Never outlive the terminal: end the process soon after its terminal, its pipes or its parent are gone.

A dashboard whose tmux pane was killed, whose SSH session dropped or whose browser tab (textual-serve's
pipes) closed must not live on holding the leader lock that every other viewer waits for. `Lifeline`
watches, in a daemon thread, for what says nobody is there any more:

- the terminal hung up or the pipes closed: `poll()` on stdin/stdout reports POLLHUP, POLLERR or POLLNVAL;
- the parent died: `getppid()` changed (the process was re-parented to init or a subreaper);
- SIGHUP (`hang_up`, from a signal handler).

Then it asks the program to stop (`on_lost`, e.g. the app's exit) and arms a hard exit: if the process is
still alive `grace` seconds later (a thread blocked in a network call, a UI that cannot write to a dead
terminal), `os._exit` ends it. The operating system then drops the lock (`flock` dies with the process).
"""

from __future__ import annotations

import contextlib
import os
import select
import sys
import threading
from collections.abc import Callable, Sequence

from .exit_status import ExitStatus

_LOST = select.POLLHUP | select.POLLERR | select.POLLNVAL


class Lifeline:
    def __init__(
        self,
        on_lost: Callable[[str], None],
        *,
        fds: Sequence[int] = (0, 1),
        interval: float = 0.5,
        grace: float = 3.0,
        exit_code: int = ExitStatus.HUNG_UP,
    ) -> None:
        self._on_lost = on_lost
        self._fds = list(fds)
        self._interval = interval
        self._grace = grace
        self._exit_code = exit_code
        self._parent = os.getppid()
        self._stop = threading.Event()
        self._lost = threading.Event()
        self.reason: str | None = None

    def start(self) -> Lifeline:
        threading.Thread(target=self._watch, name="pcwatch-lifeline", daemon=True).start()
        return self

    def stop(self) -> None:
        """The program is ending by itself: stop watching (an exit already armed stays armed)."""
        self._stop.set()

    def check(self) -> str | None:
        """What is gone, or None while the terminal and the parent are there."""
        if self._parent != 1 and os.getppid() != self._parent:
            return "parent process gone"
        poller = select.poll()
        for fd in self._fds:
            poller.register(fd, select.POLLIN if fd == 0 else select.POLLOUT)
        for fd, events in poller.poll(0):
            if events & _LOST:
                return "terminal closed" if os.isatty(fd) or events & select.POLLNVAL else "pipe closed"
        return None

    def _watch(self) -> None:
        while not self._stop.wait(self._interval):
            reason = self.check()
            if reason is not None:
                self.lose(reason)
                return

    def hang_up(self) -> None:
        """For a SIGHUP handler (the terminal is gone)."""
        self.lose("hangup (SIGHUP)")

    def lose(self, reason: str) -> None:
        """Ask the program to stop, and end the process `grace` seconds later if it has not."""
        if self._lost.is_set():
            return
        self._lost.set()
        self.reason = reason
        self.exit_later()
        with contextlib.suppress(Exception):  # the hard exit is armed: nothing more to do
            self._on_lost(reason)

    def exit_later(self, code: int | None = None) -> None:
        """Arm the hard exit: `os._exit` after `grace` seconds unless the process ended before."""
        timer = threading.Timer(self._grace, _exit_now, (self._exit_code if code is None else code,))
        timer.daemon = True
        timer.start()


def _exit_now(code: int) -> None:
    for stream in (sys.stdout, sys.stderr):
        with contextlib.suppress(Exception):  # a closed terminal or pipe
            if stream is not None:
                stream.flush()
    os._exit(code)
