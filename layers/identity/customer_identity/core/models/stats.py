"""The dashboard counters (``GET /admin/stats``)."""

from __future__ import annotations

from pydantic import Field

from customer_identity.core.models.common import Answer
from customer_identity.core.wire import (
    SummedAmount,
)


class CustomerCounts(Answer):
    total: int = Field(description="Live customers (with a number, not merged away)")
    by_status: dict[str, int] = Field(description="Live customers per status; statuses with none are omitted")
    by_area: dict[str, int] = Field(
        description="Live customers per area (case-folded, spaces collapsed, as listings group them); "
        "areas with none are omitted"
    )
    with_login: int = Field(description="Live customers with a password or a verified phone")
    with_email: int = Field(description="Live customers with an email")
    merged_away: int = Field(description="Customers merged into another one")
    without_phone: int = Field(default=0, description="Live customers without a phone (theirs was released)")


class StaffCounts(Answer):
    by_role: dict[str, int] = Field(description="Active staff accounts per role; roles with none are omitted")


class BookingCounts(Answer):
    total: int = Field(description="Bookings not cancelled")
    total_spent: SummedAmount = Field(description="Their amounts summed: an exact decimal string with 2 places")


class DashboardStats(Answer):
    """``GET /admin/stats``: exact counters kept in the transactions that change what they count."""

    customers: CustomerCounts
    staff: StaffCounts
    review_open: int = Field(description="Review items still open")
    phones_released: int = Field(default=0, description="Phones released from a customer so far (phone history items)")
    bookings: BookingCounts
    total_balance: SummedAmount = Field(
        default="0.00",
        description="Every customer's balance summed (every ledger entry): an exact decimal string with 2 places; "
        "no merge, undo or other identity operation changes it",
    )


class MonthFigures(Answer):
    month: str = Field(description="`YYYY-MM` (UTC)", examples=["2026-11"])
    customers_created: int = Field(description="Customers created this month (given a number; merged away or not)")
    became: dict[str, int] = Field(
        description="Customers who entered each status this month (`trial`, `active`, `paused`, `stopped`; "
        "every status listed, 0 included); a new customer enters its first status in the month it was created"
    )
    bookings: int = Field(description="Bookings created this month and not cancelled")
    revenue: SummedAmount = Field(description="Their amounts summed: an exact decimal string with 2 places")


class MonthlyStats(Answer):
    """``GET /admin/stats/monthly``: exact figures per month, kept in the writes' own transactions."""

    months: list[MonthFigures] = Field(description="Every month from `from` to `to`, oldest first")
