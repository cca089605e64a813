"""The dashboard's tests run against fakes (`tests/support/dashboard.py`); the real store and engine are
the engine's. The fakes must be what the Protocols say, or the tests prove nothing about the real app:
every member of `StoreView` and `Engine` is on its fake, with the same parameters."""

from __future__ import annotations

import inspect

import pytest

from tests.support.dashboard import FakePoller, FakeStore
from tui.engine.api import Engine, StoreView


def _members(protocol: type) -> list[str]:
    own = {name for klass in protocol.__mro__ if klass.__module__ == "tui.engine.api" for name in vars(klass)}
    return sorted(name for name in own if not name.startswith("_") or name == "__len__")


def _parameters(function: object) -> list[tuple[str, object, object]]:
    signature = inspect.signature(function)  # type: ignore[arg-type]
    return [(p.name, p.kind, p.default) for p in signature.parameters.values() if p.name != "self"]


@pytest.mark.parametrize(("protocol", "fake"), [(StoreView, FakeStore), (Engine, FakePoller)])
def test_each_fake_has_every_member_of_its_protocol_with_the_same_parameters(
    protocol: type, fake: type
) -> None:
    members = _members(protocol)
    assert {"bulk_jobs", "report_url", "prospecting"} <= set(members) or {"want_results"} <= set(members)
    instance = fake()
    for name in members:
        wanted = inspect.getattr_static(protocol, name)
        assert hasattr(instance, name), f"{fake.__name__} has no {name}"
        if isinstance(wanted, property) or not callable(wanted):
            continue
        got = inspect.getattr_static(fake, name)
        if callable(got):
            assert _parameters(got) == _parameters(wanted), f"{fake.__name__}.{name}"
