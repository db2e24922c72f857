"""Phones over time: who held a phone when, releasing a phone, and the recycling guard's answers."""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from customer_identity.core.models.common import Answer
from customer_identity.core.models.fields import Input
from customer_identity.core.wire import Timestamp

ReleaseReason = Literal["admin", "self", "recycled"]


class PhoneHolding(Answer):
    """One time a customer held a phone (in the customer's ``phone_history``)."""

    phone: str = Field(description="E.164")
    held_from: Timestamp = Field(description="When the customer got the phone")
    held_until: Timestamp = Field(description="When the phone was released")
    reason: ReleaseReason = Field(
        description="`admin`: released by an admin; `self`: by the customer; `recycled`: a new person proved "
        "the number is theirs now (the recycling guard)"
    )


class PhoneHolder(Answer):
    """Who held a phone, from when to when (``GET /admin/phone-history/{phone}``)."""

    customer_id: str
    customer_number: str
    held_from: Timestamp
    held_until: Timestamp | None = Field(description="null: holds it now")
    reason: ReleaseReason | None = Field(description="Why it was released (null: holds it now)")


class PhoneHistory(Answer):
    phone: str = Field(description="E.164")
    holders: list[PhoneHolder] = Field(description="Oldest first; the current holder (if any) last")


class PhoneRelease(Input):
    """Body of ``POST /admin/customers/{ref}/release-phone`` and ``POST /me/release-phone`` (optional)."""

    note: str | None = Field(default=None, max_length=500, description="Why (kept on the history item)")
