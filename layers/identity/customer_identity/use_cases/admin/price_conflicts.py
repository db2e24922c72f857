"""Custom prices two merged customers disagree on: the survivor keeps its own, a person decides.

A merge never changes the survivor's ``custom_product_prices``; the merged customer's item keeps its
own (an undo restores it as it was). When the two differ on any product (a different price, or a
price only one of them has), the merge's start transaction also writes a review item, reason
``price_conflict``, naming every differing product with both prices; an undo of that merge
dismisses the item if it is still open (the prices are two customers' again).
"""

from __future__ import annotations

import json
from decimal import Decimal

from boto3.dynamodb.conditions import Attr

from customer_identity.core.clock import utc_now
from customer_identity.storage import keys, table
from customer_identity.storage.entities import CustomerItem, ReviewItem
from customer_identity.storage.transactions import Transaction

COLLECTION = "price_conflicts"
REASON = "price_conflict"
UNDONE_NOTE = "the merge was undone: each customer has its own prices again"


def differing_products(survivor: CustomerItem, merged: CustomerItem) -> list[dict[str, str | None]]:
    """Every product whose price differs between the two, in product order (``None``: no price)."""
    kept, other = _prices(survivor), _prices(merged)
    return [
        {"product_id": product, "survivor_price": _text(kept.get(product)), "merged_price": _text(other.get(product))}
        for product in sorted(set(kept) | set(other))
        if kept.get(product) != other.get(product)
    ]


def conflict_item(survivor: CustomerItem, merged: CustomerItem, merge_id: str, now: str) -> ReviewItem | None:
    """The review item a merge writes when the two customers' prices differ; None if they agree."""
    products = differing_products(survivor, merged)
    if not products:
        return None
    row = {
        "merge_id": merge_id,
        "survivor_id": survivor.customer_id,
        "merged_id": merged.customer_id,
        "products": products,
    }
    return ReviewItem(
        *keys.review_key(COLLECTION, merge_id),
        review_id=f"{COLLECTION}:{merge_id}",
        collection=COLLECTION,
        legacy_id=None,
        line=0,
        reason=REASON,
        row=json.dumps(row, ensure_ascii=False),
        run_id=merge_id,
        status="open",
        created_at=now,
        customer_id=survivor.customer_id,
    )


def withdraw_on_undo(tx: Transaction, merge_id: str, by: str) -> tuple[ReviewItem, ReviewItem] | None:
    """Add to an undo's transaction the dismissal of the merge's price conflict, if it is still open;
    the ``(before, after)`` pair for the caller's counter changes."""
    item = table.get(ReviewItem, keys.review_key(COLLECTION, merge_id))
    if item is None or item.status != "open":
        return None
    after = item.copy()
    assert isinstance(after, ReviewItem)
    after.status, after.action, after.note = "dismissed", "dismiss", UNDONE_NOTE
    after.resolved_by, after.resolved_at = by, utc_now()
    tx.put("price_conflict", after, condition=Attr("status").eq("open"))
    return item, after


def _prices(customer: CustomerItem) -> dict[str, Decimal]:
    stored = json.loads(customer.custom_product_prices or "{}")
    return {product: Decimal(price) for product, price in stored.items()}


def _text(price: Decimal | None) -> str | None:
    return None if price is None else str(price.quantize(Decimal("0.01")))
