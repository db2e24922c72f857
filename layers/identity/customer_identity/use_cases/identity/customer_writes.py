"""Replacing a customer item: one transaction, conditioned on the revision read.

A phone change moves the item to its new key and re-points the markers that follow the phone
(customer id, number, email: at most three, whatever the number of legacy ids); an email change
swaps the email marker; assigning a delivery person checks that the account is one.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

from boto3.dynamodb.conditions import Attr, ConditionBase

from customer_identity.core.clock import utc_now
from customer_identity.core.errors import EmailTaken, InvalidReference, PhoneTaken
from customer_identity.core.retry import LostRace
from customer_identity.storage import keys
from customer_identity.storage.entities import CustomerItem, TableItem
from customer_identity.storage.transactions import Transaction, TransactionCancelled
from customer_identity.use_cases.identity import households, markers, stats


def next_revision(current: CustomerItem) -> CustomerItem:
    """A copy of ``current`` to change, with the next revision and a fresh ``updated_at``."""
    updated = current.copy()
    assert isinstance(updated, CustomerItem)
    updated.revision = int(current.revision or 0) + 1
    updated.updated_at = utc_now()
    return updated


def update_values(after: CustomerItem, values: dict[str, Any]) -> tuple[dict[str, Any], tuple[str, ...]]:
    """``SET`` values and ``REMOVE`` names for a partial update that makes the customer ``after``.

    An ``UpdateItem`` does not derive index keys as a whole-item write does, so the keys ``after``'s
    fields give it are written with ``values`` (a customer given a login or an email leaves the
    audit's linkage indexes in the same write).
    """
    derived = after.derived_keys()
    present = {name: value for name, value in derived.items() if value is not None}
    return {**values, **present}, tuple(name for name, value in derived.items() if value is None)


def update_in(
    tx: Transaction, current: CustomerItem, values: dict[str, Any], *, condition: ConditionBase | None = None
) -> CustomerItem:
    """Add to ``tx`` an ``UpdateItem`` setting ``values`` on ``current`` (conditioned on its revision and
    ``condition``) with the index keys and the counter change it makes; the customer as it will be."""
    updated = current.copy()
    assert isinstance(updated, CustomerItem)
    for name, value in values.items():
        setattr(updated, name, value)
    updated.revision = int(current.revision or 0) + 1
    set_values, removed = update_values(updated, values)
    unchanged = Attr("revision").eq(current.revision)
    tx.update(
        "customer",
        keys.customer_key(current.home),
        set_values=set_values,
        add_values={"revision": 1},
        remove=removed,
        condition=unchanged if condition is None else unchanged & condition,
    )
    stats.record(tx, (current, updated))
    return updated


# What a move to another key (a phone change or release) records of the item it leaves (see
# ``CustomerItem.moved_from``).
MOVED_FIELDS = ("phone", "phone_raw", "name", "email", "status", "address", "area", "delivery_person_id", "notes")


def moved_from(current: CustomerItem, updated: CustomerItem) -> str:
    return json.dumps(
        {name: getattr(current, name) for name in MOVED_FIELDS if getattr(current, name) != getattr(updated, name)}
    )


def replace(current: CustomerItem, updated: CustomerItem, *, also: Sequence[TableItem] = ()) -> None:
    """Write ``updated`` over ``current``; :class:`LostRace` if ``current`` changed since it was read.

    ``also``: counted items written with it (each must not exist yet), such as a phone's history item."""
    unchanged = Attr("revision").eq(current.revision)
    email_changed = updated.email != current.email
    tx = Transaction()
    if updated.delivery_person_id and updated.delivery_person_id != current.delivery_person_id:
        tx.check(
            "delivery_person", keys.staff_key(updated.delivery_person_id), condition=Attr("role").eq("delivery_person")
        )
    if updated.marketing_person_id and updated.marketing_person_id != current.marketing_person_id:
        tx.check(
            "marketing_person",
            keys.staff_key(updated.marketing_person_id),
            condition=Attr("role").eq("marketing_staff"),
        )
    if updated.home != current.home:
        updated.moved_from = moved_from(current, updated)
        tx.delete("customer", keys.customer_key(current.home), condition=unchanged)
        tx.put("new_phone", updated, condition=Attr("pk").not_exists())
        for kind, key in markers.marker_keys(current):
            if kind in markers.FOLLOW_PHONE and not (kind == "email" and email_changed):
                tx.update(
                    kind,
                    key,
                    set_values={"phone": updated.home},
                    condition=markers.names_customer(current.customer_id),
                )
    else:
        tx.put("customer", updated, condition=unchanged)
    if email_changed:
        if current.email:
            tx.delete("old_email", keys.email_key(current.email), condition=markers.names_customer(current.customer_id))
        if updated.email:
            markers.put_new(tx, updated, {"email"}, labels={"email": "new_email"})
    for index, item in enumerate(also):
        tx.put(f"also:{index}", item, condition=Attr("pk").not_exists())
    if updated.members != current.members:
        households.index_members(tx, current, updated)
    stats.record(tx, (current, updated), *((None, item) for item in also))
    try:
        tx.commit()
    except TransactionCancelled as cancelled:
        if cancelled.failed("new_phone"):
            raise PhoneTaken() from cancelled
        if cancelled.failed("new_email"):
            raise EmailTaken() from cancelled
        if cancelled.failed("marketing_person"):
            raise InvalidReference(
                f"{updated.marketing_person_id!r} is not a marketing staff account id", field="marketing_person_id"
            ) from cancelled
        if cancelled.failed("delivery_person"):
            raise InvalidReference(
                f"{updated.delivery_person_id!r} is not a delivery person's account id", field="delivery_person_id"
            ) from cancelled
        raise LostRace from cancelled  # the customer changed under us: read it again and reapply
