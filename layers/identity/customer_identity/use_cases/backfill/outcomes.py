"""What the write step reports about a chunk: the outcome of each row, and each conflict found."""

from __future__ import annotations

from typing import Any


def row_outcome(
    row: dict[str, Any], outcome: str, customer_id: str | None, reason: str | None = None
) -> dict[str, Any]:
    return {
        "collection": row["collection"],
        "line": row["line"],
        "id": row.get("id"),
        "outcome": outcome,
        "customer_id": customer_id,
        "reason": reason,
    }


def conflict(phone: str, field: str, kept: Any, others: list[Any], *, reason: str | None = None) -> dict[str, Any]:
    """A conflict for the report: the value kept and the ones that were not."""
    found = {"phone": phone, "field": field, "kept": kept, "others": others}
    return found | {"reason": reason} if reason else found
