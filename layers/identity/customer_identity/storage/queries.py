"""Paged reads: customers, staff and review items through an index, name search, a customer's bookings
and merges, an account's sessions, the local outbox."""

from __future__ import annotations

from pynamodb.expressions.condition import Condition

from customer_identity.storage import keys
from customer_identity.storage.entities import (
    BookingItem,
    CustomerItem,
    LedgerEntryItem,
    LegacyRecordItem,
    MemberNameItem,
    MergeLinkItem,
    OutboxItem,
    ReviewItem,
    SessionItem,
    StaffItem,
    TableItem,
)
from customer_identity.storage.hydrate import hydrated
from customer_identity.storage.paging import Positions, decode_cursor, decode_positions, encode_positions, page_of

_INDEXES = {
    keys.BY_NUMBER: TableItem.by_number,
    keys.BY_STATUS: TableItem.by_status,
    keys.BY_AREA: TableItem.by_area,
    keys.BY_DELIVERY_PERSON: TableItem.by_delivery_person,
    keys.BY_NAME: TableItem.by_name,
    keys.BY_NAME_LAST_WORD: TableItem.by_name_last_word,
    keys.BY_MARKETING_PERSON: TableItem.by_marketing_person,
}


def _all_of(conditions: list[Condition | None]) -> Condition | None:
    combined = None
    for condition in conditions:
        if condition is not None:
            combined = condition if combined is None else combined & condition
    return combined


def _profile_filters(status: str | None, area: str | None) -> list[Condition | None]:
    return [
        CustomerItem.status == status if status else None,
        TableItem.gsi3pk == area if area else None,
    ]


def _index_page[T: TableItem](
    cls: type[T],
    query: keys.CustomerQuery | keys.StaffQuery | keys.ReviewQuery,
    *,
    range_prefix: str | None,
    filter_condition: Condition | None,
    limit: int,
    cursor: str | None,
) -> tuple[list[T], str | None]:
    """One query of ``query``'s index partition (range key starting with ``range_prefix``, if any),
    in range-key order; the cursor is None on the last page."""
    attrs = query.index.cursor_attributes
    start_key = decode_cursor(cursor, query.query_id, attrs) if cursor else None
    range_condition = None
    if range_prefix:
        range_condition = getattr(TableItem, query.index.range_attribute).startswith(range_prefix)
    results = _INDEXES[query.index].query(
        query.hash_value,
        range_key_condition=range_condition,
        filter_condition=filter_condition,
        limit=limit + 1,
        page_size=limit + 1,
        last_evaluated_key=start_key,
    )
    entries, next_cursor = page_of(results, cls, limit=limit, query_id=query.query_id, key_attrs=attrs)
    return hydrated(entries), next_cursor


def customers_page(
    query: keys.CustomerQuery, *, limit: int, cursor: str | None
) -> tuple[list[CustomerItem], str | None]:
    """One index query, in customer-number order; the cursor is None on the last page."""
    filters = _all_of(_profile_filters(query.status_filter, query.area_filter))
    return _index_page(
        CustomerItem, query, range_prefix=query.range_prefix, filter_condition=filters, limit=limit, cursor=cursor
    )


def staff_page(query: keys.StaffQuery, *, limit: int, cursor: str | None) -> tuple[list[StaffItem], str | None]:
    """One index query: active accounts first, each state in creation order; cursor None on the last page."""
    return _index_page(
        StaffItem, query, range_prefix=query.range_prefix, filter_condition=None, limit=limit, cursor=cursor
    )


def reviews_page(query: keys.ReviewQuery, *, limit: int, cursor: str | None) -> tuple[list[ReviewItem], str | None]:
    """One index query, oldest held first; the cursor is None on the last page."""
    return _index_page(ReviewItem, query, range_prefix=None, filter_condition=None, limit=limit, cursor=cursor)


def customers_by_name(
    search: keys.NameSearch, *, limit: int, cursor: str | None
) -> tuple[list[CustomerItem | MemberNameItem], str | None]:
    """Customers whose folded name, or its last word, starts with ``search.prefix``, and household
    members whose name does (their :class:`MemberNameItem`; none when status or area filter).

    Everyone's: two queries per page (``by_name`` and ``by_name_last_word``, one partition each),
    merged in order of the matched text; a name matching in both is taken from ``by_name`` only.
    One delivery person's: their ``by_delivery_person`` partition, in number order, the name
    matched by a filter (it reads only their customers, never the whole name index).
    """
    prefix, profile = search.prefix, _profile_filters(search.status_filter, search.area_filter)
    name_matches = TableItem.gsi5sk.startswith(prefix) | TableItem.gsi6sk.startswith(prefix)
    if search.delivery_person_id:
        attrs = keys.BY_DELIVERY_PERSON.cursor_attributes
        start_key = decode_cursor(cursor, search.query_id, attrs) if cursor else None
        results = TableItem.by_delivery_person.query(
            keys.delivery_value(search.delivery_person_id),
            filter_condition=_all_of([name_matches, *profile]),
            limit=limit + 1,
            page_size=limit + 1,
            last_evaluated_key=start_key,
        )
        entries, next_cursor = page_of(results, CustomerItem, limit=limit, query_id=search.query_id, key_attrs=attrs)
        return hydrated(entries), next_cursor
    streams = {
        "name": (keys.BY_NAME, _all_of(profile)),
        "last_word": (keys.BY_NAME_LAST_WORD, _all_of([~TableItem.gsi5sk.startswith(prefix), *profile])),
    }
    attrs = {name: index.cursor_attributes for name, (index, _) in streams.items()}
    positions: Positions = (
        decode_positions(cursor, search.query_id, attrs) if cursor else {name: {} for name in streams}
    )
    fetched: dict[str, list[CustomerItem | MemberNameItem]] = {}
    for name, (index, filter_condition) in streams.items():
        start = positions[name]
        if start is None:
            fetched[name] = []
            continue
        results = _INDEXES[index].query(
            search.partition,
            range_key_condition=getattr(TableItem, index.range_attribute).startswith(prefix),
            filter_condition=filter_condition,
            limit=limit + 1,
            page_size=limit + 1,
            last_evaluated_key={attr: {"S": value} for attr, value in start.items()} or None,
        )
        fetched[name] = [item for item in results if isinstance(item, CustomerItem | MemberNameItem)]
    page, taken = _merge(fetched, attrs, limit)
    for name, items in fetched.items():
        if positions[name] is None:
            continue
        if taken[name] == len(items) and len(items) <= limit:
            positions[name] = None  # used up
        elif taken[name]:
            positions[name] = {attr: getattr(items[taken[name] - 1], attr) for attr in attrs[name]}
    if all(position is None for position in positions.values()):
        return hydrated(page), None
    return hydrated(page), encode_positions(search.query_id, positions)


def _merge[T: TableItem](
    fetched: dict[str, list[T]], attrs: dict[str, tuple[str, ...]], limit: int
) -> tuple[list[T], dict[str, int]]:
    """Up to ``limit`` items from sorted streams in order of their index sort keys; how many each gave."""
    taken = dict.fromkeys(fetched, 0)
    page: list[T] = []
    while len(page) < limit:
        heads = [
            (getattr(items[taken[name]], attrs[name][-1]), name)
            for name, items in fetched.items()
            if taken[name] < len(items)
        ]
        if not heads:
            break
        _, name = min(heads)
        page.append(fetched[name][taken[name]])
        taken[name] += 1
    return page, taken


def _collection_page[T: TableItem](
    cls: type[T], customer_id: str, sk_prefix: str, kind: str, *, limit: int, cursor: str | None
) -> tuple[list[T], str | None]:
    """Items of a customer's collection under ``sk_prefix``, newest first: one strongly consistent query."""
    query_id = f"{kind}|{customer_id}"
    attrs = keys.PRIMARY_KEY_ATTRIBUTES
    start_key = decode_cursor(cursor, query_id, attrs) if cursor else None
    results = cls.query(
        keys.bookings_partition(customer_id),
        range_key_condition=cls.sk.startswith(sk_prefix),
        scan_index_forward=False,
        consistent_read=True,
        limit=limit + 1,
        page_size=limit + 1,
        last_evaluated_key=start_key,
    )
    return page_of(results, cls, limit=limit, query_id=query_id, key_attrs=attrs)


def bookings_page(customer_id: str, *, limit: int, cursor: str | None) -> tuple[list[BookingItem], str | None]:
    """A customer's bookings, newest first."""
    return _collection_page(BookingItem, customer_id, keys.BOOKING_SK_PREFIX, "bookings", limit=limit, cursor=cursor)


def ledger_page(customer_id: str, *, limit: int, cursor: str | None) -> tuple[list[LedgerEntryItem], str | None]:
    """A customer's ledger entries, newest first."""
    return _collection_page(LedgerEntryItem, customer_id, keys.LEDGER_SK_PREFIX, "ledger", limit=limit, cursor=cursor)


def legacy_records_page(
    customer_id: str, *, limit: int, cursor: str | None
) -> tuple[list[LegacyRecordItem], str | None]:
    """The legacy rows kept under a customer (by collection, then legacy id, descending)."""
    return _collection_page(
        LegacyRecordItem, customer_id, keys.SOURCE_SK_PREFIX, "legacy_records", limit=limit, cursor=cursor
    )


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
    """The merges touching a customer, newest first (link items in its collection)."""
    return _collection_page(MergeLinkItem, customer_id, keys.MERGE_LINK_PREFIX, "merges", limit=limit, cursor=cursor)


def outbox(to: str, *, limit: int) -> list[OutboxItem]:
    """Messages the outbox kept for ``to``, newest first."""
    results = OutboxItem.query(keys.outbox_partition(to), scan_index_forward=False, limit=limit, consistent_read=True)
    return list(results)


def account_sessions(account_id: str) -> list[SessionItem]:
    """Every session item of an account, live or ended, oldest id first (one strongly consistent query, paginated)."""
    results = SessionItem.query(
        keys.sessions_partition(account_id),
        range_key_condition=SessionItem.sk.startswith(keys.SESSION_SK_PREFIX),
        consistent_read=True,
    )
    return [item for item in results if isinstance(item, SessionItem)]
