"""Drift against botocore's own service model: a botocore upgrade that adds, renames or retypes a member
of a shape pcwatch decodes fails here, so the structs are updated before users meet the new field."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import botocore.session
import msgspec
import pytest

import schemas

MODEL = botocore.session.get_session().get_service_model("partnercentral-selling")

# struct -> the model shape it mirrors
MAPPED: dict[type[msgspec.Struct], str] = {
    schemas.StartEngagementByAcceptingInvitationTaskResponse: "StartEngagementByAcceptingInvitationTaskResponse",
    schemas.StartEngagementFromOpportunityTaskResponse: "StartEngagementFromOpportunityTaskResponse",
    schemas.StartOpportunityFromEngagementTaskResponse: "StartOpportunityFromEngagementTaskResponse",
    schemas.ListEngagementByAcceptingInvitationTaskSummary: "ListEngagementByAcceptingInvitationTaskSummary",
    schemas.ListEngagementFromOpportunityTaskSummary: "ListEngagementFromOpportunityTaskSummary",
    schemas.ListOpportunityFromEngagementTaskSummary: "ListOpportunityFromEngagementTaskSummary",
    schemas.ListEngagementByAcceptingInvitationTasksResponse: "ListEngagementByAcceptingInvitationTasksResponse",
    schemas.ListEngagementFromOpportunityTasksResponse: "ListEngagementFromOpportunityTasksResponse",
    schemas.ListOpportunityFromEngagementTasksResponse: "ListOpportunityFromEngagementTasksResponse",
    schemas.GetResourceSnapshotJobResponse: "GetResourceSnapshotJobResponse",
    schemas.ResourceSnapshotJobSummary: "ResourceSnapshotJobSummary",
    schemas.ListResourceSnapshotJobsResponse: "ListResourceSnapshotJobsResponse",
    schemas.EngagementInvitationSummary: "EngagementInvitationSummary",
    schemas.ListEngagementInvitationsResponse: "ListEngagementInvitationsResponse",
    schemas.GetEngagementInvitationResponse: "GetEngagementInvitationResponse",
    schemas.AccessDeniedException: "AccessDeniedException",
    schemas.ConflictException: "ConflictException",
    schemas.InternalServerException: "InternalServerException",
    schemas.ResourceNotFoundException: "ResourceNotFoundException",
    schemas.ServiceQuotaExceededException: "ServiceQuotaExceededException",
    schemas.ThrottlingException: "ThrottlingException",
    schemas.ValidationException: "ValidationException",
}

SCALARS: dict[str, type[msgspec.inspect.Type]] = {
    "string": msgspec.inspect.StrType,
    "timestamp": msgspec.inspect.DateTimeType,
    "integer": msgspec.inspect.IntType,
    "long": msgspec.inspect.IntType,
    "boolean": msgspec.inspect.BoolType,
}


def _non_null(t: msgspec.inspect.Type) -> list[msgspec.inspect.Type]:
    if isinstance(t, msgspec.inspect.UnionType):
        return [x for x in t.types if not isinstance(x, msgspec.inspect.NoneType)]
    return [t]


def incompatibilities(shape: Any, t: msgspec.inspect.Type, path: str) -> list[str]:
    """Why a value of the model `shape` would not decode into the struct type `t` (empty: it would)."""
    options = _non_null(t)
    if len(options) != 1:
        return [f"{path}: expected one non-null type, found {options}"]
    (t,) = options
    kind = shape.type_name
    if kind in SCALARS:
        return [] if isinstance(t, SCALARS[kind]) else [f"{path}: model {kind}, struct {t}"]
    if kind == "list":
        if not isinstance(t, msgspec.inspect.ListType):
            return [f"{path}: model list, struct {t}"]
        return incompatibilities(shape.member, t.item_type, f"{path}[]")
    if kind == "structure":
        # A deep tree pcwatch only shows may stay a generic mapping.
        if isinstance(t, (msgspec.inspect.DictType, msgspec.inspect.AnyType)):
            return []
        if not isinstance(t, msgspec.inspect.StructType):
            return [f"{path}: model structure, struct {t}"]
        return struct_vs_shape(t.cls, shape, path)
    return [f"{path}: model type {kind} is not handled by the drift check"]


def struct_vs_shape(cls: type[msgspec.Struct], shape: Any, path: str) -> list[str]:
    fields = {f.encode_name: f for f in msgspec.inspect.type_info(cls).fields}
    problems = []
    for member_name, member in shape.members.items():
        field = fields.get(member_name)
        if field is None:
            problems.append(
                f"{path}.{member_name}: in the model, missing from {cls.__name__} (or another wire name)"
            )
            continue
        problems += incompatibilities(member, field.type, f"{path}.{member_name}")
    for extra in set(fields) - set(shape.members):
        problems.append(f"{path}.{extra}: in {cls.__name__}, not in the model")
    return problems


@pytest.mark.parametrize("cls", list(MAPPED), ids=lambda c: c.__name__)
def test_struct_matches_the_service_model(cls: type[msgspec.Struct]) -> None:
    shape = MODEL.shape_for(MAPPED[cls])
    assert struct_vs_shape(cls, shape, MAPPED[cls]) == []


def test_mapping_covers_every_output_of_the_watched_operations() -> None:
    operations = [kind.list_operation for kind in schemas.KINDS]
    operations += [op for kind in schemas.KINDS for op in (kind.start_operation, kind.get_operation) if op]
    operations += ["GetResourceSnapshotJob", "ListResourceSnapshotJobs", "ListEngagementInvitations"]
    operations += ["GetEngagementInvitation"]
    mapped = set(MAPPED.values())
    for op in operations:
        assert MODEL.operation_model(op).output_shape.name in mapped, op
    assert {e.name for e in MODEL.error_shapes} <= mapped


def test_task_record_holds_every_member_of_every_task_shape() -> None:
    record_fields = {f.encode_name for f in msgspec.inspect.type_info(schemas.TaskRecord).fields}
    for kind in schemas.TASK_KINDS.values():
        assert kind.start_response is not None
        for shape_name in (kind.summary.__name__, kind.start_response.__name__):
            assert set(MODEL.shape_for(shape_name).members) <= record_fields, shape_name
    assert "Kind" in record_fields


@pytest.mark.parametrize(
    ("enum_cls", "shape_name"),
    [
        (schemas.TaskStatus, "TaskStatus"),
        (schemas.ReasonCode, "ReasonCode"),
        (schemas.ResourceSnapshotJobStatus, "ResourceSnapshotJobStatus"),
        (schemas.InvitationStatus, "InvitationStatus"),
        (schemas.PayloadType, "EngagementInvitationPayloadType"),
        (schemas.ParticipantType, "ParticipantType"),
    ],
)
def test_enum_constants_match_the_model(enum_cls: Any, shape_name: str) -> None:
    assert enum_cls.KNOWN == set(MODEL.shape_for(shape_name).enum)


def test_reason_code_has_the_22_current_codes() -> None:
    assert len(schemas.ReasonCode.KNOWN) == 22


def test_the_check_catches_a_drifted_struct() -> None:
    """The drift check itself must be able to fail: a struct missing a member and retyping another."""

    class Drifted(schemas.WireStruct):
        task_id: int | None = None  # wrong type
        start_time: datetime | None = None
        extra_member: str | None = None

    problems = struct_vs_shape(
        Drifted, MODEL.shape_for("ListEngagementByAcceptingInvitationTaskSummary"), "S"
    )
    assert any("S.TaskId" in p for p in problems)
    assert any("S.TaskArn" in p and "missing" in p for p in problems)
    assert any("ExtraMember" in p for p in problems)
