"""Listing customers: one index query per page, in customer-number order; or a name search."""

from __future__ import annotations

from customer_identity.core.errors import CustomerNotFound, InvalidInput
from customer_identity.core.folding import fold
from customer_identity.core.models.customers import CustomerPage
from customer_identity.storage import keys, queries
from customer_identity.storage.entities import CustomerItem
from customer_identity.use_cases.identity.resolution import Resolver
from customer_identity.use_cases.identity.views import Views

MAX_PAGE_SIZE = 100
MIN_QUERY_CHARS = 1  # folded; one character reads one name partition, a page at a time


def check_limit(limit: int) -> None:
    if not 1 <= limit <= MAX_PAGE_SIZE:
        raise InvalidInput(f"limit must be between 1 and {MAX_PAGE_SIZE}", field="limit", code="invalid_limit")


class Listing:
    def __init__(self, views: Views, resolver: Resolver) -> None:
        self.views = views
        self.resolver = resolver

    def customers(
        self,
        *,
        status: str | None,
        area: str | None,
        limit: int,
        cursor: str | None,
        delivery_person_id: str | None = None,
        q: str | None = None,
        marketing_person_id: str | None = None,
    ) -> CustomerPage:
        """``next_cursor`` is null on the last page. With ``delivery_person_id`` only that person's
        customers (status and area then filter the page). With ``q``, customers whose name or its
        last word starts with ``q`` (case- and accent-insensitive, see ``core.folding``), or one of
        whose household members' does (without a status or area filter, and not in a delivery
        person's own list); a customer is listed once a page. With ``marketing_person_id`` only the
        customers that person signed up (status, area and ``q`` then filter the page)."""
        check_limit(limit)
        if marketing_person_id is not None:
            return self.signed_up_by(marketing_person_id, status=status, area=area, q=q, limit=limit, cursor=cursor)
        if q is not None:
            return self.by_name(q, status=status, area=area, limit=limit, cursor=cursor, scope=delivery_person_id)
        query = keys.customer_query(status=status, area=area, delivery_person_id=delivery_person_id)
        items, next_cursor = queries.customers_page(query, limit=limit, cursor=cursor)
        return CustomerPage(items=[self.views.customer(item) for item in items], next_cursor=next_cursor)

    def signed_up_by(
        self,
        marketing_person_id: str,
        *,
        status: str | None,
        area: str | None,
        q: str | None,
        limit: int,
        cursor: str | None,
    ) -> CustomerPage:
        """One keys-only index query and one ``BatchGetItem``; filters apply to the page read (it may
        hold fewer than ``limit`` customers, ``next_cursor`` says whether more follow)."""
        query = keys.marketing_person_query(marketing_person_id)
        items, next_cursor = queries.customers_page(query, limit=limit, cursor=cursor)
        prefix = fold(q) if q is not None else None
        wanted = [
            item
            for item in items
            if (status is None or item.status == status)
            and (area is None or keys.area_value(item.area or "") == keys.area_value(area))
            and (prefix is None or _name_matches(item.name, prefix))
        ]
        return CustomerPage(items=[self.views.customer(item) for item in wanted], next_cursor=next_cursor)

    def by_name(
        self, q: str, *, status: str | None, area: str | None, limit: int, cursor: str | None, scope: str | None
    ) -> CustomerPage:
        prefix = fold(q)
        if len(prefix) < MIN_QUERY_CHARS:
            raise InvalidInput("q must contain at least one letter or digit", field="q", code="invalid_q")
        search = keys.name_search(prefix, status=status, area=area, delivery_person_id=scope)
        found, next_cursor = queries.customers_by_name(search, limit=limit, cursor=cursor)
        items: dict[str, CustomerItem] = {}
        for item in found:
            if not isinstance(item, CustomerItem):  # a member's name: its customer (or its survivor)
                try:
                    item = self.resolver.by_id(item.customer_id)
                except CustomerNotFound:
                    continue  # a member index item whose customer is gone: nothing to list
            items.setdefault(item.customer_id, item)
        return CustomerPage(items=[self.views.customer(item) for item in items.values()], next_cursor=next_cursor)


def _name_matches(name: str | None, prefix: str) -> bool:
    """The name search's rule: the folded name, or its last word, starts with ``prefix``."""
    folded = fold(name or "")
    return folded.startswith(prefix) or (folded.split() or [""])[-1].startswith(prefix)
