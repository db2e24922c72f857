"""The write step: apply one chunk of the plan to the table, idempotently.

* A new person: one transaction creates the customer (with its number, login, profile and final
  totals) and its unique markers (id, number, email); then its legacy-id markers and booking refs,
  whose content is fixed by their deterministic keys, go out in ``BatchWriteItem``s, and its
  bookings in conditional transactions of up to 99 (each put unless it exists) that also carry
  their dashboard counter change. Meeting a customer this run created before (a resumed run)
  re-applies those writes; what exists already is neither written nor counted again.
* A person whose phone already had a customer (linked): conditional writes only: legacy markers
  unless taken, fields the customer lacks, each booking once (the booking, its ref and the totals
  in one transaction, conditioned on the booking not existing), so rerunning changes nothing.
* Staff accounts and held rows: conditional puts (a rerun leaves them, and any review decision, alone).
* The automatic merges: a customer founded from two or more legacy rows gets a merge record (kind
  ``backfill``, the rows' ids) and its link in the customer's collection, in the same batches as its
  legacy markers; id, key and content are deterministic, so a rerun rewrites the same items.

Every write that creates or changes a counted item (customer, booking, staff account, review item)
carries the change of the dashboard counters (:mod:`..stats`) in its own transaction, so the
counters are exact after a crash, a resume and a rerun alike.
"""

from __future__ import annotations

import json
import os
import random
import time
from concurrent.futures import ThreadPoolExecutor
from decimal import Decimal
from typing import Any

from boto3.dynamodb.conditions import Attr
from pynamodb.exceptions import PutError

from customer_identity.core.clock import utc_now
from customer_identity.storage import bulk, keys, table
from customer_identity.storage.entities import (
    AliasItem,
    BookingItem,
    BookingRefItem,
    CustomerItem,
    ReviewItem,
    StaffEmailItem,
    StaffItem,
    TableItem,
)
from customer_identity.storage.transactions import Transaction, TransactionCancelled
from customer_identity.use_cases.backfill.merge_records import merge_items
from customer_identity.use_cases.backfill.name_conflicts import name_conflict_item
from customer_identity.use_cases.backfill.planning import booking_id_for
from customer_identity.use_cases.identity import customer_writes, markers, stats

MAX_CONFLICT_RETRIES = 8
PERSONS_PER_TRANSACTION = 24  # 4 items each at most, and one counter shard: one TransactWriteItems holds 100
PUTS_PER_TRANSACTION = 99  # conditional puts of bookings or review items, and one counter shard
WRITERS = 8  # persons written at once (DynamoDB is linearizable per item; moto in-process is not: use 1)
SECRET_FIELDS = ("password_hash", "password", "passwordHash")
REMOVED = "[removed]"
_FAULT_AFTER = "BACKFILL_FAIL_AFTER_PERSONS"  # tests: fail the write step after this many persons


class InjectedFault(RuntimeError):
    """A failure injected by a test to prove that a run can be resumed."""


def write_chunk(chunk: dict[str, Any], *, run_id: str, dry_run: bool, writers: int = WRITERS) -> dict[str, Any]:
    """Apply ``chunk``; the outcome of every row it carries, and the conflicts found."""
    outcomes: list[dict[str, Any]] = []
    conflicts: list[dict[str, Any]] = []
    for entry in chunk["staff"]:
        outcomes.append(_staff(entry, dry_run=dry_run))
    if not dry_run:
        for group in _groups([_review_item(held, run_id) for held in chunk["held"]], PUTS_PER_TRANSACTION):
            _put_once(group)
    outcomes += [_outcome(held, "review", None, held["reason"]) for held in chunk["held"]]
    outcomes += [_outcome(row, "duplicate", None) for row in chunk["duplicates"]]
    persons = chunk["persons"]
    fail_after = int(os.environ.get(_FAULT_AFTER, "0") or 0)
    if fail_after and len(persons) > fail_after:
        persons = persons[:fail_after]  # write these, then fail as a crashed task would
    linked_to: dict[str, CustomerItem | None] = {}
    if not dry_run:
        new = [entry for entry in persons if entry["number"] is not None]
        groups = [new[i : i + PERSONS_PER_TRANSACTION] for i in range(0, len(new), PERSONS_PER_TRANSACTION)]
        with ThreadPoolExecutor(writers) as pool:
            for created, linked in pool.map(lambda group: _create_group(group, run_id), groups):
                conflicts += created
                linked_to |= linked
            created = [entry for entry in new if entry["phone"] not in linked_to]
            fixed = [item for entry in created for item in _items(entry, run_id)]
            list(pool.map(bulk.put_all, _groups(fixed, bulk.BATCH_WRITE_LIMIT)))
            bookings = [booking_item(entry, booking) for entry in created for booking in entry["bookings"]]
            list(pool.map(_put_once, _groups(bookings, PUTS_PER_TRANSACTION)))
            existing = [
                _relinked(entry, linked_to)
                for entry in persons
                if entry["number"] is None or entry["phone"] in linked_to
            ]
            found_by_phone = dict(zip((e["phone"] for e in existing), pool.map(_link, existing), strict=True))
            for found in found_by_phone.values():
                conflicts += found
            held_names = [
                name_conflict_item(entry, [*entry["conflicts"], *found_by_phone.get(entry["phone"], [])], run_id)
                for entry in (_relinked(entry, linked_to) for entry in persons)
            ]
            list(pool.map(_put_once, _groups([item for item in held_names if item], PUTS_PER_TRANSACTION)))
    for entry in persons:
        conflicts += [dict(conflict, phone=entry["phone"]) for conflict in entry["conflicts"]]
        outcomes += _person_outcomes(
            _relinked(entry, linked_to), entry["number"] is None or entry["phone"] in linked_to
        )
    if len(persons) < len(chunk["persons"]):
        raise InjectedFault(f"injected failure after {fail_after} persons")
    return {"outcomes": outcomes, "conflicts": conflicts}


def _relinked(entry: dict[str, Any], linked_to: dict[str, CustomerItem | None]) -> dict[str, Any]:
    found = linked_to.get(entry["phone"])
    return dict(entry, customer_id=found.customer_id) if found is not None else entry


def _person_outcomes(entry: dict[str, Any], linked: bool) -> list[dict[str, Any]]:
    customer_id = entry["customer_id"]
    rows = [
        _outcome(row, "linked" if linked else ("created" if position == 0 else "merged"), customer_id)
        for position, row in enumerate(entry["rows"])
    ]
    return rows + [_outcome({"collection": "bookings", **b}, "booking", customer_id) for b in entry["bookings"]]


def _groups[T](items: list[T], size: int) -> list[list[T]]:
    return [items[i : i + size] for i in range(0, len(items), size)]


def _put_once(items: list[TableItem]) -> None:
    """Put each of ``items`` unless it exists, with the counter change of those put, in one transaction
    per attempt: the items found existing (an earlier run, a resumed one) are dropped and the rest
    tried again, so nothing is written or counted twice."""
    pending, conflicted = list(items), 0
    while pending:
        tx = Transaction()
        for index, item in enumerate(pending):
            tx.put(f"item:{index}", item, condition=Attr("pk").not_exists())
        stats.record(tx, *((None, item) for item in pending))
        try:
            tx.commit()
            return
        except TransactionCancelled as cancelled:
            existing = {index for index in range(len(pending)) if cancelled.failed(f"item:{index}")}
            if existing:
                pending = [item for index, item in enumerate(pending) if index not in existing]
            else:
                conflicted = _back_off(conflicted, cancelled)


def _back_off(conflicted: int, cancelled: TransactionCancelled) -> int:
    """Wait before retrying a transaction that met others in flight on the same items (a counter
    shard, a customer); the number of conflicts so far. Gives up after ``MAX_CONFLICT_RETRIES``."""
    conflicted += 1
    if conflicted > MAX_CONFLICT_RETRIES:
        raise cancelled
    time.sleep(min(2.0, 0.05 * 2**conflicted) * random.random())
    return conflicted


# --- new customers ------------------------------------------------------------------------------


def _create_group(
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
                            _conflict(phone, "customer_number", found.customer_number, [customer.customer_number])
                        )
                elif cancelled.failed(f"email:{index}"):
                    conflicts.append(_conflict(phone, "email", None, [customer.email], reason="email_taken"))
                    customer.email = None
                elif any(cancelled.failed(f"{kind}:{index}") for kind in ("customer_id", "customer_number")):
                    raise  # a number or id of this run taken by someone else: never expected
            if not any(reason.get("Code") == "ConditionalCheckFailed" for reason in cancelled.reasons.values()):
                conflicted = _back_off(conflicted, cancelled)  # transactions in flight on the same items
    return conflicts, linked


def _conflict(phone: str, field: str, kept: Any, others: list[Any], *, reason: str | None = None) -> dict[str, Any]:
    """A conflict for the report: the value kept and the ones that were not."""
    found = {"phone": phone, "field": field, "kept": kept, "others": others}
    return found | {"reason": reason} if reason else found


def _items(entry: dict[str, Any], run_id: str) -> list[TableItem]:
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


# --- a customer that existed before the run --------------------------------------------------


def _link(entry: dict[str, Any]) -> list[dict[str, Any]]:
    current = table.get(CustomerItem, keys.phone_key(entry["phone"]))
    if current is None:
        return [_conflict(entry["phone"], "customer", None, [], reason="customer_gone")]
    conflicts = []
    customer_id = current.customer_id
    for row in entry["rows"]:
        try:
            AliasItem(
                *keys.legacy_key(row["id"]),
                kind="legacy_id",
                customer_id=customer_id,
                phone=current.phone,
                created_at=utc_now(),
            ).save(condition=AliasItem.pk.does_not_exist() | (AliasItem.customer_id == customer_id))
        except PutError as error:
            if not table.condition_failed(error):
                raise
            conflicts.append(_conflict(entry["phone"], "legacy_id", None, [row["id"]], reason="legacy_id_taken"))
    filled, found = _fill(entry, current)
    conflicts += found
    if filled is None:
        return [*conflicts, _conflict(entry["phone"], "customer", None, [], reason="customer_gone")]
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
                conflicts.append(_conflict(entry["phone"], name, str(existing), [str(value)]))
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
                conflicted = _back_off(conflicted, cancelled)
                continue
            again = table.get(CustomerItem, keys.phone_key(current.phone))
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
            again = table.get(CustomerItem, keys.phone_key(current.phone)) if cancelled.failed("customer") else current
            if cancelled.failed("email") or again is None or again.customer_id != current.customer_id or again.email:
                return [
                    _conflict(current.phone, "email", again.email if again else None, [email], reason="email_taken")
                ]
            if again is current:
                conflicted = _back_off(conflicted, cancelled)
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
                keys.phone_key(current.phone),
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
            conflicted = _back_off(conflicted, cancelled)


# --- staff and held rows ---------------------------------------------------------------------


def _staff(entry: dict[str, Any], *, dry_run: bool) -> dict[str, Any]:
    if dry_run:
        return _outcome(entry, "staff", entry["account_id"])
    now = utc_now()
    staff = StaffItem(
        *keys.staff_key(entry["account_id"]),
        account_id=entry["account_id"],
        role=entry["role"],
        email=entry["email"] or f"{entry['account_id']}@staff.invalid",
        name=entry["name"],
        password_hash=entry["password_hash"],
        created_at=now,
        updated_at=now,
        revision=1,
    )
    conflicted = 0
    while True:
        tx = Transaction()
        tx.put("account", staff, condition=Attr("pk").not_exists())
        tx.put(
            "email",
            StaffEmailItem(*keys.email_key(staff.email), account_id=staff.account_id, created_at=now),
            condition=Attr("pk").not_exists(),
        )
        stats.record(tx, (None, staff))
        try:
            tx.commit()
            break
        except TransactionCancelled as cancelled:
            if cancelled.failed("account"):
                return _outcome(entry, "staff", entry["account_id"])  # created by an earlier run
            if cancelled.failed("email"):
                return _outcome(entry, "review", None, "staff_email_taken")
            conflicted = _back_off(conflicted, cancelled)
    return _outcome(entry, "staff", entry["account_id"])


def _review_item(held: dict[str, Any], run_id: str) -> ReviewItem:
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


def _outcome(row: dict[str, Any], outcome: str, customer_id: str | None, reason: str | None = None) -> dict[str, Any]:
    return {
        "collection": row["collection"],
        "line": row["line"],
        "id": row.get("id"),
        "outcome": outcome,
        "customer_id": customer_id,
        "reason": reason,
    }
