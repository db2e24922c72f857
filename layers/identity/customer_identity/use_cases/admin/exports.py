"""The customers CSV for billing: written page by page, never the whole table in memory.

Rows come from the listing's own index queries (``storage.queries.customers_page``), one page of
:data:`PAGE_SIZE` at a time, in customer-number order (merged-away customers and unfinished
creates are in no index, so never exported). Each page becomes one chunk of CSV bytes.

Delivery (:func:`CustomerExport.run`): an export that fits in ``inline_limit`` bytes is answered
inline; a larger one is handed, chunk by chunk, to an :class:`ExportFiles` target (S3 multipart
in AWS, a folder under ``make run``) and answered with a short-lived link. Memory holds at most
one page plus one buffer (the inline buffer, then one upload part).

The format: UTF-8 with a byte-order mark (so spreadsheets read it as UTF-8), a header row, RFC 4180
quoting with CRLF line ends (Python's ``csv`` module, ``excel`` dialect). Formula injection
(OWASP "CSV Injection"): a text cell starting with ``=``, ``+``, ``-``, ``@``, tab, carriage return
or ``'`` gets one ``'`` in front, so no spreadsheet evaluates it; removing one leading ``'`` from a
text cell restores it exactly. That includes phones: E.164 starts with ``+``, so a phone reads
``'+919812345678`` (a spreadsheet keeps it as text with its country code, never a number).
Numeric cells (``total_bookings``, ``total_spent``, ``previous_balance``) are written by the
service from exact decimals as ``-?digits[.dd]`` and are not escaped: a negative balance stays a
number a spreadsheet can sum.
"""

from __future__ import annotations

import csv
import io
import itertools
import secrets
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from decimal import Decimal
from typing import Protocol

from customer_identity.core.clock import utc_now
from customer_identity.core.models.customers import Customer, ExportLink
from customer_identity.storage import keys, queries
from customer_identity.use_cases.identity.views import Views

PAGE_SIZE = 500
BOM = "\ufeff"
COLUMNS = (
    "customer_number",
    "customer_id",
    "phone",
    "name",
    "email",
    "status",
    "area",
    "address",
    "delivery_person_id",
    "total_bookings",
    "total_spent",
    "previous_balance",
    "map_link",
    "house_image_url",
    "location_lat",
    "location_lng",
    "trial_start_date",
    "marketing_person_id",
    "marketing_person_name",
    "notes",
    "custom_product_prices",
)
FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r", "'")


def text_cell(value: str | None) -> str:
    """A text cell no spreadsheet evaluates (see the module's docstring)."""
    if not value:
        return ""
    return f"'{value}" if value.startswith(FORMULA_TRIGGERS) else value


def number_cell(value: Decimal | int | None) -> str:
    return "" if value is None else f"{value:f}" if isinstance(value, Decimal) else str(int(value))


def coordinate_cell(value: float | None) -> str:
    return "" if value is None else repr(value)


def row_of(customer: Customer) -> list[str]:
    return [
        text_cell(customer.customer_number),
        text_cell(customer.customer_id),
        text_cell(customer.phone),
        text_cell(customer.name),
        text_cell(customer.email),
        text_cell(customer.status),
        text_cell(customer.area),
        text_cell(customer.address),
        text_cell(customer.delivery_person_id),
        number_cell(customer.total_bookings),
        number_cell(customer.total_spent),
        number_cell(customer.previous_balance),
        text_cell(customer.map_link),
        text_cell(customer.house_image_url),
        coordinate_cell(customer.location.lat if customer.location else None),
        coordinate_cell(customer.location.lng if customer.location else None),
        text_cell(customer.trial_start_date),
        text_cell(customer.marketing_person_id),
        text_cell(customer.marketing_person_name),
        text_cell(customer.notes),
        text_cell(
            "; ".join(f"{product}={price:f}" for product, price in sorted(customer.custom_product_prices.items()))
        ),
    ]


class ExportFiles(Protocol):
    """Where an export too large to answer inline is written; returns a link to it."""

    def write(self, name: str, chunks: Iterable[bytes]) -> str: ...


@dataclass(frozen=True)
class ExportResult:
    rows: int
    body: bytes | None = None  # the CSV, when it fits inline
    link: ExportLink | None = None  # else where to fetch it


class CustomerExport:
    def __init__(
        self,
        views: Views,
        files: ExportFiles | None,
        *,
        inline_limit: int,
        link_ttl_seconds: int,
        page_size: int = PAGE_SIZE,
    ) -> None:
        self.views = views
        self.files = files
        self.inline_limit = inline_limit
        self.link_ttl_seconds = link_ttl_seconds
        self.page_size = page_size

    def chunks(self, *, status: str | None, area: str | None, counter: list[int] | None = None) -> Iterator[bytes]:
        """The CSV in chunks: the header, then one chunk per index page. ``counter[0]`` counts rows."""
        yield self._csv([list(COLUMNS)], prefix=BOM)
        query = keys.customer_query(status=status, area=area, delivery_person_id=None)
        cursor: str | None = None
        while True:
            items, cursor = queries.customers_page(query, limit=self.page_size, cursor=cursor)
            if counter is not None:
                counter[0] += len(items)
            if items:
                yield self._csv([row_of(self.views.customer(item)) for item in items])
            if cursor is None:
                return

    def run(self, *, status: str | None, area: str | None) -> ExportResult:
        counter = [0]
        chunks = self.chunks(status=status, area=area, counter=counter)
        buffer = bytearray()
        for chunk in chunks:
            buffer += chunk
            if len(buffer) > self.inline_limit:
                if self.files is None:
                    raise RuntimeError("no export target configured (EXPORT_BUCKET or EXPORT_DIR)")
                stamp = utc_now()[:19].replace(":", "").replace("-", "")
                name = f"customers-{stamp}-{secrets.token_urlsafe(16)}.csv"
                url = self.files.write(name, itertools.chain([bytes(buffer)], chunks))
                link = ExportLink(url=url, expires_in=self.link_ttl_seconds, rows=counter[0])
                return ExportResult(rows=counter[0], link=link)
        return ExportResult(rows=counter[0], body=bytes(buffer))

    @staticmethod
    def _csv(rows: list[list[str]], prefix: str = "") -> bytes:
        out = io.StringIO()
        out.write(prefix)
        csv.writer(out, dialect="excel").writerows(rows)  # RFC 4180: CRLF, quotes doubled
        return out.getvalue().encode()
