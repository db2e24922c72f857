"""Index entries to items: the customer indexes carry keys and what their filters read, not the
items themselves (docs/cost.md), so a page of entries is read back with one strongly consistent
``BatchGetItem`` (PynamoDB splits more than 100 keys), in the entries' order.

A customer merged away, or an item deleted, since the index was read is left out (the index is
eventually consistent; the items are not).
"""

from __future__ import annotations

from customer_identity.storage import table
from customer_identity.storage.entities import CustomerItem, TableItem


def hydrated[T: TableItem](entries: list[T]) -> list[T]:
    if not entries:
        return []
    wanted = list(dict.fromkeys((entry.pk, entry.sk) for entry in entries))
    found = {(item.pk, item.sk): item for item in table.batch_get(wanted)}
    items: list[T] = []
    for entry in entries:
        item = found.get((entry.pk, entry.sk))
        if not isinstance(item, type(entry)):
            continue
        if isinstance(item, CustomerItem) and item.merged_into is not None:
            continue
        items.append(item)
    return items
