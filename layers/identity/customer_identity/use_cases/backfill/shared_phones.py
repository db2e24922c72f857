"""Phones shared by many people (a hostel's landline, a receptionist's mobile), held whole for review.

The planner takes out every phone whose rows carry at least ``SHARED_PHONE_NAMES`` distinct names
(folded as search folds them); two names stay one customer with a ``name_conflict`` item. Such a
phone becomes no customer: its rows and the bookings that name it (or one of its rows) are kept in
one review item, reason ``shared_phone`` (collection ``shared_phones``, keyed by the phone, so a
rerun adds nothing), and every one of those lines is reported ``review``. An admin resolves it
(``use_cases/admin/shared_phone_decisions.py``) as one customer with household members, or as
separate customers: one keeps the phone, the others keep their legacy ids, bookings and balances
without a phone.
"""

from __future__ import annotations

import json
from typing import Any

from customer_identity.core.clock import utc_now
from customer_identity.storage import keys
from customer_identity.storage.entities import ReviewItem
from customer_identity.use_cases.backfill.held_rows import without_secrets
from customer_identity.use_cases.backfill.outcomes import row_outcome
from customer_identity.use_cases.backfill.planner import Person

COLLECTION = "shared_phones"
REASON = "shared_phone"


def shared_entry(person: Person) -> dict[str, Any]:
    """What a chunk carries of a shared phone: its rows and bookings, each with its original line."""
    return {
        "phone": person.phone,
        "rows": [
            {
                "collection": row.collection,
                "line": row.line,
                "id": row.legacy_id,
                "name": row.fields.get("name"),
                "text": person.row_texts[(row.collection, row.line)],
            }
            for row in person.rows
        ],
        "bookings": [
            {"collection": "bookings", "line": b.line, "id": b.legacy_id, "text": person.booking_texts[b.line]}
            for b in person.bookings
        ],
    }


def shared_item(entry: dict[str, Any], run_id: str) -> ReviewItem:
    """The one review item of a shared phone (secret values removed from its lines)."""
    first = entry["rows"][0]
    names = sorted({row["name"] for row in entry["rows"] if row["name"]})
    row = {
        "phone": entry["phone"],
        "names": names,
        "rows": [dict(r, text=without_secrets(r["text"])) for r in entry["rows"]],
        "bookings": entry["bookings"],
    }
    return ReviewItem(
        *keys.review_key(COLLECTION, entry["phone"]),
        review_id=f"{COLLECTION}:{entry['phone']}",
        collection=COLLECTION,
        legacy_id=first["id"],
        line=int(first["line"]),
        reason=REASON,
        row=json.dumps(row, ensure_ascii=False),
        run_id=run_id,
        status="open",
        created_at=utc_now(),
    )


def shared_outcomes(entry: dict[str, Any]) -> list[dict[str, Any]]:
    """Every line of a shared phone is reported ``review``, reason ``shared_phone``."""
    return [row_outcome(row, "review", None, REASON) for row in (*entry["rows"], *entry["bookings"])]
