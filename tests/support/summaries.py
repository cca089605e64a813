"""A stand-in for the statistics' `tui.engine.stats_summaries.fold_into_summaries` (issue 29's statistics,
built on another branch): it records which tasks it folded, in the caller's transaction, and answers how
many. `summaries_module` installs it under the real name only while that module does not exist, so the
command's tests run the real one once both branches are merged."""

from __future__ import annotations

import importlib.util
import sqlite3
import sys
import types
from collections.abc import Iterator
from contextlib import contextmanager


def fold_into_summaries(conn: sqlite3.Connection, before_epoch: float) -> int:
    conn.execute("CREATE TABLE IF NOT EXISTS standin_folded (task_id TEXT PRIMARY KEY)")
    return conn.execute(
        "INSERT INTO standin_folded SELECT task_id FROM tasks"
        " WHERE status IN ('COMPLETE', 'FAILED') AND start_time < ?",
        (before_epoch,),
    ).rowcount


def folded(conn: sqlite3.Connection) -> set[str]:
    return {tid for (tid,) in conn.execute("SELECT task_id FROM standin_folded")}


@contextmanager
def summaries_module() -> Iterator[None]:
    name = "tui.engine.stats_summaries"
    if importlib.util.find_spec(name) is not None:
        yield
        return
    module = types.ModuleType(name)
    module.fold_into_summaries = fold_into_summaries  # type: ignore[attr-defined]
    sys.modules[name] = module
    try:
        yield
    finally:
        del sys.modules[name]
