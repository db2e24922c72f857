"""Bookings: exact money, ISO date-times, and what callers send and get back."""

from __future__ import annotations

import re
from datetime import datetime
from typing import Annotated, Literal

from pydantic import BeforeValidator, Field, StringConstraints, WithJsonSchema

from customer_identity.core.models.common import Answer
from customer_identity.core.models.fields import Input, Name, Text
from customer_identity.core.models.households import MemberId
from customer_identity.core.models.money import Money
from customer_identity.core.wire import (
    DecimalString,
    Timestamp,
)

BookingStatus = Literal["scheduled", "completed", "cancelled"]
_ISO_DATE_TIME = re.compile(
    r"[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}(?::[0-9]{2}(?:\.[0-9]{1,6})?)?(?:Z|[+-][0-9]{2}:[0-9]{2})?"
)


def _iso_date_time(value: object) -> object:
    if not isinstance(value, str) or not _ISO_DATE_TIME.fullmatch(value):
        raise ValueError("must be an ISO-8601 date-time like 2026-11-22T09:00:00+05:30")
    return value


# A date-time written as ISO-8601 (seconds and offset optional); never a number.
IsoDateTime = Annotated[
    datetime,
    BeforeValidator(_iso_date_time),
    WithJsonSchema({"type": "string", "format": "date-time"}, mode="validation"),
]


class NewBooking(Input):
    """Body of ``POST /bookings``."""

    customer: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=256)] = Field(
        description="Any reference: phone in any shape, user_<phone>, customer number, customer id, legacy id. "
        "A phone without a customer yet creates one."
    )
    name: Name | None = Field(default=None, description="Name for a customer created by this booking")
    service: Annotated[Text, StringConstraints(min_length=1, max_length=100)]
    amount: Money
    scheduled_for: IsoDateTime | None = None
    notes: Annotated[Text, StringConstraints(max_length=1000)] | None = None
    member_id: MemberId | None = Field(default=None, description="The household member it is for (the customer's)")


class BookingChanges(Input):
    """Body of ``PATCH /bookings/{booking_id}``."""

    status: BookingStatus


class Booking(Answer):
    booking_id: str
    customer_id: str
    customer_number: str
    service: str
    amount: DecimalString = Field(description="Exact decimal, 2 places")
    status: BookingStatus
    scheduled_for: Timestamp | None = Field(description="As it was sent (its offset too, if it had one)")
    notes: str | None
    member_id: str | None = Field(default=None, description="The household member it is for")
    created_at: Timestamp
    updated_at: Timestamp


class BookingResult(Answer):
    booking: Booking
    customer_created: bool


class BookingEnvelope(Answer):
    booking: Booking


class BookingPage(Answer):
    items: list[Booking]
    next_cursor: str | None
