"""Resolving a ``shared_phone`` review item (a legacy phone whose rows carry many names), both ways:

* ``household``: one customer on the phone, named after the keeper's row (default: the oldest), with
  every row's legacy id, every booking, the balance carried over summed over the rows, and each other
  name as a household member;
* ``separate``: one customer per distinct name (folded as search folds names): the keeper's keeps the
  phone; the others have none (they live under their customer id and are reached by their number, id
  and legacy ids), each with its rows' legacy ids, the bookings that name one of its rows (a booking
  naming the phone goes to the keeper) and its rows' balance carried over.

One transaction: the review item leaves ``open`` (so of two concurrent decisions one wins, the other
is 409), the customers are put with their id, number and legacy-id markers, their numbers taken from
the counter as read (gap-free; a moved counter is read again), their bookings and booking refs put,
and the counters moved. A phone that gained a customer since the backfill is 409 ``phone_taken``.
"""

from __future__ import annotations

import json
import uuid
from decimal import Decimal
from typing import Any

from boto3.dynamodb.conditions import Attr

from customer_identity.core.clock import utc_now
from customer_identity.core.errors import InvalidInput, LegacyIdTaken, PhoneTaken, ReviewAlreadyResolved
from customer_identity.core.folding import fold
from customer_identity.core.models.review import ReviewDecision, ReviewOutcome
from customer_identity.core.retry import LostRace
from customer_identity.core.settings import Settings
from customer_identity.storage import counter, keys
from customer_identity.storage.entities import BookingItem, BookingRefItem, CustomerItem, ReviewItem, TableItem
from customer_identity.storage.transactions import Transaction, TransactionCancelled
from customer_identity.use_cases.admin import review_queue
from customer_identity.use_cases.backfill.extjson import parse_line
from customer_identity.use_cases.backfill.new_customers import booking_item
from customer_identity.use_cases.backfill.planning import iso_time
from customer_identity.use_cases.backfill.records import Booking, Identity, read_row
from customer_identity.use_cases.identity import households, markers, stats
from customer_identity.use_cases.identity.households import new_member_id
from customer_identity.use_cases.identity.phones import looks_like_phone
from customer_identity.use_cases.identity.resolution import CUSTOMER_ID_PREFIX
from customer_identity.use_cases.identity.views import Views

MAX_ITEMS = 99  # one TransactWriteItems, with the counter shard


def decide(item: ReviewItem, decision: ReviewDecision, *, by: str, settings: Settings, views: Views) -> ReviewOutcome:
    """Resolve the shared phone ``item`` as ``decision.action`` says; :class:`LostRace` if the counter moved."""
    held = json.loads(item.row)
    rows = [_identity(row, settings) for row in held["rows"]]
    groups = _groups(rows)
    keeper = _keeper(rows, groups, decision.keeper)
    ordered = [keeper, *[name for name in groups if name != keeper]]
    bookings = [_booking(b, settings) for b in held["bookings"]]
    owner = {row.legacy_id: name for name, members in groups.items() for row in members}

    def booking_group(booking: Booking) -> str:
        return keeper if looks_like_phone(booking.reference) else owner.get(booking.reference, keeper)

    if decision.action == "household":
        plans = [(keeper, rows, bookings, list(ordered[1:]))]
    else:
        plans = [(name, groups[name], [b for b in bookings if booking_group(b) == name], []) for name in ordered]
    current = counter.read()
    first = int(current.next_number) if current else settings.customer_number_start
    now = utc_now()
    created: list[CustomerItem] = []
    puts: list[tuple[str, TableItem]] = []
    for rank, (_, members_rows, its_bookings, members) in enumerate(plans):
        customer = _customer(
            held["phone"] if rank == 0 else None, first + rank, members_rows, its_bookings, members, groups, now
        )
        created.append(customer)
        entry = {"customer_id": customer.customer_id, "created_at": customer.created_at}
        for booking in its_bookings:
            planned = {
                "id": booking.legacy_id,
                "time": iso_time(booking.time) if booking.time else None,
                "service": booking.service,
                "amount": str(booking.amount),
                "status": booking.status,
            }
            stored = booking_item(entry, planned)
            puts.append(("booking", stored))
            puts.append(("booking_ref", _ref(stored)))
    after = _resolved(item, decision, by=by, customer_id=created[0].customer_id)
    tx = Transaction()
    tx.put("review", after, condition=Attr("status").eq("open"))
    counter.issue_as_read(tx, current, first, len(created))
    for index, customer in enumerate(created):
        tx.put(f"customer:{index}", customer, condition=Attr("pk").not_exists())
        kinds = {"customer_id", "customer_number"}
        markers.put_new(tx, customer, kinds, labels={kind: f"{kind}:{index}" for kind in kinds})
        for kind, key in markers.marker_keys(customer):
            if kind == "legacy_id":
                marker = markers.marker(key, kind=kind, customer=customer)
                tx.put(f"legacy_id:{key[0]}", marker, condition=Attr("pk").not_exists())
        households.index_members(tx, None, customer)
    for index, (label, stored_item) in enumerate(puts):
        tx.put(f"{label}:{index}", stored_item, condition=Attr("pk").not_exists())
    if len(tx) > MAX_ITEMS:
        raise InvalidInput(
            f"this phone's rows and bookings need {len(tx)} writes, more than one transaction holds: resolve "
            "its rows one by one",
            field="action",
            code="too_many_rows",
        )
    stats.record(
        tx,
        (item, after),
        *((None, customer) for customer in created),
        *((None, stored_item) for label, stored_item in puts if isinstance(stored_item, BookingItem)),
    )
    try:
        tx.commit()
    except TransactionCancelled as cancelled:
        if cancelled.failed("review"):
            now_item = cancelled.old_item("review", ReviewItem)
            raise ReviewAlreadyResolved(item.review_id, now_item.status if now_item else "gone") from cancelled
        if cancelled.failed("customer:0"):
            raise PhoneTaken() from cancelled
        taken = [
            label for label in cancelled.reasons if str(label).startswith("legacy_id:") and cancelled.failed(label)
        ]
        if taken:
            raise LegacyIdTaken(str(taken[0]).removeprefix("legacy_id:LEGACY#")) from cancelled
        raise LostRace from cancelled  # the counter moved (a create meanwhile), or a conflict in flight
    return ReviewOutcome(
        review=review_queue.entry(after),
        customer=views.customer(created[0]),
        booking=None,
        ignored_fields=[],
        customers=[views.customer(customer) for customer in created],
    )


def _identity(row: dict[str, Any], settings: Settings) -> Identity:
    record = read_row(row["collection"], int(row["line"]), parse_line(row["text"]), settings.default_region)
    assert isinstance(record, Identity)
    return record


def _booking(row: dict[str, Any], settings: Settings) -> Booking:
    record = read_row("bookings", int(row["line"]), parse_line(row["text"]), settings.default_region)
    assert isinstance(record, Booking)
    return record


def _groups(rows: list[Identity]) -> dict[str, list[Identity]]:
    """Rows by folded name, oldest name first; rows without a name join the oldest row's group."""
    groups: dict[str, list[Identity]] = {}
    for row in sorted(rows, key=lambda row: row.age):
        name = fold(row.fields.get("name") or "") or (next(iter(groups)) if groups else "")
        groups.setdefault(name, []).append(row)
    return groups


def _keeper(rows: list[Identity], groups: dict[str, list[Identity]], legacy_id: str | None) -> str:
    if legacy_id is None:
        return next(iter(groups))
    for name, members in groups.items():
        if any(row.legacy_id == legacy_id for row in members):
            return name
    raise InvalidInput(f"{legacy_id!r} is not one of this phone's rows", field="keeper", code="invalid_keeper")


def _customer(
    phone: str | None,
    number: int,
    rows: list[Identity],
    bookings: list[Booking],
    members: list[str],
    groups: dict[str, list[Identity]],
    now: str,
) -> CustomerItem:
    rows = sorted(rows, key=lambda row: row.age)

    def first(field: str) -> Any:
        return next((row.fields[field] for row in rows if row.fields.get(field)), None)

    balances = [row.fields["previous_balance"] for row in rows if row.fields.get("previous_balance") is not None]
    counted = [b for b in bookings if b.status != "cancelled"]
    founder = rows[0]
    created_at = iso_time(founder.time) if founder.time else now
    return CustomerItem(
        customer_id=f"{CUSTOMER_ID_PREFIX}{uuid.uuid4().hex}",
        customer_number=number,
        phone=phone,
        name=first("name"),
        status=first("status") or "active",
        address=first("address"),
        area=first("area"),
        legacy_ids={row.legacy_id for row in rows if row.legacy_id} or None,
        total_bookings=len(counted),
        total_spent=sum((b.amount for b in counted), Decimal("0.00")),
        previous_balance=sum(balances, Decimal("0.00")) if balances else None,
        notes=first("notes"),
        members=json.dumps(
            [
                {"member_id": new_member_id(), "name": groups[name][0].fields.get("name"), "relation": None}
                for name in members
            ],
            ensure_ascii=False,
        )
        if members
        else None,
        created_at=created_at,
        updated_at=now,
        revision=1,
    )


def _ref(booking: BookingItem) -> BookingRefItem:
    return BookingRefItem(
        *keys.booking_ref_key(booking.booking_id), customer_id=booking.customer_id, booking_sk=booking.sk
    )


def _resolved(item: ReviewItem, decision: ReviewDecision, *, by: str, customer_id: str) -> ReviewItem:
    after = item.copy()
    assert isinstance(after, ReviewItem)
    after.status, after.action, after.customer_id, after.note = "resolved", decision.action, customer_id, decision.note
    after.resolved_by, after.resolved_at = by, utc_now()
    return after
