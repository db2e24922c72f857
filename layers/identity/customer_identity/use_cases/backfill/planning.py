"""The plan step: read every input line, plan, probe the table, reserve numbers, write chunk files.

Numbering is the one sequential decision and it is cheap: the new customers of a run get one
block of numbers, in the order of their oldest record, reserved by one transaction that moves the
counter (conditioned on the value read) and records the block on the run's item, so a resumed run
reuses it and a later API create continues after it, with no gap and no reuse.
"""

from __future__ import annotations

import hashlib
import json
import time
import uuid
from collections.abc import Iterator
from dataclasses import asdict
from typing import Any

from boto3.dynamodb.conditions import Attr

from customer_identity.core.clock import utc_now
from customer_identity.core.retry import LostRace, retry_lost_races
from customer_identity.core.settings import Settings
from customer_identity.storage import bulk, counter, keys, table
from customer_identity.storage.entities import BackfillRunItem, CustomerItem
from customer_identity.storage.transactions import Transaction, TransactionCancelled
from customer_identity.use_cases.backfill.held_rows import without_secrets
from customer_identity.use_cases.backfill.planner import Held, Person, Plan, plan
from customer_identity.use_cases.backfill.records import Identity, Record, Staff, read_record
from customer_identity.use_cases.backfill.shared_phones import shared_entry
from customer_identity.use_cases.backfill.workspace import Workspace
from customer_identity.use_cases.identity.junk_phones import business_numbers

IDS = uuid.UUID("0b5c2f3e-6a51-4d7e-9a8e-0c1b2d3e4f50")  # namespace of the ids a backfill derives


def customer_id_for(run_id: str, phone: str) -> str:
    return f"cus_{uuid.uuid5(IDS, f'{run_id}:{phone}').hex}"


def booking_id_for(legacy_id: str) -> str:
    return f"bk_{uuid.uuid5(IDS, f'booking:{legacy_id}').hex}"


def staff_id_for(legacy_id: str) -> str:
    return f"stf_{uuid.uuid5(IDS, f'staff:{legacy_id}').hex}"


def read_lines(workspace: Workspace, region: str, digest: Any) -> Iterator[tuple[str, int, str, Record]]:
    """Every input line as a record, in file order; ``digest`` sees every byte read."""
    for collection in workspace.collections():
        digest.update(f"\0{collection}\0".encode())
        for number, text in enumerate(workspace.lines(collection), start=1):
            digest.update(text.encode() + b"\n")
            yield collection, number, text, read_record(collection, number, text, region)


def run_id_for(digest: str, *, dry_run: bool) -> str:
    """The run of this input: the unfinished one to resume, else a fresh one (a rerun after a
    completed run is a new run: it links to the customers the first one created)."""
    if dry_run:
        return f"dry-{digest}"
    attempt = 1
    while True:
        run_id = digest if attempt == 1 else f"{digest}-{attempt}"
        run = table.get(BackfillRunItem, keys.backfill_run_key(run_id))
        if run is None or run.completed_at is None:
            return run_id
        attempt += 1


def plan_step(
    workspace: Workspace, settings: Settings, *, run_id: str | None, dry_run: bool, chunk_size: int
) -> dict[str, Any]:
    started = time.monotonic()
    digest = hashlib.sha256()
    result = plan(
        read_lines(workspace, settings.default_region, digest),
        settings.default_region,
        business_numbers(settings),
        settings.shared_phone_names,
    )
    run_id = run_id or run_id_for(digest.hexdigest()[:20], dry_run=dry_run)
    existing = _existing_customers(result)
    new = [p for p in result.persons if _is_new(existing.get(p.phone), run_id)]
    first_number, started_at = _numbers_for(run_id, len(new), settings, dry_run=dry_run)
    numbers = {person.phone: first_number + rank for rank, person in enumerate(new)}
    staff_ids = {
        (s.role, s.legacy_id): staff_id_for(s.legacy_id or "")
        for s in result.staff
        if s.role in {"delivery_person", "marketing_staff"}
    }
    entries = [
        _person_entry(p, run_id, existing.get(p.phone), numbers.get(p.phone), staff_ids, started_at, result.texts)
        for p in result.persons
    ]
    for person in result.booking_only:
        found = existing.get(person.phone)
        if found is not None and not found.is_claim:
            entries.append(_person_entry(person, run_id, found, None, staff_ids, started_at, result.texts))
        else:
            result.held.extend(_unplaced(person))
    chunks = _chunks(result, entries, chunk_size)
    for index, chunk in enumerate(chunks):
        workspace.write(f"{run_id}/chunk-{index:05d}.json", json.dumps(chunk, default=str))
    return {
        "run_id": run_id,
        "source": workspace.location,
        "dry_run": dry_run,
        "rows_total": result.rows_total,
        "unmapped_fields": result.unmapped,
        "customers_new": len(new),
        "first_number": first_number if new else None,
        "plan_seconds": round(time.monotonic() - started, 3),
        "chunks": [
            {"run_id": run_id, "source": workspace.location, "chunk": i, "dry_run": dry_run} for i in range(len(chunks))
        ],
    }


def _is_new(found: CustomerItem | None, run_id: str) -> bool:
    """A person is new unless its phone had a customer before this run (one this run created is still new)."""
    return found is None or found.backfill_run == run_id


def _existing_customers(result: Plan) -> dict[str, CustomerItem]:
    phones = [person.phone for person in (*result.persons, *result.booking_only)]
    found = bulk.get_all([keys.phone_key(phone) for phone in phones])
    return {item.phone: item for item in found if isinstance(item, CustomerItem)}


def _numbers_for(run_id: str, count: int, settings: Settings, *, dry_run: bool) -> tuple[int, str]:
    """The first number of this run's block (reserved once per run; only read on a dry run), and when
    the run started (the creation time of customers none of whose records has a time)."""
    recorded = table.get(BackfillRunItem, keys.backfill_run_key(run_id))
    if recorded is not None:
        return int(recorded.first_number or settings.customer_number_start), recorded.created_at
    if dry_run:
        current = counter.read()
        return (int(current.next_number) if current else settings.customer_number_start), utc_now()

    def attempt() -> tuple[int, str]:
        current = counter.read()
        first = int(current.next_number) if current else settings.customer_number_start
        tx = Transaction()
        run = BackfillRunItem(
            *keys.backfill_run_key(run_id), run_id=run_id, first_number=first, new_customers=count, created_at=utc_now()
        )
        tx.put("run", run, condition=Attr("pk").not_exists())
        if count:
            counter.issue_as_read(tx, current, first, count)
        try:
            tx.commit()
        except TransactionCancelled as cancelled:
            if cancelled.failed("run"):  # another start of this run reserved it first
                raced = table.get(BackfillRunItem, keys.backfill_run_key(run_id))
                assert raced is not None
                return int(raced.first_number or settings.customer_number_start), raced.created_at
            raise LostRace from cancelled  # an API create moved the counter: read it again
        return first, run.created_at

    return retry_lost_races(attempt, settings.contention_budget_seconds)


def _person_entry(
    person: Person,
    run_id: str,
    found: CustomerItem | None,
    number: int | None,
    staff_ids: dict[tuple[str, str | None], str],
    started_at: str,
    texts: dict[tuple[str, int], str],
) -> dict[str, Any]:
    """What the write step needs of one person; each row's original line (secrets removed) is kept
    verbatim with the customer."""
    fields = dict(person.fields)
    conflicts = list(person.conflicts)
    legacy_person = fields.pop("delivery_person", None)
    if legacy_person is not None:
        if ("delivery_person", legacy_person) in staff_ids:
            fields["delivery_person_id"] = staff_ids[("delivery_person", legacy_person)]
        else:
            conflicts.append({"field": "delivery_person", "kept": None, "others": [legacy_person]})
    legacy_marketer = fields.pop("marketing_person", None)
    if legacy_marketer is not None:
        if ("marketing_staff", legacy_marketer) in staff_ids:
            fields["marketing_person_id"] = staff_ids[("marketing_staff", legacy_marketer)]
        else:
            conflicts.append({"field": "marketing_person", "kept": None, "others": [legacy_marketer]})
    founder = person.founder
    return {
        "phone": person.phone,
        "customer_id": found.customer_id if found is not None else customer_id_for(run_id, person.phone),
        "number": number,
        "created_at": iso_time(founder.time) if founder and founder.time else started_at,
        # The time of its opening ledger entries: fixed across runs (a rerun links and finds them).
        "opened_at": found.created_at if found is not None else None,
        "fields": fields,
        "email": person.email,
        "password_hash": person.login.password_hash if person.login else None,
        "rows": [
            {
                "collection": r.collection,
                "line": r.line,
                "id": r.legacy_id,
                "balance": _balance(r),
                "text": without_secrets(texts[(r.collection, r.line)]),
            }
            for r in person.rows
        ],
        "bookings": [
            {
                "id": b.legacy_id,
                "line": b.line,
                "amount": str(b.amount),
                "status": b.status,
                "service": b.service,
                "time": iso_time(b.time) if b.time else None,
                "text": without_secrets(texts[("bookings", b.line)]),
            }
            for b in person.bookings
        ],
        "conflicts": conflicts,
    }


def _unplaced(person: Person) -> list[Held]:
    """The bookings of a phone that has no customer, held for review (with their original lines)."""
    return [
        Held(
            booking,
            "booking_reference_unknown",
            person.booking_texts.get(booking.line) or json.dumps(asdict(booking), default=str, ensure_ascii=False),
        )
        for booking in person.bookings
    ]


def _chunks(result: Plan, entries: list[dict[str, Any]], size: int) -> list[dict[str, Any]]:
    count = max(1, -(-len(entries) // size))
    chunks: list[dict[str, Any]] = [
        {"persons": entries[i * size : (i + 1) * size], "staff": [], "held": [], "duplicates": []} for i in range(count)
    ]
    chunks[0]["staff"] = [_staff_entry(s) for s in result.staff]
    chunks[0]["shared"] = [shared_entry(person) for person in result.shared]
    for i, held in enumerate(result.held):
        record = held.record
        chunks[i % count]["held"].append(
            {
                "collection": record.collection,
                "line": record.line,
                "id": record.legacy_id,
                "reason": held.reason,
                "text": held.text,
            }
        )
    for i, record in enumerate(result.duplicates):
        chunks[i % count]["duplicates"].append(
            {"collection": record.collection, "line": record.line, "id": record.legacy_id}
        )
    return chunks


def _staff_entry(staff: Staff) -> dict[str, Any]:
    return {
        "account_id": staff_id_for(staff.legacy_id or ""),
        "collection": staff.collection,
        "line": staff.line,
        "id": staff.legacy_id,
        "role": staff.role,
        "email": staff.email,
        "name": staff.name,
        "password_hash": staff.password_hash,
    }


def iso_time(moment: Any) -> str:
    return moment.isoformat(timespec="milliseconds").replace("+00:00", "Z")


def _balance(row: Identity) -> str | None:
    """The balance a row carried (exact, as text), if any: it becomes an opening entry of the ledger."""
    balance = row.fields.get("previous_balance")
    return None if balance is None else str(balance)
