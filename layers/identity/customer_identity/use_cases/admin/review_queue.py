"""The review queue: legacy rows the backfill held, listed oldest first through an index.

A review id is ``<collection>:<legacy id>`` (or ``<collection>:line:<n>`` for a row without one), as
the backfill wrote it. Listing is read-only; resolving is :mod:`.review_decisions`.
"""

from __future__ import annotations

import json

from customer_identity.core.errors import ReviewNotFound
from customer_identity.core.models.review import ReviewEntry, ReviewPage, ReviewResolution
from customer_identity.storage import keys, queries, table
from customer_identity.storage.entities import ReviewItem
from customer_identity.use_cases.admin import price_conflicts
from customer_identity.use_cases.backfill import name_conflicts, opening_balances, shared_phones
from customer_identity.use_cases.backfill.records import COLLECTIONS
from customer_identity.use_cases.identity.listing import check_limit
from customer_identity.use_cases.sign_in import recycling

MAX_REVIEW_ID_LENGTH = 300
# Review items that are no one legacy row: a customer's name conflict, a phone of many names, a
# phone that went to a new person (the recycling guard), two merged customers' differing prices.
HELD_WHOLE = (
    name_conflicts.COLLECTION,
    opening_balances.COLLECTION,
    shared_phones.COLLECTION,
    recycling.REVIEW_COLLECTION,
    price_conflicts.COLLECTION,
)
DEFAULT_STATUS = "open"


def load(review_id: str) -> ReviewItem:
    """The review item ``review_id`` names (strongly consistent), or :class:`ReviewNotFound`."""
    collection, _, reference = review_id.partition(":")
    if collection not in (*COLLECTIONS, *HELD_WHOLE) or not reference or len(review_id) > MAX_REVIEW_ID_LENGTH:
        raise ReviewNotFound(review_id)
    item = table.get(ReviewItem, keys.review_key(collection, reference))
    if item is None:
        raise ReviewNotFound(review_id)
    return item


def entry(item: ReviewItem) -> ReviewEntry:
    """What the API shows of a review item (never its ``source_line``)."""
    try:
        row = json.loads(item.row)
    except ValueError:
        row = item.row
    resolution = None
    if item.status != "open" and item.action:
        resolution = ReviewResolution(
            action=item.action,  # type: ignore[arg-type]
            customer_id=item.customer_id,
            note=item.note,
            by=item.resolved_by or "",
            at=item.resolved_at or "",
        )
    return ReviewEntry(
        review_id=item.review_id,
        collection=item.collection,  # type: ignore[arg-type]
        legacy_id=item.legacy_id,
        line=int(item.line),
        reason=item.reason,
        row=row if isinstance(row, dict) else item.row,
        created_at=item.created_at,
        status=item.status,  # type: ignore[arg-type]
        run_id=item.run_id,
        resolution=resolution,
    )


class ReviewQueue:
    def page(
        self,
        *,
        status: str = DEFAULT_STATUS,
        collection: str | None = None,
        reason: str | None = None,
        limit: int,
        cursor: str | None,
    ) -> ReviewPage:
        """One index query; every combination of the filters has its own index key (no filtering)."""
        check_limit(limit)
        query = keys.review_query(status=status, collection=collection, reason=reason)
        items, next_cursor = queries.reviews_page(query, limit=limit, cursor=cursor)
        return ReviewPage(items=[entry(item) for item in items], next_cursor=next_cursor)
