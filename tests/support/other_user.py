"""A second local user for the shared-host attacks (docs/security.md, section 1): the test suite, run as
root, acts as user `nobody` through `setpriv` (util-linux, on every Linux that has a shell), so no user
has to be created. Where that is impossible (not root, no setpriv, no `nobody`) the test is skipped and
says why."""

from __future__ import annotations

import os
import pwd
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
NAME = "nobody"


@dataclass(frozen=True)
class OtherUser:
    """User `nobody`: `run` a command as them (their uid and primary group, no other groups)."""

    name: str
    uid: int
    gid: int
    setpriv: str

    def argv(self, command: Sequence[str]) -> list[str]:
        return [self.setpriv, f"--reuid={self.uid}", f"--regid={self.gid}", "--clear-groups", *command]

    def run(self, *command: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
        done = subprocess.run(
            self.argv(command), capture_output=True, text=True, env=env, cwd="/", timeout=60, check=False
        )
        return done

    def python(self, code: str) -> subprocess.CompletedProcess[str]:
        return self.run(sys.executable, "-c", code)

    def popen(self, *command: str, env: dict[str, str] | None = None) -> subprocess.Popen[str]:
        return subprocess.Popen(
            self.argv(command), stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env, cwd=ROOT
        )


def other_user() -> OtherUser:
    """`nobody`, or skip the test saying why it cannot act as another user here."""
    if not hasattr(os, "geteuid") or os.geteuid() != 0:
        pytest.skip("acting as a second local user needs root (setpriv); run the suite as root to cover it")
    setpriv = shutil.which("setpriv")
    if setpriv is None:
        pytest.skip("setpriv (util-linux) is not installed: cannot act as a second local user")
    try:
        entry = pwd.getpwnam(NAME)
    except KeyError:
        pytest.skip(f"no user {NAME!r} on this machine to act as")
    user = OtherUser(NAME, entry.pw_uid, entry.pw_gid, setpriv)
    probe = user.run("true")
    if probe.returncode != 0:
        pytest.skip(f"setpriv cannot switch to {NAME} here: {probe.stderr.strip()}")
    return user


@contextmanager
def shared_directory(mode: int = 0o1777) -> Iterator[Path]:
    """A directory every local user can write (sticky like /tmp by default), in /tmp so that the other
    user can reach it (a test's tmp_path is under a 0700 directory)."""
    path = Path(tempfile.mkdtemp(prefix="pcwatch-shared-", dir="/tmp"))
    os.chmod(path, mode)
    try:
        yield path
    finally:
        shutil.rmtree(path, ignore_errors=True)
