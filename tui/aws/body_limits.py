"""Limits on what a response may be: at most 16 MiB, JSON nested at most 64 levels.

A real Partner Central response is a few hundred KB at most (1,000 tasks a page) and nested five levels
deep. An endpoint that is wrong, spoofed or hostile (`--endpoint-url`, a proxy) could send a body of
gigabytes, or `[[[[…]]]]` 200,000 levels deep, which makes any recursive JSON parser (msgspec's, Python's
`json` behind botocore's error parser) die with RecursionError. Both become a `MalformedResponse` naming
the operation, before anything is decoded or journaled.

The size is enforced while reading: `CappedHttpSession` wraps botocore's HTTP session and stops at the
limit (a larger Content-Length is refused before the body is read), so a huge body never sits in memory.
It is installed on the client's endpoint, a botocore attribute that is not public API (`_endpoint`); if a
botocore release moves it, `check_body` still refuses an oversized body after the fact.
"""

from __future__ import annotations

import contextlib
import operator
from itertools import accumulate
from typing import Any

from .failures import MalformedResponse

MAX_BODY_BYTES = 16 * 1024 * 1024
MAX_JSON_DEPTH = 64
_READ_CHUNK = 64 * 1024
_TARGET_PREFIX = "AWSPartnerCentralSelling."

_BRACKETS = b"[]{}"
_NOT_BRACKETS = bytes(b for b in range(256) if b not in _BRACKETS)
# An opener counts 2, a closer 0: after k brackets the depth is (their sum) - k.
_DEPTH_STEP = bytes.maketrans(_BRACKETS, b"\x02\x00\x02\x00")


# A refused body is not retried at once (`tui.aws.retry.may_retry`): the same endpoint answers the same
# way, and each try would spend quota and read up to the limit again.


def too_large(operation: str, size: str) -> MalformedResponse:
    return MalformedResponse(
        f"{operation}: the response is {size}, over the {MAX_BODY_BYTES // (1024 * 1024)} MiB limit; "
        "refused (is --endpoint-url the Partner Central endpoint?)",
        retryable=False,
    )


def too_deep(operation: str) -> MalformedResponse:
    return MalformedResponse(
        f"{operation}: the response's JSON is nested deeper than {MAX_JSON_DEPTH} levels; refused",
        retryable=False,
    )


def nested_deeper_than(body: bytes, limit: int = MAX_JSON_DEPTH) -> bool:
    """Whether JSON text nests arrays/objects more than `limit` deep (brackets inside strings do not
    count). C-speed throughout: ~60 µs for a 100-task page, well under a second for 16 MiB."""
    if body.count(b"[") + body.count(b"{") <= limit:
        return False
    brackets = _outside_strings(body).translate(None, _NOT_BRACKETS)
    if len(brackets) <= limit:
        return False
    steps = brackets.translate(_DEPTH_STEP)
    return any(map(operator.gt, accumulate(steps), range(limit + 1, len(steps) + limit + 1)))


def _outside_strings(body: bytes) -> bytes:
    """JSON text without its strings: escaped backslashes and quotes go first, then every other piece
    between quotes is a string's contents."""
    if b"\\" in body:
        body = body.replace(b"\\\\", b"").replace(b'\\"', b"")
    return b"".join(body.split(b'"')[::2])


def check_body(operation: str, body: bytes) -> None:
    """Raise MalformedResponse if `body` is over the size or depth limit."""
    if len(body) > MAX_BODY_BYTES:
        raise too_large(operation, f"{len(body):,} bytes")
    if nested_deeper_than(body):
        raise too_deep(operation)


def operation_of(request: Any) -> str:
    target = request.headers.get("X-Amz-Target") or b""
    target = target.decode("ascii", "replace") if isinstance(target, bytes) else str(target)
    return target[len(_TARGET_PREFIX) :] if target.startswith(_TARGET_PREFIX) else "the request"


class _Body:
    """What botocore's AWSResponse reads a body from (`raw.stream()`), already read."""

    def __init__(self, data: bytes) -> None:
        self._data = data

    def stream(self, *_: Any, **__: Any) -> Any:
        yield self._data


class CappedHttpSession:
    """botocore's HTTP session, reading at most `limit` bytes of a response body."""

    def __init__(self, inner: Any, limit: int = MAX_BODY_BYTES) -> None:
        self._inner = inner
        self.limit = limit

    def __getattr__(self, name: str) -> Any:  # close(), and anything else botocore asks of its session
        return getattr(self._inner, name)

    def send(self, request: Any) -> Any:
        from botocore.awsrequest import AWSResponse

        streaming = request.stream_output
        request.stream_output = True  # the inner session then leaves the body unread
        try:
            response = self._inner.send(request)
        finally:
            request.stream_output = streaming
        if streaming:
            return response
        raw = response.raw
        declared = str(response.headers.get("Content-Length") or "")
        if declared.isdigit() and int(declared) > self.limit:
            _discard(raw)
            raise too_large(operation_of(request), f"{int(declared):,} bytes")
        chunks: list[bytes] = []
        size = 0
        for chunk in raw.stream(_READ_CHUNK):
            size += len(chunk)
            if size > self.limit:
                _discard(raw)
                raise too_large(operation_of(request), f"over {self.limit:,} bytes")
            chunks.append(chunk)
        return AWSResponse(response.url, response.status_code, response.headers, _Body(b"".join(chunks)))


def _discard(raw: Any) -> None:
    """Drop the connection with the rest of the body unread (it is not reused)."""
    with contextlib.suppress(Exception):
        raw.close()
    with contextlib.suppress(Exception):
        raw.release_conn()


def install(boto_client: Any) -> bool:
    """Put a CappedHttpSession on the client's endpoint; False if botocore has no such attribute."""
    endpoint = getattr(boto_client, "_endpoint", None)
    session = getattr(endpoint, "http_session", None)
    if endpoint is None or session is None or not callable(getattr(session, "send", None)):
        return False
    if not isinstance(session, CappedHttpSession):
        endpoint.http_session = CappedHttpSession(session)
    return True
