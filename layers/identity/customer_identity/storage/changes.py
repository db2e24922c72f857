"""The table's stream records as item changes: the only code that reads a stream image.

A record is one committed change of one item (DynamoDB Streams, ``NEW_AND_OLD_IMAGES``): its old
and new image, in DynamoDB JSON, as Lambda delivers it and as the local server's poller rebuilds it
from ``GetRecords``. Items this code does not model (idempotency records, counters' reservations,
codes...) are read as ``None``.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from customer_identity.storage.entities import TableItem

# The item kinds change events are made from; any other item reads as None.
FOLLOWED = frozenset({"customer", "booking", "backfill_run", "ledger_entry"})


@dataclass(frozen=True)
class Change:
    sequence: str  # the record's SequenceNumber: grows with each change of one item, same on redelivery
    old: TableItem | None
    new: TableItem | None
    approximate_time: str  # when DynamoDB wrote the record (ISO 8601, UTC)


def item_of(image: dict[str, Any] | None) -> TableItem | None:
    if not image or image.get("entity", {}).get("S") not in FOLLOWED:
        return None
    return TableItem.from_raw_data(image)


def change_of(record: dict[str, Any]) -> Change:
    """The change one stream record describes (a Lambda ``Records[]`` entry)."""
    body = record["dynamodb"]
    seconds = float(body.get("ApproximateCreationDateTime") or 0)
    return Change(
        sequence=body["SequenceNumber"],
        old=item_of(body.get("OldImage")),
        new=item_of(body.get("NewImage")),
        approximate_time=datetime.fromtimestamp(seconds, UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z"),
    )
