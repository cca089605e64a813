"""moto's server mode as SQS and EventBridge: a real HTTP protocol on a free port of 127.0.0.1, started
once per test process; each test makes its own queue."""

from __future__ import annotations

import itertools
import logging
from collections.abc import Iterator
from typing import Any

import boto3
import pytest
from moto.server import ThreadedMotoServer

from tui.simulator import LOCAL_ACCESS_KEY_ID, LOCAL_SECRET_ACCESS_KEY

_names = itertools.count()


@pytest.fixture(scope="session")
def moto_url() -> Iterator[str]:
    logging.getLogger("werkzeug").setLevel(logging.WARNING)  # not a line per request in every report
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    try:
        yield f"http://{host}:{port}"
    finally:
        server.stop()


def moto_client(moto_url: str, service: str) -> Any:
    return boto3.client(
        service,
        endpoint_url=moto_url,
        region_name="us-east-1",
        aws_access_key_id=LOCAL_ACCESS_KEY_ID,
        aws_secret_access_key=LOCAL_SECRET_ACCESS_KEY,
    )


@pytest.fixture
def sqs(moto_url: str) -> Any:
    return moto_client(moto_url, "sqs")


@pytest.fixture
def queue_url(sqs: Any, worker_id: str) -> str:
    name = f"pcwatch-test-{worker_id}-{next(_names)}"
    url: str = sqs.create_queue(QueueName=name, Attributes={"VisibilityTimeout": "30"})["QueueUrl"]
    return url
