"""Fixtures for the simulator's tests: a simulator on the MockClock (`clock`, from tests/conftest.py)
served over HTTP, and boto3 clients that check every successful response against botocore's output shape
of its operation. Helpers come as fixtures too: `client_factory`, `pages` (follow NextToken) and
`error_of`.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import boto3
import pytest
from botocore.config import Config

from tui.core.clock import MockClock
from tui.simulator import LOCAL_ACCESS_KEY_ID, LOCAL_SECRET_ACCESS_KEY, Endpoint, Simulator, serve
from tui.simulator.validation import validate_response

HISTORY = 300


class ResponseChecker:
    """Collects every 2xx response body a client receives, with the output-shape errors of each."""

    def __init__(self) -> None:
        self.checked = 0
        self.problems: list[tuple[str, Any]] = []

    def __call__(self, operation_model: Any, response_dict: dict[str, Any], **_: Any) -> None:
        if response_dict.get("status_code") != 200:
            return
        body = response_dict.get("body") or b"{}"
        try:
            parsed = json.loads(body)
        except ValueError as exc:
            self.problems.append((operation_model.name, f"not JSON: {exc}"))
            return
        errors = validate_response(operation_model.name, parsed)
        self.checked += 1
        if errors:
            self.problems.append((operation_model.name, errors))


def _make_client(
    url: str, checker: ResponseChecker | None = None, *, validate_params: bool = True, **config: Any
):
    """A real boto3 client with retries off (a test sees the raw error) and the local credentials.

    `total_max_attempts` 1: botocore reads `max_attempts` as retries *after* the first try.
    """
    client = boto3.client(
        "partnercentral-selling",
        endpoint_url=url,
        region_name="us-east-1",
        aws_access_key_id=LOCAL_ACCESS_KEY_ID,
        aws_secret_access_key=LOCAL_SECRET_ACCESS_KEY,
        config=Config(
            retries={"total_max_attempts": 1, "mode": "standard"},
            parameter_validation=validate_params,
            **config,
        ),
    )
    if checker is not None:
        client.meta.events.register("before-parse.partnercentral-selling.*", checker)
    return client


@pytest.fixture
def sim(clock: MockClock) -> Simulator:
    """A small history, quotas off (tests that test quotas build their own)."""
    return Simulator(seed=7, history=HISTORY, clock=clock, enforce_quotas=False)


@pytest.fixture
def endpoint(sim: Simulator) -> Iterator[Endpoint]:
    with serve(sim, port=0) as ep:
        yield ep


@pytest.fixture
def checker() -> Iterator[ResponseChecker]:
    c = ResponseChecker()
    yield c
    assert not c.problems, f"responses that break the output shape: {c.problems[:3]}"


@pytest.fixture
def client(endpoint: Endpoint, checker: ResponseChecker):
    return _make_client(endpoint.url, checker)


@pytest.fixture
def unchecked_client(endpoint: Endpoint, checker: ResponseChecker):
    """Sends requests boto3 itself would refuse, so the server's own validation answers."""
    return _make_client(endpoint.url, checker, validate_params=False)


def _error_of(excinfo: pytest.ExceptionInfo) -> tuple[str, int, dict[str, Any]]:
    """(error code, HTTP status, parsed error) of a botocore ClientError."""
    response = excinfo.value.response
    return response["Error"]["Code"], response["ResponseMetadata"]["HTTPStatusCode"], response


#: The lists whose items are not in a `…Summaries` member.
_ITEM_KEYS = ("items", "Results")


def _all_pages(call, **kwargs: Any) -> list[dict[str, Any]]:
    """Every item of a List… operation, following NextToken."""
    items: list[dict[str, Any]] = []
    while True:
        page = call(**kwargs)
        key = next(k for k in page if k.endswith("Summaries") or k in _ITEM_KEYS)
        items.extend(page[key])
        if not page.get("NextToken"):
            return items
        kwargs["NextToken"] = page["NextToken"]


@pytest.fixture
def client_factory():
    """`client_factory(url, checker=None, validate_params=True, **config)` -> a boto3 client."""
    return _make_client


@pytest.fixture
def pages():
    """`pages(client.list_…, **kwargs)` -> every item, following NextToken."""
    return _all_pages


@pytest.fixture
def error_of():
    """`error_of(excinfo)` -> (error code, HTTP status, response) of a botocore ClientError."""
    return _error_of
