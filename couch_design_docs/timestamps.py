"""The contract's ``Timestamp``: ISO 8601 in UTC with a ``Z`` (``2026-11-28T12:00:00.000Z``).

Every service writes and reads document timestamps through these, so they sort as strings
and parse the same everywhere.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Literal

Precision = Literal["seconds", "milliseconds"]


def utcnow() -> datetime:
    return datetime.now(UTC)


def to_timestamp(moment: datetime, timespec: Precision = "milliseconds") -> str:
    return moment.astimezone(UTC).isoformat(timespec=timespec).replace("+00:00", "Z")


def now_timestamp(timespec: Precision = "milliseconds") -> str:
    return to_timestamp(utcnow(), timespec)


def parse_timestamp(text: str | None) -> datetime | None:
    """The moment a timestamp names (a naive one is taken as UTC); None for none."""
    if not text:
        return None
    moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)
