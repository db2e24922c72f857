"""The backfill's automatic merges, recorded like admin merges: one record per founded customer
that two or more legacy rows joined into (kind ``backfill``, the rows' legacy ids), listed with
``GET /admin/merges``. Not undoable: there is no earlier customer to restore."""

from __future__ import annotations

from typing import Any

from customer_identity.storage import keys
from customer_identity.storage.entities import MergeItem, MergeLinkItem, TableItem

BACKFILL_MERGE_PREFIX = "mrg_bf_"


def merge_items(entry: dict[str, Any], run_id: str) -> list[TableItem]:
    """The record of the rows that joined into one founded customer (none for a single row)."""
    if len(entry["rows"]) < 2:
        return []
    customer_id = entry["customer_id"]
    merge_id = f"{BACKFILL_MERGE_PREFIX}{customer_id.removeprefix('cus_')}"
    created_at = entry["created_at"]  # deterministic, so a rerun rewrites the same link
    record = MergeItem(
        *keys.merge_key(merge_id),
        merge_id=merge_id,
        kind="backfill",
        state="completed",
        survivor_id=customer_id,
        survivor_number=entry["number"],
        survivor_phone=entry["phone"],
        moved_bookings=len(entry["bookings"]),
        moved_back=0,
        aliases=len(entry["rows"]),
        legacy_ids={row["id"] for row in entry["rows"] if row["id"]} or None,
        created_at=created_at,
        created_by=f"backfill:{run_id}",
        completed_at=created_at,
    )
    link = MergeLinkItem(*keys.merge_link_key(customer_id, created_at, merge_id), merge_id=merge_id, role="survivor")
    return [record, link]
