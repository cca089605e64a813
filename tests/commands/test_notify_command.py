"""`pcwatch notify` (issue 28) in a subprocess: headless, publishing the demo's outcomes to its local bus
(`--demo --notify` says where to look), ending cleanly on SIGTERM; `pcwatch notify status` reads how it
went from the journal. And a run with nowhere to publish is refused."""

from __future__ import annotations

import json
import signal
import subprocess
import time
from pathlib import Path

from tests.support.writes import ROOT, cli_env, pcwatch_command, run_pcwatch


def _sent(journal: Path) -> int:
    import sqlite3

    if not journal.exists():
        return 0
    conn = sqlite3.connect(f"file:{journal}?mode=ro", uri=True, timeout=10)
    try:
        return int(conn.execute("SELECT count(*) FROM outbox WHERE state = 'sent'").fetchone()[0])
    except sqlite3.OperationalError:
        return 0
    finally:
        conn.close()


def test_notify_publishes_headless_and_ends_cleanly_on_sigterm(tmp_path: Path) -> None:
    journal, log = tmp_path / "j.sqlite3", tmp_path / "notify.log"
    process = subprocess.Popen(
        pcwatch_command(
            "--demo",
            "--notify",
            "--notify-on",
            "all",
            "--journal",
            str(journal),
            "--log-file",
            str(log),
            "notify",
        ),
        stdin=subprocess.DEVNULL,  # (no terminal)
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=cli_env(),
        cwd=ROOT,
    )
    try:
        assert process.stdout is not None
        where = process.stdout.readline()
        assert "pcwatch-demo-outcomes" in where and "aws sqs receive-message" in where
        deadline = time.monotonic() + 90
        while _sent(journal) == 0:
            assert process.poll() is None, process.stderr.read() if process.stderr else ""
            assert time.monotonic() < deadline, "nothing was published"
            time.sleep(0.2)
    finally:
        process.send_signal(signal.SIGTERM)
        _, stderr = process.communicate(timeout=60)
    assert process.returncode == 0, stderr
    messages = [json.loads(line).get("message", "") for line in log.read_text().splitlines()]
    assert any(m.startswith("notify: publishing to EventBridge bus pcwatch-demo-outcomes") for m in messages)
    assert "notify: stopped" in messages

    status = run_pcwatch("--journal", str(journal), "notify", "status", "--json")
    assert status.returncode == 0, status.stderr
    said = json.loads(status.stdout)
    assert said["sent"] >= 1 and said["target"] == "EventBridge bus pcwatch-demo-outcomes"
    assert said["last_sent_at"] is not None and said["last_detail_type"]


def test_notify_with_nowhere_to_publish_is_refused(tmp_path: Path) -> None:
    result = run_pcwatch("--journal", str(tmp_path / "j.sqlite3"), "notify")
    assert result.returncode == 2
    assert "--notify-event-bus" in result.stderr and "Traceback" not in result.stderr
