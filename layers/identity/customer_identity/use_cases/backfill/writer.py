"""The write step: apply one chunk of the plan to the table, idempotently.

* A new person: one transaction creates the customer (with its number, login, profile and final
  totals) and its unique markers (id, number, email); then its legacy-id markers, bookings and
  booking refs, whose content is fixed by their deterministic keys, go out in ``BatchWriteItem``s.
  Meeting a customer this run created before (a resumed run) re-applies the batch part only.
* A person whose phone already had a customer (linked): conditional writes only: legacy markers
  unless taken, fields the customer lacks, each booking once (the booking, its ref and the totals
  in one transaction, conditioned on the booking not existing), so rerunning changes nothing.
* Staff accounts and held rows: conditional puts (a rerun leaves them, and any review decision, alone).
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
from customer_identity.use_cases import markers
from customer_identity.use_cases.backfill.planning import booking_id_for

MAX_CONFLICT_RETRIES = 8
PERSONS_PER_TRANSACTION = 25  # 4 items each at most: one TransactWriteItems holds 100
WRITERS = 8  # persons written at once (DynamoDB is linearizable per item; moto in-process is not: use 1)
SECRET_FIELDS = ("password_hash", "password", "passwordHash")
_FAULT_AFTER = "BACKFILL_FAIL_AFTER_PERSONS"  # tests: fail the write step after this many persons


class InjectedFault(RuntimeError):
    """A failure injected by a test to prove that a run can be resumed."""


def write_chunk(chunk: dict[str, Any], *, run_id: str, dry_run: bool, writers: int = WRITERS) -> dict[str, Any]:
    """Apply ``chunk``; the outcome of every row it carries, and the conflicts found."""
    outcomes: list[dict[str, Any]] = []
    conflicts: list[dict[str, Any]] = []
    for entry in chunk["staff"]:
        outcomes.append(_staff(entry, dry_run=dry_run))
    for held in chunk["held"]:
        if not dry_run:
            _hold(held, run_id)
        outcomes.append(_outcome(held, "review", None, held["reason"]))
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
            batches = _batches([item for entry in new if entry["phone"] not in linked_to for item in _items(entry)])
            list(pool.map(bulk.put_all, batches))
            existing = [entry for entry in persons if entry["number"] is None or entry["phone"] in linked_to]
            for found in pool.map(lambda entry: _link(_relinked(entry, linked_to)), existing):
                conflicts += found
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


def _batches(items: list[TableItem]) -> list[list[TableItem]]:
    return [items[i : i + bulk.BATCH_WRITE_LIMIT] for i in range(0, len(items), bulk.BATCH_WRITE_LIMIT)]


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
                conflicted += 1  # transactions in flight on the same items: back off, then try again
                if conflicted > MAX_CONFLICT_RETRIES:
                    raise
                time.sleep(min(2.0, 0.05 * 2**conflicted) * random.random())
    return conflicts, linked


def _conflict(phone: str, field: str, kept: Any, others: list[Any], *, reason: str | None = None) -> dict[str, Any]:
    """A conflict for the report: the value kept and the ones that were not."""
    found = {"phone": phone, "field": field, "kept": kept, "others": others}
    return found | {"reason": reason} if reason else found


def _items(entry: dict[str, Any]) -> list[TableItem]:
    """The legacy-id markers, bookings and booking refs of a customer this run creates."""
    return [*_legacy_markers(entry, entry["customer_id"]), *_booking_items(entry)]


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


def _booking_items(entry: dict[str, Any]) -> list[TableItem]:
    items: list[TableItem] = []
    for booking in entry["bookings"]:
        item = _booking_item(entry, booking)
        items += [
            item,
            BookingRefItem(
                *keys.booking_ref_key(item.booking_id), customer_id=entry["customer_id"], booking_sk=item.sk
            ),
        ]
    return items


def _booking_item(entry: dict[str, Any], booking: dict[str, Any]) -> BookingItem:
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
    actions = []
    if entry["rows"]:
        actions.append(CustomerItem.legacy_ids.add({row["id"] for row in entry["rows"]}))
    filled = current.copy()
    for name, value in _fillable(entry).items():
        existing = getattr(current, name)
        if existing is None:
            actions.append(getattr(CustomerItem, name).set(value))
            setattr(filled, name, value)
        elif name == "password_hash":
            continue  # the customer's own password stands; a hash never goes into a report
        elif not _same(existing, value):
            conflicts.append(_conflict(entry["phone"], name, str(existing), [str(value)]))
    if any(getattr(filled, name) != getattr(current, name) for name in INDEXED_FIELDS):
        actions += filled.index_key_actions()  # a filled name, area or delivery person is listed by it
    if actions:
        current.update(
            actions=[*actions, CustomerItem.revision.add(1)], condition=CustomerItem.customer_id == customer_id
        )
    if entry["email"] and not current.email:
        conflicts += _link_email(current, entry["email"])
    for booking in entry["bookings"]:
        _book_once(dict(entry, customer_id=customer_id), current, booking)
    return conflicts


INDEXED_FIELDS = ("name", "area", "delivery_person_id")


def _same(stored: Any, planned: Any) -> bool:
    """Equal as the customer would see them (DynamoDB keeps ``144.80`` as ``144.8``)."""
    if isinstance(stored, Decimal) or isinstance(planned, Decimal):
        return Decimal(str(stored)) == Decimal(str(planned))
    return str(stored) == str(planned)


def _fillable(entry: dict[str, Any]) -> dict[str, Any]:
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
    tx = Transaction()
    tx.update(
        "customer",
        keys.phone_key(current.phone),
        set_values={"email": email},
        add_values={"revision": 1},
        condition=Attr("email").not_exists() & markers.names_customer(current.customer_id),
    )
    tx.put(
        "email",
        markers.marker(keys.email_key(email), kind="email", customer=current),
        condition=Attr("pk").not_exists(),
    )
    try:
        tx.commit()
    except TransactionCancelled:
        return [_conflict(current.phone, "email", current.email, [email], reason="email_taken")]
    return []


def _book_once(entry: dict[str, Any], current: CustomerItem, booking: dict[str, Any]) -> None:
    item = _booking_item(entry, booking)
    tx = Transaction()
    tx.put("booking", item, condition=Attr("pk").not_exists())
    ref = BookingRefItem(*keys.booking_ref_key(item.booking_id), customer_id=current.customer_id, booking_sk=item.sk)
    tx.put("booking_ref", ref, condition=Attr("pk").not_exists())
    if booking["status"] != "cancelled":
        tx.update(
            "customer",
            keys.phone_key(current.phone),
            add_values={"total_bookings": 1, "total_spent": Decimal(booking["amount"]), "revision": 1},
            condition=markers.names_customer(current.customer_id),
        )
    try:
        tx.commit()
    except TransactionCancelled as cancelled:
        if not (cancelled.failed("booking") or cancelled.failed("booking_ref")):
            raise  # already booked by an earlier run: nothing to do


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
    tx = Transaction()
    tx.put("account", staff, condition=Attr("pk").not_exists())
    tx.put(
        "email",
        StaffEmailItem(*keys.email_key(staff.email), account_id=staff.account_id, created_at=now),
        condition=Attr("pk").not_exists(),
    )
    try:
        tx.commit()
    except TransactionCancelled as cancelled:
        if cancelled.failed("account"):
            return _outcome(entry, "staff", entry["account_id"])  # created by an earlier run
        if cancelled.failed("email"):
            return _outcome(entry, "review", None, "staff_email_taken")
        raise
    return _outcome(entry, "staff", entry["account_id"])


def _hold(held: dict[str, Any], run_id: str) -> None:
    reference = held["id"] or f"line:{held['line']}"
    item = ReviewItem(
        *keys.review_key(held["collection"], reference),
        review_id=f"{held['collection']}:{reference}",
        collection=held["collection"],
        legacy_id=held["id"],
        line=held["line"],
        reason=held["reason"],
        row=_without_secrets(held["text"]),
        run_id=run_id,
        status="open",
        created_at=utc_now(),
    )
    try:
        item.save(condition=ReviewItem.pk.does_not_exist())
    except PutError as error:
        if not table.condition_failed(error):
            raise


def _without_secrets(text: str) -> str:
    try:
        row = json.loads(text)
    except ValueError:
        return text
    if isinstance(row, dict):
        for name in SECRET_FIELDS:
            if name in row:
                row[name] = "[removed]"
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
