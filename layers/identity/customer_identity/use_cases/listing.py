"""Listing customers: one index query per page, in customer-number order."""

from __future__ import annotations

from customer_identity.core.errors import InvalidInput
from customer_identity.core.models import CustomerPage
from customer_identity.storage import keys, queries
from customer_identity.use_cases.views import Views

MAX_PAGE_SIZE = 100


def check_limit(limit: int) -> None:
    if not 1 <= limit <= MAX_PAGE_SIZE:
        raise InvalidInput(f"limit must be between 1 and {MAX_PAGE_SIZE}", field="limit", code="invalid_limit")


class Listing:
    def __init__(self, views: Views) -> None:
        self.views = views

    def customers(
        self,
        *,
        status: str | None,
        area: str | None,
        limit: int,
        cursor: str | None,
        delivery_person_id: str | None = None,
    ) -> CustomerPage:
        """``next_cursor`` is null on the last page. With ``delivery_person_id`` only that person's
        customers (status and area then filter the page)."""
        check_limit(limit)
        query = keys.customer_query(status=status, area=area, delivery_person_id=delivery_person_id)
        items, next_cursor = queries.customers_page(query, limit=limit, cursor=cursor)
        return CustomerPage(items=[self.views.customer(item) for item in items], next_cursor=next_cursor)
