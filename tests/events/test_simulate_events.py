"""`pcwatch simulate --events-to QUEUE_URL`: the endpoint's task ends arrive in the queue as EventBridge
events that pcwatch decodes, each naming a task the endpoint itself reports COMPLETE."""

from __future__ import annotations

import signal
import subprocess
import sys
import time
from typing import Any

from schemas.events import decode_event
from tui.engine.event_signals import wakeup_for


def test_simulate_publishes_the_events_of_its_task_ends(queue_url: str, sqs: Any) -> None:
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "tui",
            "simulate",
            "--history",
            "10",
            "--speed",
            "100",
            "--activity",
            "240",
            "--events-to",
            queue_url,
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert proc.stdout is not None and proc.stdout.readline().startswith("http://127.0.0.1:")
        events = []
        deadline = time.monotonic() + 30
        while len(events) < 3 and time.monotonic() < deadline:
            for m in sqs.receive_message(QueueUrl=queue_url, WaitTimeSeconds=1, MaxNumberOfMessages=10).get(
                "Messages", []
            ):
                events.append(decode_event(m["Body"]))
    finally:
        proc.send_signal(signal.SIGTERM)
        code = proc.wait(timeout=15)
        stderr = proc.stderr.read() if proc.stderr else ""
        for stream in (proc.stdout, proc.stderr):
            if stream is not None:
                stream.close()
    assert code == 0, stderr
    assert len(events) >= 3, stderr
    assert all(e.source == "aws.partnercentral-selling" and e.detail.catalog == "Sandbox" for e in events)
    assert all(wakeup_for(e, "Sandbox") for e in events)
    assert "published" in stderr


def test_demo_with_events_reads_its_own_local_queue() -> None:
    from tui.aws.event_queue import make_event_queue
    from tui.core.settings import Settings
    from tui.simulator.demo import DemoWorld, start_demo

    demo = start_demo(
        Settings(demo=True, demo_events=True), DemoWorld(history=10, activity_per_minute=600, speed=50)
    )
    try:
        url = demo.settings.events_queue_url
        assert url is not None and url.startswith("http://127.0.0.1:")
        queue = make_event_queue(demo.settings, url, wait_seconds=1)
        received = []
        deadline = time.monotonic() + 20
        while not received and time.monotonic() < deadline:
            received = queue.receive()
        assert received and decode_event(received[0].body).source == "aws.partnercentral-selling"
    finally:
        demo.close()
