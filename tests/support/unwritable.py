"""Making a file or directory unwritable for this process, even when the tests run as root (for whom
file modes are no obstacle: the immutable attribute is)."""

from __future__ import annotations

import os
import stat
import subprocess
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest


@contextmanager
def unwritable(path: Path) -> Iterator[None]:
    """`path` read-only (0555 for a directory, 0444 for a file) and, as root, immutable (`chattr +i`);
    skips the test where neither would stop this process."""
    mode = stat.S_IMODE(path.stat().st_mode)
    os.chmod(path, 0o555 if path.is_dir() else 0o444)
    immutable = False
    try:
        if os.geteuid() == 0:
            made = subprocess.run(["chattr", "+i", str(path)], capture_output=True, check=False)
            if made.returncode != 0:
                pytest.skip("running as root on a file system without chattr +i")
            immutable = True
        yield
    finally:
        if immutable:
            subprocess.run(["chattr", "-i", str(path)], capture_output=True, check=False)
        os.chmod(path, mode)


def listing(directory: Path) -> dict[str, bytes]:
    """Every file of `directory` with its bytes (to show nothing was moved, made or changed)."""
    return {p.name: p.read_bytes() for p in sorted(directory.iterdir()) if p.is_file()}
