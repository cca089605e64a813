"""A publisher in a process of its own, for the kill -9 test: it publishes a journal's outbox to a local
bus. With `--hang-after-send` its first PutEvents is sent and answered, then it says SENT and hangs
before marking anything (the moment a kill loses the most); without, it drains the outbox and says DONE.

    python -m tests.support.notify_process JOURNAL ENDPOINT_URL BUS [--hang-after-send]
"""

from __future__ import annotations

import asyncio
import sys
import threading
from collections.abc import Sequence
from pathlib import Path

from schemas.notify import NotifyEvent
from tests.support.notify import local_client
from tui.aws.notify_targets import EventBusTarget, SendResult
from tui.core.clock import SystemClock
from tui.engine.journal import Journal
from tui.engine.notify_publisher import NotifyPublisher


class _HangAfterSend(EventBusTarget):
    def send(self, events: Sequence[NotifyEvent]) -> SendResult:
        result = super().send(events)
        print("SENT", flush=True)
        threading.Event().wait()  # (until killed)
        return result


async def _main(journal_path: Path, url: str, bus: str, hang: bool) -> None:
    journal = Journal(journal_path)
    target_class = _HangAfterSend if hang else EventBusTarget
    publisher = NotifyPublisher(
        journal, target_class(local_client(url, "events"), bus), SystemClock(), max_age=1e9
    )
    while journal.outbox_summary().backlog:
        await publisher.publish_once()
    print("DONE", flush=True)


if __name__ == "__main__":
    path, endpoint, bus_name = sys.argv[1:4]
    asyncio.run(_main(Path(path), endpoint, bus_name, "--hang-after-send" in sys.argv[4:]))
