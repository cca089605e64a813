"""The base Struct every wire shape derives from.

Wire names follow the service model (PascalCase); Python attributes are snake_case. Unknown fields are
ignored on decode so a newer service never breaks an older pcwatch; absent fields stay absent on encode
because the service itself never sends nulls.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, TypeVar

import msgspec

# The service sends ISO 8601 with a zone; a naive datetime would silently shift by the local offset.
Timestamp = Annotated[datetime, msgspec.Meta(tz=True)]

S = TypeVar("S", bound="WireStruct")

_encoder = msgspec.json.Encoder()


class WireStruct(msgspec.Struct, kw_only=True, omit_defaults=True, rename="pascal"):
    # kw_only is not inherited by msgspec: subclasses with required fields pass it again.
    """Shared options and the seed module's codecs (`make`, `of_json`, `to_json`, `to_value`)."""

    @classmethod
    def from_json(cls: type[S], data: bytes | str) -> S:
        """Decode wire JSON; raises `msgspec.ValidationError` naming the field path on a bad value."""
        return msgspec.json.decode(data, type=cls)

    @classmethod
    def from_boto(cls: type[S], response: dict[str, Any]) -> S:
        """Convert the dict boto3 returns (datetimes already parsed, `ResponseMetadata` present)."""
        if "ResponseMetadata" in response:
            response = {k: v for k, v in response.items() if k != "ResponseMetadata"}
        return msgspec.convert(response, cls)

    @classmethod
    def from_dict(cls: type[S], data: dict[str, Any]) -> S:
        """Convert JSON-ready builtins with wire names (the inverse of `to_dict`)."""
        return msgspec.convert(data, cls)

    def to_json(self) -> bytes:
        return _encoder.encode(self)

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready builtins with the service's wire names (timestamps as ISO 8601 strings)."""
        data: dict[str, Any] = msgspec.to_builtins(self)
        return data


def decoder_for(cls: type[S]) -> msgspec.json.Decoder[S]:
    """A reusable decoder; building one per call costs more than the decode of a small page."""
    return msgspec.json.Decoder(cls)
