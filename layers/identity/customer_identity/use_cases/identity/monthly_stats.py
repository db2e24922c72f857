"""The dashboard's figures per month (``GET /admin/stats/monthly``), read from the same counter shards.

What each item counts per month is in :mod:`.stats` (``month#<YYYY-MM>#<figure>``); reading them is
the same one ``BatchGetItem`` of the shards as :func:`.stats.totals`, never a scan.
"""

from __future__ import annotations

from decimal import Decimal
from typing import get_args

from customer_identity.core.clock import utc_now
from customer_identity.core.errors import InvalidInput
from customer_identity.core.models.customers import CustomerStatus
from customer_identity.core.models.stats import MonthFigures, MonthlyStats
from customer_identity.storage import stats as stored
from customer_identity.use_cases.identity.stats import (
    CENTS,
    MONTH,
    MONTH_BECAME,
    MONTH_BOOKINGS,
    MONTH_CREATED,
    MONTH_REVENUE,
)

MAX_MONTHS = 120
DEFAULT_MONTHS = 12
STATUSES: tuple[str, ...] = get_args(CustomerStatus)


def _index(month: str) -> int:
    year, number = month.split("-")
    return int(year) * 12 + int(number) - 1


def _month(index: int) -> str:
    return f"{index // 12:04d}-{index % 12 + 1:02d}"


def months_between(first: str | None, last: str | None) -> list[str]:
    """The months from ``first`` to ``last`` (``YYYY-MM``, already well-formed); defaults: the last 12 to now."""
    end = _index(last or utc_now()[:7])
    start = _index(first) if first else end - DEFAULT_MONTHS + 1
    if start > end:
        raise InvalidInput("`from` must not be after `to`", field="from", code="invalid_from")
    if end - start + 1 > MAX_MONTHS:
        raise InvalidInput(f"at most {MAX_MONTHS} months at a time", field="to", code="invalid_to")
    return [_month(index) for index in range(start, end + 1)]


def monthly(first: str | None = None, last: str | None = None) -> MonthlyStats:
    """Every month's figures from ``first`` to ``last`` (one strongly consistent ``BatchGetItem``)."""
    months = months_between(first, last)
    read = stored.read_totals()

    def value(month: str, figure: str) -> Decimal:
        return read.get(f"{MONTH}{month}#{figure}", Decimal(0))

    return MonthlyStats(
        months=[
            MonthFigures(
                month=month,
                customers_created=int(value(month, MONTH_CREATED)),
                became={status: int(value(month, MONTH_BECAME + status)) for status in STATUSES},
                bookings=int(value(month, MONTH_BOOKINGS)),
                revenue=str(value(month, MONTH_REVENUE).quantize(CENTS)),
            )
            for month in months
        ]
    )
