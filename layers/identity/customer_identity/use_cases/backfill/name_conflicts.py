"""Name conflicts the backfill found, kept as review items so they stay visible until decided.

When the rows that became one customer carry different names, the backfill keeps one (the oldest
row's, or the name the customer already had) and reports the others. Each such customer gets one
review item, reason ``name_conflict`` (collection ``name_conflicts``, keyed by the customer id, so a
rerun finds it and adds nothing), counted in ``review.open#name_conflict`` and so in the linkage
audit. An admin decides it in the review queue: change the name with ``PATCH /customers/{ref}`` if
another is right, then dismiss the item (it cannot be attached: its rows are already the customer's).
"""

from __future__ import annotations

import json
from typing import Any

from customer_identity.core.clock import utc_now
from customer_identity.storage import keys
from customer_identity.storage.entities import ReviewItem

COLLECTION = "name_conflicts"
REASON = "name_conflict"


def name_conflict_item(entry: dict[str, Any], conflicts: list[dict[str, Any]], run_id: str) -> ReviewItem | None:
    """The review item of ``entry``'s name conflicts (None when its names agree)."""
    names = [conflict for conflict in conflicts if conflict.get("field") == "name"]
    if not names or not entry.get("customer_id"):
        return None
    customer_id = entry["customer_id"]
    others = sorted({str(other) for conflict in names for other in conflict.get("others", [])})
    first = entry["rows"][0] if entry.get("rows") else {}
    row = {
        "customer_id": customer_id,
        "kept": names[0].get("kept"),
        "others": others,
        "rows": [{"collection": r["collection"], "line": r["line"], "id": r["id"]} for r in entry.get("rows", [])],
    }
    return ReviewItem(
        *keys.review_key(COLLECTION, customer_id),
        review_id=f"{COLLECTION}:{customer_id}",
        collection=COLLECTION,
        legacy_id=first.get("id"),
        line=int(first.get("line") or 0),
        reason=REASON,
        row=json.dumps(row, ensure_ascii=False),
        run_id=run_id,
        status="open",
        created_at=utc_now(),
    )
