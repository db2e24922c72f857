"""The review queue: legacy rows the backfill could not place, and the admin's decision."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import Field, StringConstraints

from customer_identity.core.models.bookings import Booking
from customer_identity.core.models.common import Answer
from customer_identity.core.models.customers import Customer
from customer_identity.core.models.fields import Input
from customer_identity.core.wire import (
    Timestamp,
)

ReviewStatus = Literal["open", "resolved", "dismissed"]
LegacyCollection = Literal[
    "auth_users",
    "customers_v2",
    "otp_users",
    "booking_users",
    "customers",
    "bookings",
    "name_conflicts",
    "balance_conflicts",
    "shared_phones",
    "phone_recycled",
    "price_conflicts",
]
ReviewAction = Literal["attach", "dismiss", "household", "separate"]
Note = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=1000)]


class ReviewResolution(Answer):
    action: ReviewAction
    customer_id: str | None = Field(description="The customer the row was attached to (attach only)")
    note: str | None
    by: str = Field(description="Account id of the admin who resolved it")
    at: Timestamp


class ReviewEntry(Answer):
    review_id: str
    collection: LegacyCollection
    legacy_id: str | None
    line: int = Field(description="Line number in the export file (from 1); 0 for an item no export row made")
    reason: str
    row: dict[str, Any] | str = Field(description="The original row (a string if it is not JSON), secrets removed")
    created_at: Timestamp = Field(description="When the backfill held it")
    status: ReviewStatus
    run_id: str
    resolution: ReviewResolution | None


class ReviewPage(Answer):
    items: list[ReviewEntry]
    next_cursor: str | None


class ReviewDecision(Input):
    """Body of ``POST /admin/review/{review_id}``."""

    action: ReviewAction
    customer: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=256)] | None = Field(
        default=None, description="attach only (required): any reference to the customer the row belongs to"
    )
    note: Note | None = None
    keeper: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=256)] | None = Field(
        default=None,
        description="household / separate (a `shared_phone` item) only: the legacy id of the row whose person keeps "
        "the phone (default: the oldest row's)",
    )


class ReviewOutcome(Answer):
    review: ReviewEntry
    customer: Customer | None = Field(description="The customer after the attach (null for dismiss)")
    booking: Booking | None = Field(description="The booking an attached booking row became")
    ignored_fields: list[str] = Field(
        description="Values of the row the customer already had differently: kept, as the backfill keeps them"
    )
    customers: list[Customer] = Field(
        default_factory=list,
        description="A `shared_phone` item resolved: the customers created (the phone's keeper first)",
    )
