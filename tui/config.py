"""Run-time settings, from the command line and the environment. No I/O beyond reading os.environ."""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

DEFAULT_REGION = "us-east-1"


@dataclass(frozen=True)
class Budget:
    """How much of the partner account's shared read quota pcwatch may spend."""

    #: Sustained calls per second (the account allows 10/s for everything the partner runs).
    rate_per_second: float = 1.0
    #: Calls per rolling 24 h (the account allows 100,000; the default is 10 % of that).
    daily_calls: int = 10_000
    #: Calls that may be spent at once above the sustained rate.
    burst: int = 10


@dataclass(frozen=True)
class Settings:
    catalog: str = "Sandbox"
    profile: str | None = None
    region: str = DEFAULT_REGION
    endpoint_url: str | None = None
    demo: bool = False
    journal_path: Path | None = None
    no_journal: bool = False
    read_only: bool = False
    budget: Budget = field(default_factory=Budget)
    #: Seconds between polls while tasks are active, and while none are.
    fast_interval: float = 5.0
    slow_interval: float = 60.0


def env_default(name: str, default: str | None = None) -> str | None:
    value = os.environ.get(name)
    return value if value else default
