"""Writing the persons the plan numbered, as new customers, idempotently.

A new person: one transaction creates the customer (with its number, login, profile and final
totals) and its unique markers (id, number, email); then its legacy-id markers and booking refs,
whose content is fixed by their deterministic keys, go out in ``BatchWriteItem``s, and its bookings
in conditional transactions of up to 99 (each put unless it exists) that also carry their dashboard
counter change. Meeting a customer this run created before (a resumed run) re-applies those writes;
what exists already is neither written nor counted again. :func:`create_group` writes the first
transaction; the write step puts the :func:`fixed_items` in batches and the bookings
(:func:`booking_item`) with :func:`.conditional_puts.put_once`. A phone the API gave a customer
since the plan is left to be linked to it instead (:mod:`.linking`), its reserved number unused and
reported as a conflict.

The automatic merges: a customer founded from two or more legacy rows gets a merge record (kind
``backfill``, the rows' ids) and its link in the customer's collection, in the same batches as its
legacy markers; id, key and content are deterministic, so a rerun rewrites the same items.
"""

from __future__ import annotations

import json
from decimal import Decimal
from typing import Any

from boto3.dynamodb.conditions import Attr

from customer_identity.core.clock import utc_now
from customer_identity.storage import keys
from customer_identity.storage.entities import AliasItem, BookingItem, BookingRefItem, CustomerItem, TableItem
from customer_identity.storage.transactions import Transaction, TransactionCancelled
from customer_identity.use_cases.backfill.conditional_puts import back_off
from customer_identity.use_cases.backfill.merge_records import merge_items
from customer_identity.use_cases.backfill.outcomes import conflict
from customer_identity.use_cases.backfill.planning import booking_id_for
from customer_identity.use_cases.backfill.records import IMPORTED_PROFILE_FIELDS
from customer_identity.use_cases.identity import markers, profile_fields, stats

PERSONS_PER_TRANSACTION = 24  # 4 items each at most, and one counter shard: one TransactWriteItems holds 100


def create_group(
    group: list[dict[str, Any]], run_id: str
) -> tuple[list[dict[str, Any]], dict[str, CustomerItem | None]]:
    """Create the customers of ``group`` (each with its id, number and email markers) in as few
    transactions as their conditions allow; (conflicts, {phone: the customer it already had})."""
    conflicts: list[dict[str, Any]] = []
    linked: dict[str, CustomerItem | None] = {}
    pending = {entry["phone"]: _customer_item(entry, run_id) for entry in group}
    conflicted = 0
    while pending:
        tx = Transaction()
        for index, customer in enumerate(pending.values()):
            tx.put(f"customer:{index}", customer, condition=Attr("pk").not_exists())
            kinds = {"customer_id", "customer_number", "email"}
            markers.put_new(tx, customer, kinds, labels={kind: f"{kind}:{index}" for kind in kinds})
        stats.record(tx, *((None, customer) for customer in pending.values()))
        try:
            tx.commit()
            return conflicts, linked
        except TransactionCancelled as cancelled:
            for index, (phone, customer) in enumerate(list(pending.items())):
                if cancelled.failed(f"customer:{index}"):
                    del pending[phone]
                    found = cancelled.old_item(f"customer:{index}", CustomerItem)
                    if found is not None and found.backfill_run != run_id:  # the API created it meanwhile
                        linked[phone] = found
                        conflicts.append(
                            conflict(phone, "customer_number", found.customer_number, [customer.customer_number])
                        )
                elif cancelled.failed(f"email:{index}"):
                    conflicts.append(conflict(phone, "email", None, [customer.email], reason="email_taken"))
                    customer.email = None
                elif any(cancelled.failed(f"{kind}:{index}") for kind in ("customer_id", "customer_number")):
                    raise  # a number or id of this run taken by someone else: never expected
            if not any(reason.get("Code") == "ConditionalCheckFailed" for reason in cancelled.reasons.values()):
                conflicted = back_off(conflicted, cancelled)  # transactions in flight on the same items
    return conflicts, linked


def fixed_items(entry: dict[str, Any], run_id: str) -> list[TableItem]:
    """The legacy-id markers, booking refs and merge record of a customer this run creates (fixed by
    their keys)."""
    return [*_legacy_markers(entry, entry["customer_id"]), *_booking_refs(entry), *merge_items(entry, run_id)]


def _customer_item(entry: dict[str, Any], run_id: str) -> CustomerItem:
    fields, now = entry["fields"], utc_now()
    bookings = [b for b in entry["bookings"] if b["status"] != "cancelled"]
    prices = fields.get("custom_product_prices")
    return CustomerItem(
        customer_id=entry["customer_id"],
        customer_number=entry["number"],
        phone=entry["phone"],
        name=fields.get("name"),
        email=entry["email"],
        status=fields.get("status") or "active",
        address=fields.get("address"),
        area=fields.get("area"),
        delivery_person_id=fields.get("delivery_person_id"),
        legacy_ids={row["id"] for row in entry["rows"]} or None,
        total_bookings=len(bookings),
        total_spent=sum((Decimal(b["amount"]) for b in bookings), Decimal("0.00")),
        previous_balance=Decimal(fields["previous_balance"]) if fields.get("previous_balance") else None,
        custom_product_prices=json.dumps(prices, sort_keys=True, default=str) if prices else None,
        notes=fields.get("notes"),
        **{name: profile_fields.stored(name, fields.get(name)) for name in IMPORTED_PROFILE_FIELDS},
        password_hash=entry["password_hash"],
        password_changed_at=now if entry["password_hash"] else None,
        backfill_run=run_id,
        created_at=entry["created_at"],
        updated_at=now,
        revision=1,
    )


def _legacy_markers(entry: dict[str, Any], customer_id: str) -> list[TableItem]:
    return [
        AliasItem(
            *keys.legacy_key(row["id"]),
            kind="legacy_id",
            customer_id=customer_id,
            phone=entry["phone"],
            created_at=entry["created_at"],
        )
        for row in entry["rows"]
    ]


def _booking_refs(entry: dict[str, Any]) -> list[TableItem]:
    refs: list[TableItem] = []
    for booking in entry["bookings"]:
        item = booking_item(entry, booking)
        refs.append(
            BookingRefItem(*keys.booking_ref_key(item.booking_id), customer_id=entry["customer_id"], booking_sk=item.sk)
        )
    return refs


def booking_item(entry: dict[str, Any], booking: dict[str, Any]) -> BookingItem:
    booking_id = booking_id_for(booking["id"])
    created_at = booking["time"] or entry["created_at"]
    return BookingItem(
        *keys.booking_key(entry["customer_id"], created_at, booking_id),
        booking_id=booking_id,
        customer_id=entry["customer_id"],
        service=booking["service"],
        amount=Decimal(booking["amount"]),
        status=booking["status"],
        notes=f"legacy booking {booking['id']}",
        created_at=created_at,
        updated_at=created_at,
    )
