"""Customers: what callers send to create or change one, and what they get back."""

from __future__ import annotations

from decimal import Decimal
from typing import Literal

from pydantic import Field

from customer_identity.core.models.common import Answer
from customer_identity.core.models.fields import AccountId, Address, Area, Email, Input, Name, PhoneText
from customer_identity.core.models.households import MAX_MEMBERS, Member, MemberInput
from customer_identity.core.models.phones import PhoneHolding
from customer_identity.core.models.profile_fields import (
    CalendarDate,
    HttpsUrl,
    Location,
    LocationAnswer,
    Notes,
    ProductPrices,
)
from customer_identity.core.wire import (
    DecimalString,
    Timestamp,
)

CustomerStatus = Literal["trial", "active", "paused", "stopped"]
DEFAULT_STATUS: CustomerStatus = "active"


class NewCustomer(Input):
    """Body of ``POST /customers``. Only ``phone`` is required."""

    phone: PhoneText = Field(description="Any shape people type; read in DEFAULT_REGION without +country")
    name: Name | None = None
    email: Email | None = None
    address: Address | None = None
    area: Area | None = None
    status: CustomerStatus | None = Field(default=None, description=f"Defaults to {DEFAULT_STATUS!r}")
    map_link: HttpsUrl | None = Field(default=None, description="A maps link to the house (https)")
    house_image_url: HttpsUrl | None = Field(default=None, description="A photo of the house (https)")
    location: Location | None = None
    trial_start_date: CalendarDate | None = Field(default=None, description="When a trial began (YYYY-MM-DD)")
    marketing_person_id: AccountId | None = Field(
        default=None, description="Staff account id of the marketing person who signed the customer up"
    )
    marketing_person_name: Name | None = Field(
        default=None, description="The marketing person's name, when they have no account (legacy data)"
    )
    notes: Notes | None = None
    custom_product_prices: ProductPrices | None = Field(
        default=None, description="Per-product prices agreed with this customer: product id -> exact decimal"
    )


class CustomerChanges(Input):
    """Body of ``PATCH /customers/{ref}``: fields present are set; ``null`` clears an optional field.

    Customers may change only their own name, address and area; the rest is for admins.
    """

    phone: PhoneText | None = None
    name: Name | None = None
    email: Email | None = None
    members: list[MemberInput] | None = Field(
        default=None,
        max_length=MAX_MEMBERS,
        description="The household (replaces the list): admins and the customer itself",
    )
    address: Address | None = None
    area: Area | None = None
    status: CustomerStatus | None = None
    delivery_person_id: AccountId | None = Field(
        default=None, description="Staff account id of a delivery person (admins only); null unassigns"
    )
    map_link: HttpsUrl | None = Field(default=None, description="A maps link to the house (https)")
    house_image_url: HttpsUrl | None = Field(default=None, description="A photo of the house (https)")
    location: Location | None = None
    trial_start_date: CalendarDate | None = Field(default=None, description="When a trial began (YYYY-MM-DD)")
    marketing_person_id: AccountId | None = Field(
        default=None, description="Staff account id of the marketing person who signed the customer up"
    )
    marketing_person_name: Name | None = Field(
        default=None, description="The marketing person's name, when they have no account (legacy data)"
    )
    notes: Notes | None = None
    custom_product_prices: ProductPrices | None = Field(
        default=None, description="Per-product prices agreed with this customer: product id -> exact decimal"
    )


class Customer(Answer):
    customer_id: str
    customer_number: str
    phone: str | None = Field(
        description="E.164; null once the phone was released (the customer keeps everything else and is "
        "reached by its id, number, email or legacy ids)"
    )
    phone_history: list[PhoneHolding] = Field(
        default_factory=list, description="Phones it held before, oldest first (docs/phones.md)"
    )
    members: list[Member] = Field(
        default_factory=list, description="Its household: people it books for (no number, no login)"
    )
    name: str | None
    email: str | None
    status: CustomerStatus
    address: str | None
    area: str | None
    legacy_ids: list[str]
    delivery_person_id: str | None
    total_bookings: int
    total_spent: DecimalString = Field(description="Exact decimal, 2 places")
    balance: DecimalString = Field(
        default=Decimal("0.00"), description="The exact sum of the customer's ledger entries (GET .../ledger)"
    )
    previous_balance: DecimalString | None = Field(
        default=None, description="Balance carried over from a legacy system: exact decimal, 2 places"
    )
    custom_product_prices: dict[str, DecimalString] = Field(
        default_factory=dict, description="Per-product prices agreed with this customer: exact decimals, 2 places"
    )
    notes: str | None = None
    map_link: str | None = None
    house_image_url: str | None = None
    location: LocationAnswer | None = None
    trial_start_date: str | None = Field(default=None, description="YYYY-MM-DD")
    marketing_person_id: str | None = None
    marketing_person_name: str | None = None
    created_at: Timestamp
    updated_at: Timestamp


class CustomerResult(Answer):
    created: bool
    customer: Customer
    ignored_fields: list[str] = Field(
        default_factory=list,
        description="Fields sent for an existing customer that differ from what is stored; "
        "POST never changes an existing customer (use PATCH)",
    )


# ``merged``: the reference named a customer merged away, and this is the customer it was merged into.
ReferenceKind = Literal["customer_id", "customer_number", "phone", "email", "legacy_id", "merged"]


class ResolvedCustomer(Answer):
    customer: Customer
    resolved_from: ReferenceKind


class CustomerEnvelope(Answer):
    customer: Customer


class CustomerPage(Answer):
    items: list[Customer]
    next_cursor: str | None


# What GET /admin/exports/customers.csv answers (the rules: use_cases/admin/exports.py, docs/exports.md).
EXPORT_DESCRIPTION = (
    "Columns: customer_number, customer_id, phone, name, email, status, area, address, delivery_person_id, "
    "total_bookings, total_spent, previous_balance, map_link, house_image_url, location_lat, location_lng, "
    "trial_start_date, marketing_person_id, marketing_person_name, notes, custom_product_prices (product=price; "
    "…), in customer-number order. UTF-8 with a byte-order mark, "
    "a header row, RFC 4180 quoting with CRLF. A text cell starting with `=`, `+`, `-`, `@`, tab, CR or `'` "
    "is prefixed with `'` (phones read `'+91…`); numeric cells are plain decimals. A small export is the "
    "answer (200); a larger one is written page by page to storage and the answer is `303 See Other` to a "
    "short-lived link serving the same CSV."
)


class ExportLink(Answer):
    """Where a customer export too large to answer inline can be fetched (no token needed)."""

    url: str = Field(description="Presigned, short-lived; also the `Location` header")
    expires_in: int = Field(description="Seconds the link stays valid")
    rows: int = Field(description="Customers exported")
