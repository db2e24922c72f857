"""Unconditional bulk writes and reads: ``BatchWriteItem`` (25 items a call) and ``BatchGetItem`` (100 keys).

Only for items whose content is fully determined by their key (deterministic ids), so writing one
twice changes nothing.
"""

from __future__ import annotations

import time
from collections.abc import Iterable, Sequence

from customer_identity.storage import table
from customer_identity.storage.entities import TableItem
from customer_identity.storage.keys import Key

BATCH_WRITE_LIMIT = 25
BATCH_GET_LIMIT = 100
MAX_BACKOFF_SECONDS = 1.0


def put_all(items: Iterable[TableItem]) -> int:
    """Put every item (retrying what DynamoDB leaves unprocessed); the number of requests sent."""
    name, requests = table.config().name, 0
    batch: list[dict[str, object]] = []

    def flush() -> None:
        nonlocal batch, requests
        pending = {name: batch}
        delay = 0.02
        while pending:
            response = table.client().batch_write_item(RequestItems=pending)
            requests += 1
            pending = response.get("UnprocessedItems") or {}
            if pending:
                time.sleep(delay)
                delay = min(delay * 2, MAX_BACKOFF_SECONDS)
        batch = []

    for item in items:
        batch.append({"PutRequest": {"Item": item.serialize()}})
        if len(batch) == BATCH_WRITE_LIMIT:
            flush()
    if batch:
        flush()
    return requests


def get_all(keys: Sequence[Key]) -> list[TableItem]:
    """The items at ``keys`` that exist (strongly consistent, 100 keys a request)."""
    found: list[TableItem] = []
    for start in range(0, len(keys), BATCH_GET_LIMIT):
        found.extend(table.batch_get(keys[start : start + BATCH_GET_LIMIT]))
    return found
