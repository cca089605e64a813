"""The log file: one JSON object a line (time, level, event, operation, duration, outcome, message), with
credentials, tokens and session ids redacted, 0600, rotated by size.

`--log-file PATH` (or `log_file` in the config) turns it on, at `--log-level` (info by default: one line
per API call, poll failure, write, leadership change and warning; debug adds the libraries' own lines,
botocore's signed request headers among them). Without it nothing is written anywhere; and while the
dashboard runs nothing is ever written to the terminal (a stray warning would tear the screen).

Redaction happens on every line before it is written, whatever logged it (pcwatch, botocore, aiohttp,
textual-serve): the exact values of the credentials and tokens this process knows (the AWS keys and
session token of the environment or a static profile, the serve token) and anything shaped like one (AWS
access key ids, SigV4 credentials and signatures, `token=`/`secret`/`password`/`session id` values,
cookies, long base64 blobs such as session tokens).
"""

from __future__ import annotations

import contextlib
import json
import logging
import logging.handlers
import os
import re
import sys
import threading
import time
from collections.abc import Callable, Iterator, Mapping
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from .private_files import PathRefused, open_owned, open_private, private_directory
from .sqlite_files import write_failure_reason
from .text_safety import one_line

REDACTED = "[redacted]"
#: Rotation: this many bytes a file, this many old files kept (`pcwatch.log.1` … `.3`).
MAX_BYTES = 5 * 1024 * 1024
BACKUPS = 3
#: A log file that failed a write (a full disk) is tried again no sooner than this (seconds); the lines
#: meanwhile go nowhere.
RETRY_AFTER = 60.0
#: The environment variables whose values are secrets wherever they appear.
SECRET_VARIABLES = (
    "AWS_ACCESS_KEY_ID",
    "AWS_SECRET_ACCESS_KEY",
    "AWS_SESSION_TOKEN",
    "AWS_SECURITY_TOKEN",
    "PCWATCH_SERVE_TOKEN",
)
#: A known secret shorter than this is not replaced by value (it would blank ordinary words); the
#: patterns still apply.
MIN_SECRET = 8
LEVELS = {"debug": logging.DEBUG, "info": logging.INFO, "warning": logging.WARNING, "error": logging.ERROR}

#: Names whose value is a secret (`X-Amz-Security-Token`, `aws_secret_access_key`, `next_token`, a cookie
#: named `pcwatch-token-8000`…); the name must end there (`ExpiredTokenException: …` is a message).
_KEY_NAMES = (
    r"[\w.-]*(?:token|secret|secret[_-]?access[_-]?key|access[_-]?key[_-]?id|password|passwd|"
    r"session[_-]?id|delivery[_-]?key|signature|cookie)(?:[-_]?\d+)?"
)
_PATTERNS: tuple[tuple[re.Pattern[str], str], ...] = (
    # An Authorization header, whole (`token …`, `AWS4-HMAC-SHA256 Credential=…, Signature=…`).
    (re.compile(r"(?i)(authorization[\"']?\s*[:=]\s*b?[\"']?)[^\"'\n]+"), rf"\1{REDACTED}"),
    # `name=value`, `name: value`, `"name": "value"`, `'Name': b'value'` (headers, query strings, JSON).
    (
        re.compile(rf"(?i)\b({_KEY_NAMES}[\"']?\s*[:=]\s*b?[\"']?)(?!\[redacted\])([^\s\"',;&}}\]]+)"),
        rf"\1{REDACTED}",
    ),
    # SigV4: `Credential=AKIA…/20261128/us-east-1/partnercentral-selling/aws4_request`.
    (re.compile(r"(?i)(Credential=)[^\s,\"']+"), rf"\1{REDACTED}"),
    # AWS access key ids (long-term AKIA, temporary ASIA, and the other prefixes IAM uses).
    (re.compile(r"\b(?:AKIA|ASIA|AIDA|AROA|AGPA|ANPA|ANVA|ABIA|ACCA)[A-Z0-9]{12,}\b"), REDACTED),
    # Long base64 or hex runs with a digit, + or / in them: session tokens, secret keys, signatures (not
    # a long operation name such as ListEngagementByAcceptingInvitationTasks).
    (re.compile(r"(?<![A-Za-z0-9+/])(?=[A-Za-z+/]*[0-9+/])[A-Za-z0-9+/]{40,}={0,2}"), REDACTED),
)

_secrets: set[str] = set()
_secrets_lock = threading.Lock()


def add_secret(*values: str | None) -> None:
    """Values to redact from every later log line (a token made at run time, resolved credentials)."""
    with _secrets_lock:
        _secrets.update(v for v in values if v and len(v) >= MIN_SECRET)


def secrets_from(environ: Mapping[str, str]) -> None:
    add_secret(*(environ.get(name) for name in SECRET_VARIABLES))


def redact(text: str) -> str:
    """`text` without the known secrets' values and without anything shaped like a credential."""
    with _secrets_lock:
        known = sorted(_secrets, key=len, reverse=True)
    for value in known:
        if value in text:
            text = text.replace(value, REDACTED)
    for pattern, replacement in _PATTERNS:
        text = pattern.sub(replacement, text)
    return text


# --- what a line says ------------------------------------------------------------------------------------

#: The structured fields `event()` attaches to a record (under this attribute).
FIELDS = "pcwatch_fields"


def event(
    logger: logging.Logger,
    name: str,
    message: str = "",
    *,
    level: int = logging.INFO,
    operation: str | None = None,
    duration: float | None = None,
    outcome: str | None = None,
    **fields: Any,
) -> None:
    """Log one structured event: `name` (`api.call`, `poll`, `write`…), what it acted on, how long it
    took (seconds) and how it ended."""
    if not logger.isEnabledFor(level):
        return
    data = {"event": name, "operation": operation, "duration": duration, "outcome": outcome, **fields}
    logger.log(level, message or name, extra={FIELDS: {k: v for k, v in data.items() if v is not None}})


class JsonLines(logging.Formatter):
    """One JSON object a line, ASCII only (so `cat` of the file cannot drive a terminal), redacted."""

    def format(self, record: logging.LogRecord) -> str:
        fields: dict[str, Any] = dict(getattr(record, FIELDS, None) or {})
        line: dict[str, Any] = {
            "time": datetime.fromtimestamp(record.created, timezone.utc).isoformat(timespec="milliseconds"),
            "level": record.levelname.lower(),
            "event": fields.pop("event", record.name),
        }
        for key in ("operation", "duration", "outcome"):
            if key in fields:
                value = fields.pop(key)
                line[key] = round(value, 4) if key == "duration" and isinstance(value, float) else value
        line["message"] = record.getMessage()
        line["logger"] = record.name
        line.update(fields)
        if record.exc_info:
            line["exception"] = self.formatException(record.exc_info)
        return redact(json.dumps(_redacted(line), ensure_ascii=True, default=str))


def _redacted(value: Any) -> Any:
    """Strings redacted before encoding too (JSON escapes could split a secret's characters)."""
    if isinstance(value, str):
        return redact(value)
    if isinstance(value, dict):
        return {k: _redacted(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_redacted(v) for v in value]
    return value


class PrivateRotatingFile(logging.handlers.RotatingFileHandler):
    """A size-rotated log file that only its owner can read (0600, never through a symlink); the files
    rotated out keep that mode.

    A write that fails (a full disk, an I/O error) is said once (`on_trouble` with why, then None once a
    line is written again), never as Python's `--- Logging error ---` for each line: the lines go nowhere
    meanwhile, and the file is opened again after RETRY_AFTER seconds (`clock`: monotonic seconds)."""

    def __init__(
        self,
        path: Path,
        max_bytes: int = MAX_BYTES,
        backups: int = BACKUPS,
        *,
        on_trouble: Callable[[str | None], None] | None = None,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        private_directory(path.parent)
        self._on_trouble = on_trouble
        self._clock = clock
        #: Since when writes fail (None while they succeed); the lines not written meanwhile.
        self.failing_since: float | None = None
        self.lines_lost = 0
        self._failed = False
        super().__init__(path, maxBytes=max_bytes, backupCount=backups, encoding="utf-8", delay=False)

    def emit(self, record: logging.LogRecord) -> None:
        failing = self.failing_since
        if failing is not None and self._clock() - failing < RETRY_AFTER:
            self.lines_lost += 1
            return
        self._failed = False
        super().emit(record)  # (a failure calls handleError)
        if failing is not None and not self._failed:
            lost, self.lines_lost, self.failing_since = self.lines_lost, 0, None
            if self._on_trouble is not None:
                self._on_trouble(None)
            logging.getLogger(__name__).info("log file written again; %d lines were not written", lost)

    def handleError(self, record: logging.LogRecord) -> None:
        """Said once, not a traceback a line (`logging.Handler.handleError`'s): the file is let go."""
        exc = sys.exc_info()[1]
        self._failed = True
        self.lines_lost += 1
        first = self.failing_since is None
        self.failing_since = self._clock()
        if self.stream is not None:
            with contextlib.suppress(Exception):
                self.stream.close()
            self.stream = None  # (the next try opens it again)
        if first and self._on_trouble is not None:
            self._on_trouble(write_failure_reason(exc) if exc is not None else "unknown error")

    def _open(self) -> Any:
        fd = open_private(Path(self.baseFilename), os.O_WRONLY | os.O_CREAT | os.O_APPEND)
        return os.fdopen(fd, "a", encoding="utf-8")

    def doRollover(self) -> None:
        """`pcwatch.log.2` -> `.3`, `.1` -> `.2`, the file -> `.1`, each only if it is the user's own
        (the standard handler renames whatever is there), then a new file through `open_private`."""
        if self.stream:
            self.stream.close()
            self.stream = None
        for n in range(self.backupCount, 0, -1):
            source = self.baseFilename if n == 1 else f"{self.baseFilename}.{n - 1}"
            self.rotate(source, f"{self.baseFilename}.{n}")
        self.stream = self._open()

    def rotate(self, source: str, dest: str) -> None:
        """Rename `source` to `dest` (a rename replaces a link at `dest`, never follows it) only if
        `source` is the user's own file, checked on its descriptor: another user's file planted as
        `pcwatch.log.1` is left where it is, never taken into the set."""
        try:
            os.close(open_owned(Path(source), tighten=False))
        except (OSError, PathRefused):
            return
        with contextlib.suppress(OSError):  # (a sticky directory keeps another user's `dest`)
            os.replace(source, dest)


# --- turning it on ---------------------------------------------------------------------------------------


class LogFileError(ValueError):
    """The log file cannot be opened (the message says where and why)."""


_installed: list[logging.Handler] = []
#: (why, the path) while the log file cannot be written: the dashboard's header says it.
_trouble: tuple[str, str] | None = None


def file_trouble() -> tuple[str, str] | None:
    """Why the log file is not written now and its path, or None while it is (or without one)."""
    return _trouble


def configure(
    log_file: Path | None,
    level: str = "info",
    *,
    interactive: bool = False,
    environ: Mapping[str, str] | None = None,
) -> None:
    """Set up logging for this process: the log file if any (redacted JSON lines); with `interactive`
    (the dashboard), nothing to the terminal, Python warnings included. Calling it again replaces what an
    earlier call installed."""
    root = logging.getLogger()
    for old in _installed:
        root.removeHandler(old)
        old.close()
    _installed.clear()
    secrets_from(os.environ if environ is None else environ)
    global _trouble
    _trouble = None
    if log_file is not None:

        def trouble(reason: str | None) -> None:
            global _trouble
            _trouble = None if reason is None else (reason, str(log_file))
            if reason is not None and not interactive:  # (the dashboard's header says it instead)
                said = one_line(f"the log file {log_file} cannot be written ({reason}): lines go nowhere")
                print(f"pcwatch: {said}, tried again every {RETRY_AFTER:.0f} s", file=sys.stderr)

        try:
            handler = PrivateRotatingFile(log_file, on_trouble=trouble)
        except PathRefused as refused:  # another user's log file, a link, a read-only one
            said = str(refused) if refused.path == log_file else f"{log_file}: cannot be written: {refused}"
            raise LogFileError(f"--log-file {said}") from None
        except OSError as exc:
            raise LogFileError(f"--log-file {log_file}: cannot be written ({exc.strerror or exc})") from None
        handler.setFormatter(JsonLines())
        root.setLevel(LEVELS.get(level, logging.INFO))
        _install(root, handler)
        if not interactive:
            # A headless command keeps saying its warnings on stderr, as Python's last resort did.
            console = logging.StreamHandler()
            console.setLevel(logging.WARNING)
            _install(root, console)
    if interactive:
        # With no handler at all, Python prints warnings and errors on stderr ("last resort").
        _install(root, logging.NullHandler())
        logging.captureWarnings(True)


def _install(root: logging.Logger, handler: logging.Handler) -> None:
    root.addHandler(handler)
    _installed.append(handler)


@contextlib.contextmanager
def set_aside() -> Iterator[None]:
    """Without pcwatch's handlers for a moment: a library's `logging.basicConfig` (textual-serve's) adds
    its console handler only to a root logger that has none."""
    root = logging.getLogger()
    level = root.level
    for handler in _installed:
        root.removeHandler(handler)
    try:
        yield
    finally:
        if _installed:
            # basicConfig set the root's level for its console: keep that for the console, the log
            # file's for the root.
            for handler in root.handlers:
                if handler.level == logging.NOTSET:
                    handler.setLevel(root.level)
            root.setLevel(level)
        for handler in _installed:
            root.addHandler(handler)


def unexpected(what: str, error: BaseException) -> str:
    """An unexpected error pcwatch ends on: its traceback goes to the log file, if there is one, never to
    the terminal (it may show local values, and a screenful helps nobody there); returns the one line to
    say there instead (not yet escaped)."""
    files = [h for h in _installed if isinstance(h, PrivateRotatingFile)]
    record = logging.getLogger("tui").makeRecord(
        "tui",
        logging.ERROR,
        __file__,
        0,
        "%s: unexpected error",
        (what,),
        (type(error), error, error.__traceback__),
    )
    for handler in files:  # (not the console handler a headless command has)
        handler.handle(record)
    where = f"the traceback is in {files[0].baseFilename}" if files else "--log-file PATH keeps the traceback"
    return f"{what}: unexpected error: {type(error).__name__}: {error} ({where})"
