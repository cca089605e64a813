"""A second local user of the jump host attacks another user's pcwatch (issue 26, docs/security.md
section 1): each numbered attack repeated as written, the attacker being user `nobody` (setpriv; skipped
with the reason where the suite cannot act as another user). Each is refused with one line and exit 2
(3 for a record that is not the one asked for), and nothing of the attacker's is adopted, read or
changed."""

from __future__ import annotations

import os
import shlex
import signal
import stat
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.support.other_user import ROOT, OtherUser, other_user, shared_directory
from tests.support.writes import cli_env
from tui.core.ports import ForeignListener, check_listener, listeners
from tui.core.private_files import PathRefused, open_owned
from tui.core.sqlite_files import StateFileUnavailable
from tui.engine.viewer_lock import JournalLock
from tui.simulator import Simulator, serve
from tui.writes.ledger import WriteLedger


def pcwatch(*args: str, timeout: float = 60, **env: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "tui", *args],
        capture_output=True,
        text=True,
        env=cli_env(**env),
        cwd=ROOT,
        timeout=timeout,
        check=False,
    )


def refused_in_one_line(result: subprocess.CompletedProcess[str], status: int = 2) -> str:
    assert result.returncode == status, (result.returncode, result.stdout, result.stderr)
    assert "Traceback" not in result.stderr, result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    return lines[0]


@pytest.fixture
def attacker() -> OtherUser:
    return other_user()


@pytest.fixture
def shared() -> Iterator[Path]:
    with shared_directory() as path:
        yield path


@pytest.fixture(scope="module")
def endpoint() -> Iterator[str]:
    simulator = Simulator(seed=7, history=40)
    with serve(simulator) as served:
        yield served.url


def planted(attacker: OtherUser, path: Path, text: str = "the other user's") -> os.stat_result:
    """The attacker's file at `path`, readable and writable by all (as it would be to catch a write)."""
    quoted = shlex.quote(str(path))
    done = attacker.run("sh", "-c", f"printf %s {shlex.quote(text)} > {quoted} && chmod 0666 {quoted}")
    assert done.returncode == 0, done.stderr
    return path.lstat()


def unchanged(path: Path, before: os.stat_result, text: str = "the other user's") -> None:
    after = path.lstat()
    assert (after.st_uid, stat.S_IMODE(after.st_mode)) == (before.st_uid, stat.S_IMODE(before.st_mode))
    assert path.read_text() == text


# --- 1. files another user created beforehand are never adopted -----------------------------------------


@pytest.mark.parametrize("name", ["j.sqlite3", "j.sqlite3-wal", "j.sqlite3-shm", "j.sqlite3-journal"])
def test_a_journal_or_side_file_another_user_made_first_is_refused(attacker, shared, endpoint, name) -> None:
    before = planted(attacker, shared / name)
    line = refused_in_one_line(
        pcwatch("list", "--endpoint-url", endpoint, "--journal", str(shared / "j.sqlite3"))
    )
    assert str(shared / name) in line and "nobody" in line and "not to you" in line
    unchanged(shared / name, before)


def test_a_write_ledger_or_viewer_lock_another_user_made_first_is_refused(attacker, shared) -> None:
    ledger_before = planted(attacker, shared / "j.writes.sqlite3")
    lock_before = planted(attacker, shared / "j.sqlite3.lock")
    with pytest.raises(StateFileUnavailable, match="belongs to nobody"):
        WriteLedger(shared / "j.writes.sqlite3")
    with pytest.raises(PathRefused, match="belongs to nobody"):
        JournalLock(shared / "j.sqlite3.lock").try_acquire()
    unchanged(shared / "j.writes.sqlite3", ledger_before)
    unchanged(shared / "j.sqlite3.lock", lock_before)


def test_a_log_file_another_user_made_first_is_refused(attacker, shared, endpoint) -> None:
    before = planted(attacker, shared / "pcwatch.log")
    result = pcwatch(
        "--log-file", str(shared / "pcwatch.log"), "list", "--endpoint-url", endpoint, "--no-journal"
    )
    line = refused_in_one_line(result)
    assert str(shared / "pcwatch.log") in line and "nobody" in line
    unchanged(shared / "pcwatch.log", before)


def test_a_state_directory_another_user_made_first_is_refused(attacker, shared, endpoint) -> None:
    state = shared / "state"
    made = attacker.run("sh", "-c", f"mkdir -p '{state}/pcwatch' && chmod -R 0777 '{state}'")
    assert made.returncode == 0, made.stderr
    line = refused_in_one_line(pcwatch("list", "--endpoint-url", endpoint, XDG_STATE_HOME=str(state)))
    assert f"{state}/pcwatch" in line and "nobody" in line
    info = (state / "pcwatch").stat()
    assert info.st_uid == attacker.uid and stat.S_IMODE(info.st_mode) == 0o777
    assert list((state / "pcwatch").iterdir()) == []  # nothing of ours written into it


def test_as_a_normal_user_another_users_file_is_one_line_not_a_traceback(attacker, shared, endpoint) -> None:
    # The owner (root here) made the journal first; the second user's pcwatch cannot chmod it.
    victim_file = shared / "j.sqlite3"
    victim_file.write_text("root's")
    os.chmod(victim_file, 0o644)
    probe = attacker.python("import tui, msgspec")
    if probe.returncode != 0:
        pytest.skip(f"user nobody cannot run this checkout's Python: {probe.stderr.strip()[-200:]}")
    env = cli_env(XDG_STATE_HOME=str(shared / "nobody-state"), XDG_CONFIG_HOME=str(shared / "nobody-config"))
    env["PYTHONPATH"] = str(ROOT)
    result = attacker.run(
        sys.executable,
        "-m",
        "tui",
        "list",
        "--endpoint-url",
        "http://127.0.0.1:9",
        "--journal",
        str(victim_file),
        env=env,
    )
    line = refused_in_one_line(result)
    assert str(victim_file) in line and "root" in line
    assert victim_file.read_text() == "root's" and stat.S_IMODE(victim_file.stat().st_mode) == 0o644


# --- 2. modes are only tightened -------------------------------------------------------------------------


def test_a_journal_directory_its_owner_made_read_only_stays_so_and_list_says_it(tmp_path, endpoint) -> None:
    state = tmp_path / "state"
    journals = state / "pcwatch" / "journals"
    journals.mkdir(parents=True)
    os.chmod(journals, 0o555)
    line = refused_in_one_line(pcwatch("list", "--endpoint-url", endpoint, XDG_STATE_HOME=str(state)))
    assert str(journals) in line and "read-only" in line
    assert stat.S_IMODE(journals.stat().st_mode) & 0o222 == 0  # still read-only (0500: tightened only)
    assert list(journals.iterdir()) == []


def test_modes_are_tightened_never_loosened(tmp_path) -> None:
    path = tmp_path / "f"
    path.write_text("")
    os.chmod(path, 0o444)
    os.close(open_owned(path))  # (read only)
    assert stat.S_IMODE(path.stat().st_mode) == 0o400
    with pytest.raises(PathRefused, match="read-only"):
        open_owned(path, os.O_RDWR)
    assert stat.S_IMODE(path.stat().st_mode) == 0o400


# --- 3. the config file and the directories above it -----------------------------------------------------


def test_a_config_in_a_directory_others_can_write_is_refused(tmp_path) -> None:
    folder = tmp_path / "conf"
    folder.mkdir()
    config = folder / "config.toml"
    config.write_text('[default]\nendpoint_url = "http://127.0.0.1:9"\n')
    os.chmod(config, 0o600)
    os.chmod(folder, 0o777)
    line = refused_in_one_line(pcwatch("--config", str(config), "config"))
    assert str(folder) in line and "chmod go-w" in line
    os.chmod(folder, 0o1777)  # sticky (as /tmp): others cannot rename or remove what is ours
    assert pcwatch("--config", str(config), "config").returncode == 0


def test_a_config_file_of_another_user_is_refused_even_through_a_link(attacker, shared, tmp_path) -> None:
    before = planted(attacker, shared / "config.toml", '[default]\nendpoint_url = "http://127.0.0.1:9"\n')
    os.chmod(shared / "config.toml", 0o644)  # (as root: the attacker's file, only readable by others)
    link = tmp_path / "config.toml"
    link.symlink_to(shared / "config.toml")
    for path in (shared / "config.toml", link):
        line = refused_in_one_line(pcwatch("--config", str(path), "config"))
        assert "nobody" in line
    assert (shared / "config.toml").lstat().st_uid == before.st_uid


# --- 4. credentials only to a port of the user's own ------------------------------------------------------

LISTENER = """
import socket, sys
server = socket.create_server(("127.0.0.1", 0))
print(server.getsockname()[1], flush=True)
while True:
    conn, _ = server.accept()
    print("REQUEST", conn.recv(65536), flush=True)
    conn.close()
"""


def test_no_credentials_go_to_a_loopback_port_another_user_listens_on(attacker) -> None:
    listener = attacker.popen(sys.executable, "-c", LISTENER)
    try:
        assert listener.stdout is not None
        port = int(listener.stdout.readline())
        result = pcwatch(
            "list",
            "--endpoint-url",
            f"http://127.0.0.1:{port}",
            "--no-journal",
            AWS_SESSION_TOKEN="a-session-token-the-other-user-wants",
        )
        line = refused_in_one_line(result)
        assert f"port {port}" in line and "nobody" in line
    finally:
        listener.terminate()
        out, _ = listener.communicate(timeout=10)
    assert "REQUEST" not in out  # not even a connection


def test_the_listeners_of_a_port_are_read_from_the_kernels_table(tmp_path) -> None:
    table = tmp_path / "tcp"
    header = (
        "  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode\n"
    )
    table.write_text(
        header
        + "   0: 0100007F:1F90 00000000:0000 0A 00000000:00000000 00:00000000 00000000  1001        0 1 1\n"
        + "   1: 0100007F:1F91 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 2 1\n"
        + "   2: 0100007F:1F90 0100007F:C000 01 00000000:00000000 00:00000000 00000000     0        0 3 1\n"
    )
    tables = (str(table),)
    assert listeners(8080, tables) == [("127.0.0.1", 1001)]  # port 0x1F90, listening (0A) only
    with pytest.raises(ForeignListener, match=r"port 8080 on 127\.0\.0\.1 is listened on by .*1001"):
        check_listener("127.0.0.1", 8080, uid=0, tables=tables)
    check_listener("127.0.0.1", 8080, uid=1001, tables=tables)  # the user's own
    check_listener("127.0.0.1", 8082, uid=1001, tables=tables)  # nobody listens: nobody to give anything to
    with pytest.raises(ForeignListener, match="root"):  # 8081 is root's
        check_listener("127.0.0.1", 8081, uid=1001, tables=tables)


def test_the_demo_and_the_simulators_queue_use_dummy_credentials_whatever_the_environment(
    monkeypatch,
) -> None:
    from tui.aws.client import LOCAL_ACCESS_KEY, make_client
    from tui.core.settings import Settings
    from tui.simulator.events import sqs_client

    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "AKIAREALKEYOFTHEUSER1")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "the-users-real-secret")
    client = make_client(Settings(demo=True, endpoint_url="http://127.0.0.1:9"))
    assert client._boto._request_signer._credentials.access_key == LOCAL_ACCESS_KEY
    sqs = sqs_client("http://127.0.0.1:9/000000000000/q")
    assert sqs._request_signer._credentials.access_key != "AKIAREALKEYOFTHEUSER1"


# --- 5. a get-by-id answered with another record ---------------------------------------------------------


class IgnoresIdFilter(Simulator):
    """An endpoint that ignores `TaskIdentifier`: every filtered list answers with the newest tasks."""

    def handle(self, method, path, headers, body):  # type: ignore[no-untyped-def]
        import json

        if body:
            request = json.loads(body)
            if isinstance(request, dict) and request.pop("TaskIdentifier", None) is not None:
                body = json.dumps(request).encode()
        return super().handle(method, path, headers, body)


def test_wait_refuses_a_record_that_is_not_the_task_asked_for() -> None:
    simulator = IgnoresIdFilter(seed=3, history=0)
    asked = simulator.add_task(duration=3600.0)
    other = simulator.add_task(status="COMPLETE")  # newer: what a list without the filter shows first
    with serve(simulator) as served:
        result = pcwatch("wait", asked, "--endpoint-url", served.url, "--timeout", "20")
    line = refused_in_one_line(result, status=3)
    assert "not the record asked for" in line and asked in line
    assert other not in result.stdout and "COMPLETE" not in result.stdout


def test_in_the_engine_another_record_fails_that_source_and_is_never_applied() -> None:
    import asyncio
    import random

    from schemas import TaskKind
    from tui.aws.client import make_client
    from tui.core.clock import MockClock
    from tui.core.settings import Budget, Settings
    from tui.engine.budget import RequestBudget
    from tui.engine.poller import Poller, PollPlan
    from tui.engine.store import Store

    clock = MockClock()
    simulator = IgnoresIdFilter(seed=3, history=0, clock=clock, enforce_quotas=False)
    asked = simulator.add_task(duration=3600.0)
    with serve(simulator) as served:
        client = make_client(Settings(endpoint_url=served.url, demo=True), max_attempts=1)
        generous = Budget(rate_per_second=100.0, daily_calls=1_000_000, burst=1000)
        store = Store(clock=clock)
        poller = Poller(
            client,
            store,
            Settings(),
            clock,
            rng=random.Random(5),
            budget=RequestBudget(generous, clock),
            plan=PollPlan(),
        )
        poller.watching()
        asyncio.run(poller.poll_once())
        assert store.task(asked).task_status == "IN_PROGRESS"
        clock.advance(61)
        other = simulator.add_task(status="FAILED", outcome="FAILED")  # newer: first in an unfiltered list
        poller.follow_task(asked, TaskKind.ACCEPT_INVITATION)
        for _ in range(3):
            poller.refresh_now()
            asyncio.run(poller.poll_once())
            clock.advance(5)
        client.close()
    failing = dict(poller.status.failing)
    assert any("not the record asked for" in error for error in failing.values()), failing
    assert store.task(asked).task_status == "IN_PROGRESS"  # never shown with the other task's outcome
    assert store.task(asked).task_id == asked and other != asked


# --- 6. serve: its temporary directory, the Origin, the read-only refusal ---------------------------------


@pytest.mark.parametrize("signum", [signal.SIGHUP, signal.SIGTERM], ids=["SIGHUP", "SIGTERM"])
def test_serve_demo_removes_its_temporary_directory_when_its_terminal_goes(tmp_path, signum) -> None:
    temporary = tmp_path / "tmp"
    temporary.mkdir()
    server = subprocess.Popen(
        [sys.executable, "-m", "tui", "serve", "--demo", "--port", "0"],
        env=cli_env(TMPDIR=str(temporary)),
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        deadline = time.monotonic() + 60
        while not list(temporary.glob("pcwatch-serve-*")):  # (a condition, with a deadline)
            assert server.poll() is None, server.communicate()[1]
            assert time.monotonic() < deadline, "serve never made its directory"
            time.sleep(0.05)
        made = list(temporary.glob("pcwatch-serve-*"))
        assert stat.S_IMODE(made[0].stat().st_mode) == 0o700
        server.send_signal(signum)
        server.wait(timeout=30)
    finally:
        if server.poll() is None:
            server.kill()
            server.wait()
    assert list(temporary.glob("pcwatch-serve-*")) == []


@pytest.mark.parametrize(
    "origin",
    ["http://evil@127.0.0.1:8000", "http://evil:pw@127.0.0.1:8000", "http://@127.0.0.1:8000"],
)
def test_an_origin_with_userinfo_is_refused(origin) -> None:
    from tui.commands.serve_server import same_origin

    assert same_origin("http://127.0.0.1:8000", "http://127.0.0.1:8000")
    assert not same_origin(origin, "http://127.0.0.1:8000")


def test_the_read_only_refusal_names_what_set_it(tmp_path, endpoint) -> None:
    config = tmp_path / "config.toml"
    config.write_text("[default]\nread_only = true\n")
    args = ("reject", "engi-0000000000000", "--reason", "r", "--endpoint-url", endpoint, "--no-journal")
    by_flag = refused_in_one_line(pcwatch("--read-only", *args))
    assert "set by flag --read-only" in by_flag and "PCWATCH_READ_ONLY" not in by_flag
    by_env = refused_in_one_line(pcwatch(*args, PCWATCH_READ_ONLY="1"))
    assert "set by environment PCWATCH_READ_ONLY" in by_env and "Unset PCWATCH_READ_ONLY to act" in by_env
    by_file = refused_in_one_line(pcwatch("--config", str(config), *args))
    assert f"set by {config} [default], line 2" in by_file and "PCWATCH_READ_ONLY" not in by_file
