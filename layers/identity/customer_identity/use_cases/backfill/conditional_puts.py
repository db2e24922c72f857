"""The conditional writes every part of the write step shares: putting counted items once, and
backing off when a transaction meets others in flight on the same items.

Every write that creates or changes a counted item (customer, booking, staff account, review item)
carries the change of the dashboard counters (:mod:`..identity.stats`) in its own transaction, so the
counters are exact after a crash, a resume and a rerun alike.
"""

from __future__ import annotations

import random
import time

from boto3.dynamodb.conditions import Attr

from customer_identity.storage.entities import TableItem
from customer_identity.storage.transactions import Transaction, TransactionCancelled
from customer_identity.use_cases.identity import stats

MAX_CONFLICT_RETRIES = 8
PUTS_PER_TRANSACTION = 99  # conditional puts of bookings or review items, and one counter shard


def put_once(items: list[TableItem]) -> None:
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
                conflicted = back_off(conflicted, cancelled)


def back_off(conflicted: int, cancelled: TransactionCancelled) -> int:
    """Wait before retrying a transaction that met others in flight on the same items (a counter
    shard, a customer); the number of conflicts so far. Gives up after ``MAX_CONFLICT_RETRIES``."""
    conflicted += 1
    if conflicted > MAX_CONFLICT_RETRIES:
        raise cancelled
    time.sleep(min(2.0, 0.05 * 2**conflicted) * random.random())
    return conflicted
