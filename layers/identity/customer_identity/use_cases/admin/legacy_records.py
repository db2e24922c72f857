"""Reading back the legacy rows the backfill kept verbatim with a customer (:mod:`..backfill.source_rows`).

A customer's page lists its own rows, then those of every customer merged into it (merges of merges
included, oldest merge first), since a merge leaves each row under the customer it was attached to;
an undone merge's customer is its own again and drops out. One strongly consistent query per
customer and page, plus, on the first page, one query per merge-link page and one ``BatchGetItem`` of
the merge records to find the merged customers.
"""

from __future__ import annotations

import json

from customer_identity.core.errors import InvalidCursor
from customer_identity.core.models.legacy_records import LegacyRecord, LegacyRecordPage
from customer_identity.storage import keys, queries, table
from customer_identity.storage.entities import LegacyRecordItem, MergeItem
from customer_identity.storage.paging import decode_cursor, encode_cursor
from customer_identity.use_cases.identity.listing import check_limit
from customer_identity.use_cases.identity.resolution import Resolver

MERGED_STATES = frozenset({"moving", "completed", "undoing"})  # the merged customer forwards to the survivor
MAX_CUSTOMERS = 100  # customers merged into one, followed (a guard, far above real data)
LINKS_PAGE = 100


class LegacyRecords:
    def __init__(self, resolver: Resolver) -> None:
        self.resolver = resolver

    def page(self, ref: str, *, limit: int, cursor: str | None) -> LegacyRecordPage:
        check_limit(limit)
        customer_id = self.resolver.resolve(ref).item.customer_id
        owners = self._owners(customer_id)
        query_id = f"legacy_records|{customer_id}"
        position, inner = 0, None
        if cursor:
            start = decode_cursor(cursor, query_id, ("owner", "after"))
            owner, inner = start["owner"]["S"], start["after"]["S"] or None
            if owner not in owners:
                raise InvalidCursor()
            position = owners.index(owner)
        items: list[LegacyRecordItem] = []
        while position < len(owners) and len(items) < limit:
            found, inner = queries.legacy_records_page(owners[position], limit=limit - len(items), cursor=inner)
            items += found
            if inner is None:
                position += 1
        next_cursor = None  # a page ending exactly where a merged customer's rows begin may be followed by an empty one
        if position < len(owners):
            next_cursor = encode_cursor(query_id, {"owner": owners[position], "after": inner or ""})
        items_view = [record_view(item) for item in items]
        return LegacyRecordPage(customer_id=customer_id, items=items_view, next_cursor=next_cursor)

    def _owners(self, customer_id: str) -> list[str]:
        """The customer, then every customer merged into it (transitively), each once."""
        owners, pending = [customer_id], [customer_id]
        while pending and len(owners) < MAX_CUSTOMERS:
            links, _ = queries.merge_links_page(pending.pop(0), limit=LINKS_PAGE, cursor=None)
            merge_ids = [link.merge_id for link in links if link.role == "survivor"]
            records = table.batch_get([keys.merge_key(merge_id) for merge_id in merge_ids]) if merge_ids else []
            merged = [
                record
                for record in records
                if isinstance(record, MergeItem) and record.state in MERGED_STATES and record.merged_id
            ]
            for record in sorted(merged, key=lambda record: record.created_at):
                if record.merged_id not in owners:
                    owners.append(record.merged_id)
                    pending.append(record.merged_id)
        return owners


def record_view(item: LegacyRecordItem) -> LegacyRecord:
    try:
        row = json.loads(item.row)
    except ValueError:
        row = item.row
    return LegacyRecord(
        collection=item.collection,  # type: ignore[arg-type]
        legacy_id=item.legacy_id,
        line=int(item.line),
        customer_id=item.customer_id,
        row=row if isinstance(row, dict) else item.row,
        run_id=item.run_id,
        imported_at=item.imported_at,
    )
