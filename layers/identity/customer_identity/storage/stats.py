"""Exact counters in sharded items, changed only inside the transactions that change what they count.

A counter is a numeric attribute of the ``STATS#<shard>`` items (see :mod:`.keys`); its value is the
sum over all shards. :func:`add_to` puts one ``ADD`` on a random shard into a transaction, so a
count moves if and only if the write it describes commits. :func:`read_totals` reads every shard
with one strongly consistent ``BatchGetItem``: O(1) in the size of the table, never a scan.
"""

from __future__ import annotations

import random
from collections.abc import Mapping
from decimal import Decimal

from customer_identity.storage import keys, table
from customer_identity.storage.transactions import Transaction

STATS_ENTITY = "stats"
_NOT_COUNTERS = frozenset({"pk", "sk", "entity"})


def add_to(tx: Transaction, deltas: Mapping[str, int | Decimal], *, label: str = "stats") -> None:
    """Add ``deltas`` (counter name -> change) to one shard as part of ``tx``; zero changes are dropped."""
    changes = {name: value for name, value in deltas.items() if value}
    if not changes:
        return
    shard = random.randrange(keys.STATS_SHARDS)  # spreads load; not a secret
    tx.update(label, keys.stats_key(shard), set_values={"entity": STATS_ENTITY}, add_values=changes)


def read_totals() -> dict[str, Decimal]:
    """Every counter summed over the shards (counters never written are absent)."""
    request_keys = [
        {"pk": {"S": pk}, "sk": {"S": sk}} for pk, sk in (keys.stats_key(s) for s in range(keys.STATS_SHARDS))
    ]
    name = table.config().name
    totals: dict[str, Decimal] = {}
    pending: dict = {name: {"Keys": request_keys, "ConsistentRead": True}}
    while pending:
        answer = table.client().batch_get_item(RequestItems=pending)
        for item in answer.get("Responses", {}).get(name, []):
            for attribute, value in item.items():
                if attribute not in _NOT_COUNTERS and "N" in value:
                    totals[attribute] = totals.get(attribute, Decimal(0)) + Decimal(value["N"])
        pending = answer.get("UnprocessedKeys") or {}
    return totals
