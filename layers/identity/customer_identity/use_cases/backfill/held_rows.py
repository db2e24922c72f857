"""The review items of held rows: the rows the plan could not apply, kept for an admin to decide.

Each is keyed by its collection and legacy id (or line), and the write step puts it with
:func:`.conditional_puts.put_once`, so a rerun leaves it, and any review decision, alone. The
values of secret fields are removed from the row as listed; a line that had some is also kept as it
was (never listed), for attaching.
"""

from __future__ import annotations

import json
from typing import Any

from customer_identity.core.clock import utc_now
from customer_identity.storage import keys
from customer_identity.storage.entities import ReviewItem

SECRET_FIELDS = ("password_hash", "password", "passwordHash")
REMOVED = "[removed]"


def review_item(held: dict[str, Any], run_id: str) -> ReviewItem:
    reference = held["id"] or f"line:{held['line']}"
    row = without_secrets(held["text"])
    return ReviewItem(
        *keys.review_key(held["collection"], reference),
        review_id=f"{held['collection']}:{reference}",
        collection=held["collection"],
        legacy_id=held["id"],
        line=held["line"],
        reason=held["reason"],
        row=row,
        source_line=held["text"] if row != held["text"] else None,  # what attaching needs: never listed
        run_id=run_id,
        status="open",
        created_at=utc_now(),
    )


def without_secrets(text: str) -> str:
    """``text`` with the values of secret fields replaced by ``[removed]`` (unchanged if it has none)."""
    try:
        row = json.loads(text)
    except ValueError:
        return text
    if isinstance(row, dict) and any(name in row for name in SECRET_FIELDS):
        for name in SECRET_FIELDS:
            if name in row:
                row[name] = REMOVED
        return json.dumps(row, ensure_ascii=False)
    return text
