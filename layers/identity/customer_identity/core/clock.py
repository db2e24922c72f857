"""Time as the service writes it: ISO 8601 UTC with milliseconds and ``Z``, or epoch seconds."""

from __future__ import annotations

import time
from datetime import UTC, datetime


def utc_now() -> str:
    return datetime.now(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def epoch() -> float:
    return time.time()
