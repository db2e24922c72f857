"""Imported balances as opening entries of the ledger, and the review item of a person whose rows
disagree on money.

Every legacy row that carried a balance (``previous_balance``) becomes one ``opening`` entry on its
customer, naming the row (``source`` = ``<collection>:<legacy id>``). A customer's entries go in one
transaction with the ``ADD`` of their sum to its balance and with the dashboard counters
(:mod:`..identity.stats`), so the balance is the sum of its entries at every moment; the persons of
a chunk share transactions of up to 25 items (:func:`opening_groups`). An entry's id
and time derive from the customer and the row, so a resumed run or a rerun finds it and posts
nothing twice. When two or more rows of a person carried a non-zero balance, the customer gets one
review item, reason ``balance_conflict``, listing them: somebody confirms the figure (an adjustment
corrects it) and dismisses the item.
"""

from __future__ import annotations

import hashlib
import json
from decimal import Decimal
from typing import Any

from boto3.dynamodb.conditions import Attr

from customer_identity.core.clock import utc_now
from customer_identity.storage import keys
from customer_identity.storage.entities import LedgerEntryItem, ReviewItem
from customer_identity.storage.transactions import Transaction, TransactionCancelled
from customer_identity.use_cases.backfill.conditional_puts import back_off
from customer_identity.use_cases.identity import stats
from customer_identity.use_cases.identity.ledger import ENTRY_ID_PREFIX, new_entry
from customer_identity.use_cases.identity.markers import names_customer

COLLECTION = "balance_conflicts"
REASON = "balance_conflict"


def balance_rows(entry: dict[str, Any]) -> list[dict[str, Any]]:
    """The rows of ``entry`` that carried a balance (zero included)."""
    return [row for row in entry["rows"] if row.get("balance") is not None]


def opening_entries(entry: dict[str, Any]) -> list[LedgerEntryItem]:
    """One entry per row of ``entry`` that carried a balance, fixed by the customer and the row."""
    customer_id = entry["customer_id"]
    found = []
    for row in balance_rows(entry):
        source = f"{row['collection']}:{row['id']}"
        digest = hashlib.sha256(f"{customer_id}\n{source}".encode()).hexdigest()[:32]
        found.append(
            new_entry(
                customer_id,
                Decimal(row["balance"]),
                "opening",
                now=entry.get("opened_at") or entry["created_at"],
                reason="balance imported from the legacy system",
                by="backfill",
                source=source,
                entry_id=f"{ENTRY_ID_PREFIX}open_{digest}",
            )
        )
    return found


# Items per transaction, the counter shard included (DynamoDB allows 100). Measured on DynamoDB Local,
# 8 writers: transactions of 24 items write about as many items/s as those of 99 (731 and 754), of
# 4 items 597, of 1 item 375; smaller groups keep a conflict's retry small.
MAX_TRANSACTION_ITEMS = 25


def opening_groups(entries: list[dict[str, Any]]) -> list[list[dict[str, Any]]]:
    """``entries`` that carried a balance, grouped so that each group's entries, customer updates and
    counter shard fit one transaction."""
    groups: list[list[dict[str, Any]]] = []
    size = MAX_TRANSACTION_ITEMS
    for entry in entries:
        needed = len(balance_rows(entry)) + 1  # its entries and its customer's update
        if needed == 1:
            continue
        if size + needed > MAX_TRANSACTION_ITEMS - 1:  # one item is the counter shard
            groups.append([])
            size = 0
        groups[-1].append(entry)
        size += needed
    return groups


def post_openings(group: list[dict[str, Any]]) -> None:
    """Post the opening entries of ``group``'s persons that are not there yet, each person's sum on its
    balance, and the counters, in one transaction per attempt: entries found existing are dropped and
    the rest tried again; a person whose phone no longer names that customer, or whose customer was
    merged away, gets nothing (its balance is no longer this run's to open)."""
    pending = {entry["phone"]: (entry, opening_entries(entry)) for entry in group}  # a phone: one person
    pending = {phone: (entry, items) for phone, (entry, items) in pending.items() if items}
    conflicted = 0
    while pending:
        tx, now = Transaction(), utc_now()
        for person, (entry, items) in enumerate(pending.values()):
            for index, item in enumerate(items):
                tx.put(f"entry:{person}:{index}", item, condition=Attr("pk").not_exists())
            tx.update(
                f"customer:{person}",
                keys.phone_key(entry["phone"]),
                add_values={"balance": sum((item.amount for item in items), Decimal("0.00")), "revision": 1},
                set_values={"updated_at": now},
                condition=names_customer(entry["customer_id"]) & Attr("merged_into").not_exists(),
            )
        stats.record(tx, *((None, item) for _, items in pending.values() for item in items))
        try:
            tx.commit()
            return
        except TransactionCancelled as cancelled:
            refused = False
            for person, (phone, (entry, items)) in enumerate(list(pending.items())):
                if cancelled.failed(f"customer:{person}"):
                    del pending[phone]
                    refused = True
                    continue
                existing = {index for index in range(len(items)) if cancelled.failed(f"entry:{person}:{index}")}
                if existing:
                    refused = True
                    left = [item for index, item in enumerate(items) if index not in existing]
                    if left:
                        pending[phone] = (entry, left)
                    else:
                        del pending[phone]
            if not refused:
                conflicted = back_off(conflicted, cancelled)


def balance_conflict_item(entry: dict[str, Any], run_id: str) -> ReviewItem | None:
    """The review item of a customer two or more of whose rows carried a non-zero balance."""
    carried = [row for row in entry["rows"] if row.get("balance") is not None and Decimal(row["balance"]) != 0]
    if len(carried) < 2 or not entry.get("customer_id"):
        return None
    customer_id = entry["customer_id"]
    row = {
        "customer_id": customer_id,
        "rows": [
            {"collection": r["collection"], "line": r["line"], "id": r["id"], "balance": r["balance"]} for r in carried
        ],
        "posted": str(sum((Decimal(r["balance"]) for r in carried), Decimal("0.00"))),
    }
    return ReviewItem(
        *keys.review_key(COLLECTION, customer_id),
        review_id=f"{COLLECTION}:{customer_id}",
        collection=COLLECTION,
        legacy_id=carried[0]["id"],
        line=int(carried[0]["line"]),
        reason=REASON,
        row=json.dumps(row, ensure_ascii=False),
        run_id=run_id,
        status="open",
        created_at=utc_now(),
    )
