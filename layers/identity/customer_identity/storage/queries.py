"""Paged reads: customers, staff and review items through an index, a customer's bookings and merges, the
local outbox."""

from __future__ import annotations

from pynamodb.expressions.condition import Condition

from customer_identity.storage import keys
from customer_identity.storage.entities import (
    BookingItem,
    CustomerItem,
    MergeLinkItem,
    OutboxItem,
    ReviewItem,
    StaffItem,
    TableItem,
)
from customer_identity.storage.paging import decode_cursor, page_of

_INDEXES = {
    keys.BY_NUMBER: TableItem.by_number,
    keys.BY_STATUS: TableItem.by_status,
    keys.BY_AREA: TableItem.by_area,
    keys.BY_DELIVERY_PERSON: TableItem.by_delivery_person,
}


def customers_page(
    query: keys.CustomerQuery, *, limit: int, cursor: str | None
) -> tuple[list[CustomerItem], str | None]:
    """One index query, in customer-number order; the cursor is None on the last page."""
    attrs = query.index.cursor_attributes
    start_key = decode_cursor(cursor, query.query_id, attrs) if cursor else None
    range_condition = None
    if query.range_prefix:
        range_condition = getattr(TableItem, query.index.range_attribute).startswith(query.range_prefix)
    filters: list[Condition] = []
    if query.status_filter:
        filters.append(CustomerItem.status == query.status_filter)
    if query.area_filter:
        filters.append(TableItem.gsi3pk == query.area_filter)
    filter_condition = None
    for condition in filters:
        filter_condition = condition if filter_condition is None else filter_condition & condition
    results = _INDEXES[query.index].query(
        query.hash_value,
        range_key_condition=range_condition,
        filter_condition=filter_condition,
        limit=limit + 1,
        page_size=limit + 1,
        last_evaluated_key=start_key,
    )
    return page_of(results, CustomerItem, limit=limit, query_id=query.query_id, key_attrs=attrs)


def staff_page(query: keys.StaffQuery, *, limit: int, cursor: str | None) -> tuple[list[StaffItem], str | None]:
    """One index query: active accounts first, each state in creation order; cursor None on the last page."""
    attrs = query.index.cursor_attributes
    start_key = decode_cursor(cursor, query.query_id, attrs) if cursor else None
    range_condition = None
    if query.range_prefix:
        range_condition = getattr(TableItem, query.index.range_attribute).startswith(query.range_prefix)
    results = _INDEXES[query.index].query(
        query.hash_value,
        range_key_condition=range_condition,
        limit=limit + 1,
        page_size=limit + 1,
        last_evaluated_key=start_key,
    )
    return page_of(results, StaffItem, limit=limit, query_id=query.query_id, key_attrs=attrs)


def reviews_page(query: keys.ReviewQuery, *, limit: int, cursor: str | None) -> tuple[list[ReviewItem], str | None]:
    """One index query, oldest held first; the cursor is None on the last page."""
    attrs = query.index.cursor_attributes
    start_key = decode_cursor(cursor, query.query_id, attrs) if cursor else None
    results = _INDEXES[query.index].query(
        query.hash_value, limit=limit + 1, page_size=limit + 1, last_evaluated_key=start_key
    )
    return page_of(results, ReviewItem, limit=limit, query_id=query.query_id, key_attrs=attrs)


def bookings_page(customer_id: str, *, limit: int, cursor: str | None) -> tuple[list[BookingItem], str | None]:
    """A customer's bookings, newest first: one strongly consistent query."""
    query_id = f"bookings|{customer_id}"
    attrs = keys.PRIMARY_KEY_ATTRIBUTES
    start_key = decode_cursor(cursor, query_id, attrs) if cursor else None
    results = BookingItem.query(
        keys.bookings_partition(customer_id),
        range_key_condition=BookingItem.sk.startswith(keys.BOOKING_SK_PREFIX),
        scan_index_forward=False,
        consistent_read=True,
        limit=limit + 1,
        page_size=limit + 1,
        last_evaluated_key=start_key,
    )
    return page_of(results, BookingItem, limit=limit, query_id=query_id, key_attrs=attrs)


def oldest_bookings(customer_id: str, *, limit: int, merge_id: str | None = None) -> list[BookingItem]:
    """Up to ``limit`` of a customer's bookings, oldest first (strongly consistent); with ``merge_id``
    only those that merge moved there (a filter: the query reads the customer's other bookings too)."""
    results = BookingItem.query(
        keys.bookings_partition(customer_id),
        range_key_condition=BookingItem.sk.startswith(keys.BOOKING_SK_PREFIX),
        filter_condition=(BookingItem.merge_id == merge_id) if merge_id else None,
        consistent_read=True,
        limit=limit,
        page_size=max(limit, 100),
    )
    return [item for item in results if isinstance(item, BookingItem)]


def moved_bookings(customer_id: str, merge_id: str) -> list[BookingItem]:
    """Every booking ``merge_id`` moved onto the customer (one query over its bookings, paginated)."""
    results = BookingItem.query(
        keys.bookings_partition(customer_id),
        range_key_condition=BookingItem.sk.startswith(keys.BOOKING_SK_PREFIX),
        filter_condition=BookingItem.merge_id == merge_id,
        consistent_read=True,
    )
    return [item for item in results if isinstance(item, BookingItem)]


def merge_links_page(customer_id: str, *, limit: int, cursor: str | None) -> tuple[list[MergeLinkItem], str | None]:
    """The merges touching a customer, newest first: one strongly consistent query of its collection."""
    query_id = f"merges|{customer_id}"
    attrs = keys.PRIMARY_KEY_ATTRIBUTES
    start_key = decode_cursor(cursor, query_id, attrs) if cursor else None
    results = MergeLinkItem.query(
        keys.bookings_partition(customer_id),
        range_key_condition=MergeLinkItem.sk.startswith(keys.MERGE_LINK_PREFIX),
        scan_index_forward=False,
        consistent_read=True,
        limit=limit + 1,
        page_size=limit + 1,
        last_evaluated_key=start_key,
    )
    return page_of(results, MergeLinkItem, limit=limit, query_id=query_id, key_attrs=attrs)


def outbox(to: str, *, limit: int) -> list[OutboxItem]:
    """Messages the outbox kept for ``to``, newest first."""
    results = OutboxItem.query(keys.outbox_partition(to), scan_index_forward=False, limit=limit, consistent_read=True)
    return list(results)
