"""The write step: apply one chunk of the plan to the table, idempotently.

:func:`write_chunk` writes the chunk's staff accounts (:mod:`.staff_accounts`) and the review items
of its held rows (:mod:`.held_rows`), then its persons: those the plan numbered are created as new
customers (:mod:`.new_customers`, with their automatic merge records), several groups at once; a
person whose phone already had a customer, or gained one since the plan, is linked to it
(:mod:`.linking`); customers whose rows disagree on the name get a review item
(:mod:`.name_conflicts`); every row attached to a customer is kept verbatim beside it
(:mod:`.source_rows`). Every write is conditional or fixed by its key (:mod:`.conditional_puts`),
so a crash, a resume and a rerun leave the table as one run would; the result is the outcome of
every row the chunk carries and the conflicts found (:mod:`.outcomes`).

Every write that creates or changes a counted item (customer, booking, staff account, review item)
carries the change of the dashboard counters (:mod:`..identity.stats`) in its own transaction, so the
counters are exact after a crash, a resume and a rerun alike.
"""

from __future__ import annotations

import os
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from customer_identity.storage import bulk
from customer_identity.storage.entities import CustomerItem
from customer_identity.use_cases.backfill.conditional_puts import PUTS_PER_TRANSACTION, put_once
from customer_identity.use_cases.backfill.held_rows import review_item
from customer_identity.use_cases.backfill.linking import link
from customer_identity.use_cases.backfill.name_conflicts import name_conflict_item
from customer_identity.use_cases.backfill.new_customers import (
    PERSONS_PER_TRANSACTION,
    booking_item,
    create_group,
    fixed_items,
)
from customer_identity.use_cases.backfill.opening_balances import (
    balance_conflict_item,
    opening_groups,
    post_openings,
)
from customer_identity.use_cases.backfill.outcomes import row_outcome
from customer_identity.use_cases.backfill.shared_phones import shared_item, shared_outcomes
from customer_identity.use_cases.backfill.source_rows import source_items
from customer_identity.use_cases.backfill.staff_accounts import write_staff

WRITERS = 8  # persons written at once (DynamoDB is linearizable per item; moto in-process is not: use 1)
_FAULT_AFTER = "BACKFILL_FAIL_AFTER_PERSONS"  # tests: fail the write step after this many persons


class InjectedFault(RuntimeError):
    """A failure injected by a test to prove that a run can be resumed."""


def write_chunk(chunk: dict[str, Any], *, run_id: str, dry_run: bool, writers: int = WRITERS) -> dict[str, Any]:
    """Apply ``chunk``; the outcome of every row it carries, and the conflicts found."""
    outcomes: list[dict[str, Any]] = []
    conflicts: list[dict[str, Any]] = []
    for entry in chunk["staff"]:
        outcomes.append(write_staff(entry, dry_run=dry_run))
    if not dry_run:
        for group in _groups([review_item(held, run_id) for held in chunk["held"]], PUTS_PER_TRANSACTION):
            put_once(group)
    outcomes += [row_outcome(held, "review", None, held["reason"]) for held in chunk["held"]]
    shared = chunk.get("shared", [])
    if not dry_run and shared:
        put_once([shared_item(entry, run_id) for entry in shared])
    outcomes += [outcome for entry in shared for outcome in shared_outcomes(entry)]
    outcomes += [row_outcome(row, "duplicate", None) for row in chunk["duplicates"]]
    persons = chunk["persons"]
    fail_after = int(os.environ.get(_FAULT_AFTER, "0") or 0)
    if fail_after and len(persons) > fail_after:
        persons = persons[:fail_after]  # write these, then fail as a crashed task would
    linked_to: dict[str, CustomerItem | None] = {}
    if not dry_run:
        new = [entry for entry in persons if entry["number"] is not None]
        groups = [new[i : i + PERSONS_PER_TRANSACTION] for i in range(0, len(new), PERSONS_PER_TRANSACTION)]
        with ThreadPoolExecutor(writers) as pool:
            for created, linked in pool.map(lambda group: create_group(group, run_id), groups):
                conflicts += created
                linked_to |= linked
            created = [entry for entry in new if entry["phone"] not in linked_to]
            fixed = [item for entry in created for item in fixed_items(entry, run_id)]
            list(pool.map(bulk.put_all, _groups(fixed, bulk.BATCH_WRITE_LIMIT)))
            bookings = [booking_item(entry, booking) for entry in created for booking in entry["bookings"]]
            list(pool.map(put_once, _groups(bookings, PUTS_PER_TRANSACTION)))
            existing = [
                _relinked(entry, linked_to)
                for entry in persons
                if entry["number"] is None or entry["phone"] in linked_to
            ]
            found_by_phone = dict(zip((e["phone"] for e in existing), pool.map(link, existing), strict=True))
            for found in found_by_phone.values():
                conflicts += found
            held_names = [
                name_conflict_item(entry, [*entry["conflicts"], *found_by_phone.get(entry["phone"], [])], run_id)
                for entry in (_relinked(entry, linked_to) for entry in persons)
            ]
            live = [_relinked(entry, linked_to) for entry in persons if linked_to.get(entry["phone"], True) is not None]
            list(pool.map(post_openings, opening_groups(live)))
            sources = [item for entry in live for item in source_items(entry, run_id)]
            list(pool.map(bulk.put_all, _groups(sources, bulk.BATCH_WRITE_LIMIT)))
            held_names += [balance_conflict_item(entry, run_id) for entry in live]
            list(pool.map(put_once, _groups([item for item in held_names if item], PUTS_PER_TRANSACTION)))
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
        row_outcome(row, "linked" if linked else ("created" if position == 0 else "merged"), customer_id)
        for position, row in enumerate(entry["rows"])
    ]
    return rows + [row_outcome({"collection": "bookings", **b}, "booking", customer_id) for b in entry["bookings"]]


def _groups[T](items: list[T], size: int) -> list[list[T]]:
    return [items[i : i + size] for i in range(0, len(items), size)]
