"""The write step's verbatim copies: every identity and booking row attached to a customer is kept
as it was (secrets removed), under that customer, so no field of an export is lost however much of
it the service maps (``GET /admin/customers/{ref}/legacy-records`` reads them back).

Each item's key is fixed by the customer, the row's collection and its legacy id, so the items go
out in ``BatchWriteItem`` batches: a resumed or repeated run writes the same items in place.
"""

from __future__ import annotations

from typing import Any

from customer_identity.core.clock import utc_now
from customer_identity.storage import keys
from customer_identity.storage.entities import LegacyRecordItem


def source_items(entry: dict[str, Any], run_id: str) -> list[LegacyRecordItem]:
    """The verbatim rows of one planned person (its identity rows, then its bookings)."""
    customer_id, now = entry["customer_id"], utc_now()
    rows = [(row["collection"], row) for row in entry["rows"]]
    rows += [("bookings", booking) for booking in entry["bookings"]]
    return [
        LegacyRecordItem(
            *keys.legacy_record_key(customer_id, collection, row["id"]),
            customer_id=customer_id,
            collection=collection,
            legacy_id=row["id"],
            line=int(row["line"]),
            row=row["text"],
            run_id=run_id,
            imported_at=now,
        )
        for collection, row in rows
        if row.get("id") and row.get("text") is not None
    ]
