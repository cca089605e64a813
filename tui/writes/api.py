"""What the dashboard and the commands use of the writes: the `WriteService` Protocol (a `WriteActions` is
one) and its `WriteOutcome`; a failure raises `tui.writes.errors.WriteError`, whose lines are safe to
print. Importing this loads no ledger and no AWS SDK."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

from schemas import BulkJobRecord, TaskRecord, WireStruct


@dataclass(frozen=True)
class WriteOutcome:
    operation: str
    catalog: str
    target_id: str
    client_token: str
    #: The service's answer in wire JSON (`{}` for a reject).
    response_json: bytes
    #: The Start…Task response struct (None for a reject).
    response: WireStruct | None
    #: The started task as the store keeps it (None for a reject and a bulk job).
    task: TaskRecord | None
    #: True if nothing was sent now: an earlier run's recorded answer is shown again.
    replayed: bool = False
    #: True if an earlier attempt's token (no definitive answer then) was sent again.
    reused_token: bool = False
    #: A remark for the user (e.g. why a repeated reject counts as done). Safe to print.
    note: str | None = None
    #: The started bulk job (its id and kind; the start response says nothing else of it).
    job: BulkJobRecord | None = None
    #: False if the write ledger could not record the answer yet (a full disk): `note` says so, and the
    #: ledger keeps it in memory until it can.
    recorded: bool = True


class WriteService(Protocol):
    """Accept, reject and start, each through the write ledger. Raises WriteError (WritesDisabled in
    read-only mode)."""

    @property
    def catalog(self) -> str: ...

    async def accept(self, invitation_id: str, *, fresh: bool = False) -> WriteOutcome: ...

    async def reject(self, invitation_id: str, reason: str) -> WriteOutcome: ...

    async def start_engagement(
        self,
        opportunity_id: str,
        involvement_type: str,
        visibility: str | None = None,
        *,
        fresh: bool = False,
    ) -> WriteOutcome: ...

    async def start_opportunity(
        self, engagement_id: str, context_id: str, *, fresh: bool = False
    ) -> WriteOutcome: ...

    async def start_opportunity_bulk_job(
        self, file_uri: str, *, file_format: str = "CSV", fresh: bool = False
    ) -> WriteOutcome: ...
