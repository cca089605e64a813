"""Every exit status a `pcwatch` command ends with, and what it means. Scripts branch on these (the
README lists them, and `tests/core/test_exit_status.py` checks that it lists them truly)."""

from __future__ import annotations

from enum import IntEnum


class ExitStatus(IntEnum):
    #: Done: the command did what it was asked (`wait`: the task COMPLETE).
    OK = 0
    #: `wait` (and a write's `--wait`): the task FAILED.
    TASK_FAILED = 1
    #: Refused before acting: arguments or settings pcwatch will not use (argparse's own errors are 2
    #: too), a config file it will not read, a journal it may not write, a write while read-only, a write
    #: to the production catalog that was not confirmed.
    USAGE = 2
    #: Anything else that went wrong: credentials, the network, the service, the budget spent, a
    #: journal that takes no writes (a full disk), a write ledger that could not record a write, and an
    #: unexpected error (one line; the traceback in the log file), in a command or the dashboard.
    ERROR = 3
    #: `wait --timeout` (and `--wait --timeout`): the time ran out first (as timeout(1) says it).
    TIMEOUT = 124
    #: The terminal hung up, its pipes closed or the parent died (128 + SIGHUP, as a shell says it).
    HUNG_UP = 129
    #: Ctrl-C (128 + SIGINT, as a shell says it).
    INTERRUPTED = 130
