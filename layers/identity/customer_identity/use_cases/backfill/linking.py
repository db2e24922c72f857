"""Linking a person whose phone already had a customer (one that existed before the run).

Conditional writes only: legacy markers unless taken, fields the customer lacks, each booking once
(the booking, its ref and the totals in one transaction, conditioned on the booking not existing),
so rerunning changes nothing.
"""

from __future__ import annotations

import json
from decimal import Decimal
from typing import Any

from boto3.dynamodb.conditions import Attr
from pynamodb.exceptions import PutError

from customer_identity.core.clock import utc_now
from customer_identity.storage import keys, table
from customer_identity.storage.entities import AliasItem, BookingRefItem, CustomerItem
from customer_identity.storage.transactions import Transaction, TransactionCancelled
from customer_identity.use_cases.backfill.conditional_puts import back_off
from customer_identity.use_cases.backfill.new_customers import booking_item
from customer_identity.use_cases.backfill.outcomes import conflict
from customer_identity.use_cases.backfill.records import IMPORTED_PROFILE_FIELDS
from customer_identity.use_cases.identity import customer_writes, markers, profile_fields, stats


def link(entry: dict[str, Any]) -> list[dict[str, Any]]:
    current = table.get(CustomerItem, keys.phone_key(entry["phone"]))
    if current is None:
        return [conflict(entry["phone"], "customer", None, [], reason="customer_gone")]
    conflicts = []
    customer_id = current.customer_id
    for row in entry["rows"]:
        try:
            AliasItem(
                *keys.legacy_key(row["id"]),
                kind="legacy_id",
                customer_id=customer_id,
                phone=current.home,
                created_at=utc_now(),
            ).save(condition=AliasItem.pk.does_not_exist() | (AliasItem.customer_id == customer_id))
        except PutError as error:
            if not table.condition_failed(error):
                raise
            conflicts.append(conflict(entry["phone"], "legacy_id", None, [row["id"]], reason="legacy_id_taken"))
    filled, found = _fill(entry, current)
    conflicts += found
    if filled is None:
        return [*conflicts, conflict(entry["phone"], "customer", None, [], reason="customer_gone")]
    if entry["email"] and not filled.email:
        conflicts += _link_email(filled, entry["email"])
    for booking in entry["bookings"]:
        _book_once(dict(entry, customer_id=customer_id), filled, booking)
    return conflicts


def _fill(entry: dict[str, Any], current: CustomerItem) -> tuple[CustomerItem | None, list[dict[str, Any]]]:
    """Add the legacy ids and set the fields ``current`` lacks, conditioned on its revision and with
    the counter change (an area, a password); (the customer as written or None if its phone moved to
    another customer meanwhile, the fields that differ)."""
    conflicted = 0
    while True:
        conflicts, values = [], {}
        for name, value in fillable(entry).items():
            existing = getattr(current, name)
            if existing is None:
                values[name] = value
            elif name != "password_hash" and not same_value(existing, value):  # a hash never goes into a report
                conflicts.append(conflict(entry["phone"], name, str(existing), [str(value)]))
        legacy_ids = set(current.legacy_ids or ()) | {row["id"] for row in entry["rows"]}
        if legacy_ids != set(current.legacy_ids or ()):
            values["legacy_ids"] = legacy_ids
        if not values:
            return current, conflicts
        tx = Transaction()
        updated = customer_writes.update_in(tx, current, values)
        try:
            tx.commit()
            return updated, conflicts
        except TransactionCancelled as cancelled:
            if not cancelled.failed("customer"):
                conflicted = back_off(conflicted, cancelled)
                continue
            again = table.get(CustomerItem, keys.customer_key(current.home))
            if again is None or again.customer_id != current.customer_id:
                return None, conflicts
            current = again  # changed meanwhile (an API write): decide again on what it is now


def same_value(stored: Any, planned: Any) -> bool:
    """Equal as the customer would see them (DynamoDB keeps ``144.80`` as ``144.8``)."""
    if isinstance(stored, Decimal) or isinstance(planned, Decimal):
        return Decimal(str(stored)) == Decimal(str(planned))
    return str(stored) == str(planned)


def fillable(entry: dict[str, Any]) -> dict[str, Any]:
    fields = entry["fields"]
    values: dict[str, Any] = {
        name: fields.get(name) for name in ("name", "address", "area", "delivery_person_id", "notes")
    }
    if fields.get("previous_balance"):
        values["previous_balance"] = Decimal(fields["previous_balance"])
    if fields.get("custom_product_prices"):
        values["custom_product_prices"] = json.dumps(fields["custom_product_prices"], sort_keys=True, default=str)
    for name in IMPORTED_PROFILE_FIELDS:
        values[name] = profile_fields.stored(name, fields.get(name))
    values["password_hash"] = entry["password_hash"]
    return {name: value for name, value in values.items() if value is not None}


def _link_email(current: CustomerItem, email: str) -> list[dict[str, Any]]:
    conflicted = 0
    while True:
        tx = Transaction()
        customer_writes.update_in(tx, current, {"email": email}, condition=Attr("email").not_exists())
        tx.put(
            "email",
            markers.marker(keys.email_key(email), kind="email", customer=current),
            condition=Attr("pk").not_exists(),
        )
        try:
            tx.commit()
            return []
        except TransactionCancelled as cancelled:
            again = (
                table.get(CustomerItem, keys.customer_key(current.home)) if cancelled.failed("customer") else current
            )
            if cancelled.failed("email") or again is None or again.customer_id != current.customer_id or again.email:
                return [conflict(current.phone, "email", again.email if again else None, [email], reason="email_taken")]
            if again is current:
                conflicted = back_off(conflicted, cancelled)
            current = again


def _book_once(entry: dict[str, Any], current: CustomerItem, booking: dict[str, Any]) -> None:
    item = booking_item(entry, booking)
    conflicted = 0
    while True:
        tx = Transaction()
        tx.put("booking", item, condition=Attr("pk").not_exists())
        ref = BookingRefItem(
            *keys.booking_ref_key(item.booking_id), customer_id=current.customer_id, booking_sk=item.sk
        )
        tx.put("booking_ref", ref, condition=Attr("pk").not_exists())
        if booking["status"] != "cancelled":
            tx.update(
                "customer",
                keys.customer_key(current.home),
                add_values={"total_bookings": 1, "total_spent": Decimal(booking["amount"]), "revision": 1},
                condition=markers.names_customer(current.customer_id),
            )
        stats.record(tx, (None, item))
        try:
            tx.commit()
            return
        except TransactionCancelled as cancelled:
            if cancelled.failed("booking") or cancelled.failed("booking_ref"):
                return  # already booked by an earlier run: nothing to do
            if cancelled.failed("customer"):
                raise
            conflicted = back_off(conflicted, cancelled)
