"""Hypothesis strategies built from the structs' own type information, so every field of every shape is
exercised without a hand-written strategy per struct."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from typing import Any

import msgspec
from hypothesis import strategies as st

_zones = st.sampled_from(
    [timezone.utc, timezone(timedelta(hours=5, minutes=30)), timezone(timedelta(hours=-8)), timezone.utc]
)
# msgspec encodes microseconds, so generated datetimes stay within that precision by construction.
_datetimes = st.datetimes(min_value=datetime(1971, 1, 1), max_value=datetime(2200, 1, 1), timezones=_zones)
_json_scalars = st.none() | st.booleans() | st.integers(-(2**53), 2**53) | st.text(max_size=20)
_json_values = st.recursive(
    _json_scalars,
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=8), inner, max_size=3),
    max_leaves=8,
)


def for_type(t: msgspec.inspect.Type) -> st.SearchStrategy[Any]:
    if isinstance(t, msgspec.inspect.StrType):
        return st.text(max_size=40)
    if isinstance(t, msgspec.inspect.DateTimeType):
        return _datetimes
    if isinstance(t, msgspec.inspect.IntType):
        return st.integers(-(2**31), 2**31)
    if isinstance(t, msgspec.inspect.BoolType):
        return st.booleans()
    if isinstance(t, msgspec.inspect.NoneType):
        return st.none()
    if isinstance(t, msgspec.inspect.UnionType):
        return st.one_of([for_type(x) for x in t.types])
    if isinstance(t, msgspec.inspect.ListType):
        return st.lists(for_type(t.item_type), max_size=3)
    if isinstance(t, msgspec.inspect.DictType):
        return st.dictionaries(st.text(max_size=8), _json_values, max_size=3)
    if isinstance(t, msgspec.inspect.AnyType):
        return _json_values
    if isinstance(t, msgspec.inspect.StructType):
        return for_struct(t.cls)
    raise NotImplementedError(f"no strategy for {t!r}")


def for_struct(cls: type[msgspec.Struct]) -> st.SearchStrategy[msgspec.Struct]:
    info = msgspec.inspect.type_info(cls)
    required = {f.name: for_type(f.type) for f in info.fields if f.required}
    optional = {f.name: for_type(f.type) for f in info.fields if not f.required}
    return st.fixed_dictionaries(required, optional=optional).map(lambda kw: cls(**kw))
