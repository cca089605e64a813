"""Every wire shape survives its own codecs: `from_json(x.to_json()) == x`, and the dict forms agree."""

from __future__ import annotations

import msgspec
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import schemas
from tests.support.schema_strategies import for_struct

SHAPES = sorted(
    (
        obj
        for obj in vars(schemas).values()
        if isinstance(obj, type) and issubclass(obj, msgspec.Struct) and obj is not schemas.WireStruct
    ),
    key=lambda c: c.__name__,
)


def test_every_exported_shape_is_covered() -> None:
    names = {c.__name__ for c in SHAPES}
    for expected in (
        "StartEngagementByAcceptingInvitationTaskResponse",
        "ListOpportunityFromEngagementTasksResponse",
        "GetResourceSnapshotJobResponse",
        "ListEngagementInvitationsResponse",
        "GetEngagementInvitationResponse",
        "TaskRecord",
        "ValidationException",
        "UnknownServiceError",
    ):
        assert expected in names


@pytest.mark.parametrize("shape", SHAPES, ids=lambda c: c.__name__)
@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data())
def test_json_round_trip(shape: type[msgspec.Struct], data: st.DataObject) -> None:
    if shape is schemas.UnknownServiceError:
        # An unknown type is any name the service does not document (decode_error strips `ns#` and `:…`).
        names = st.from_regex(r"[A-Za-z][A-Za-z0-9]{0,30}", fullmatch=True).filter(
            lambda n: n not in schemas.ERROR_TYPES
        )
        value = schemas.UnknownServiceError(
            type=data.draw(names),
            message=data.draw(st.none() | st.text()),
            status=data.draw(st.none() | st.integers(400, 599)),
        )
        assert schemas.decode_error(value.to_json(), status=value.status) == value
        return
    value = data.draw(for_struct(shape))
    if shape in schemas.ERROR_TYPES.values():
        # Error shapes encode as the service's error body; they come back through decode_error.
        assert schemas.decode_error(value.to_json()) == value
        return
    assert shape.from_json(value.to_json()) == value
    assert shape.from_json(value.to_json().decode()) == value
    assert shape.from_dict(value.to_dict()) == value


def test_empty_struct_encodes_as_empty_object() -> None:
    assert schemas.StartEngagementByAcceptingInvitationTaskResponse().to_json() == b"{}"
    assert schemas.GetResourceSnapshotJobResponse().to_dict() == {}


def test_every_argument_is_optional_like_the_seed_make() -> None:
    for cls in (
        schemas.StartEngagementByAcceptingInvitationTaskResponse,
        schemas.StartEngagementFromOpportunityTaskResponse,
        schemas.StartOpportunityFromEngagementTaskResponse,
        schemas.ListEngagementByAcceptingInvitationTaskSummary,
        schemas.GetResourceSnapshotJobResponse,
        schemas.ResourceSnapshotJobSummary,
    ):
        assert cls().to_dict() == {}


def test_seed_shape_has_exactly_the_nine_seed_fields_with_wire_names() -> None:
    info = msgspec.inspect.type_info(schemas.StartEngagementByAcceptingInvitationTaskResponse)
    assert [(f.name, f.encode_name) for f in info.fields] == [
        ("task_id", "TaskId"),
        ("task_arn", "TaskArn"),
        ("start_time", "StartTime"),
        ("task_status", "TaskStatus"),
        ("message", "Message"),
        ("reason_code", "ReasonCode"),
        ("opportunity_id", "OpportunityId"),
        ("resource_snapshot_job_id", "ResourceSnapshotJobId"),
        ("engagement_invitation_id", "EngagementInvitationId"),
    ]
