"""Pydantic models: what callers send and what they get back."""

from __future__ import annotations

import re
import unicodedata
from datetime import datetime
from decimal import Decimal
from typing import Annotated, Any, Literal

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    EmailStr,
    Field,
    Strict,
    StrictBool,
    StringConstraints,
    WithJsonSchema,
)

from customer_identity.core.roles import Role, StaffRoleInput
from customer_identity.core.wire import (
    ADDRESS_PATTERN,
    AMOUNT_IN_PATTERN,
    PHONE_PATTERN,
    TEXT_PATTERN,
    DecimalString,
    SchemaPattern,
    SummedAmount,
    Timestamp,
)

CustomerStatus = Literal["trial", "active", "paused", "stopped"]
DEFAULT_STATUS: CustomerStatus = "active"

# Never in text people type: C0 and C1 controls (NUL, TAB, CR, LF, ESC, DEL, ...), the bidi
# embeddings, overrides and isolates that make text display as something else, lone surrogates.
_FORBIDDEN_IN_TEXT = re.compile("[\x00-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069\ud800-\udfff]")


def _refusing(forbidden: re.Pattern[str]) -> AfterValidator:
    """A validator refusing ``forbidden`` characters, then normalising to NFC."""

    def clean(value: str) -> str:
        found = forbidden.search(value)
        if found:
            raise ValueError(f"must not contain control or bidi-override characters (U+{ord(found.group()):04X})")
        return unicodedata.normalize("NFC", value)

    return AfterValidator(clean)


# Text people type (names, addresses, areas, services, notes): trimmed, NFC-normalised, every script
# kept as typed, no control or bidi-override characters. Add the lengths: Annotated[Text, StringConstraints(...)].
Text = Annotated[
    str, StringConstraints(strip_whitespace=True), _refusing(_FORBIDDEN_IN_TEXT), SchemaPattern(TEXT_PATTERN)
]
Name = Annotated[Text, StringConstraints(min_length=1, max_length=200)]
# Addresses may span lines (CR and LF kept as typed); every other control character is refused.
_FORBIDDEN_IN_ADDRESS = re.compile("[\x00-\x09\x0b\x0c\x0e-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069\ud800-\udfff]")

Address = Annotated[
    str,
    StringConstraints(strip_whitespace=True, min_length=1, max_length=500),
    _refusing(_FORBIDDEN_IN_ADDRESS),
    SchemaPattern(ADDRESS_PATTERN),
]
Area = Annotated[Text, StringConstraints(min_length=1, max_length=100)]
PhoneText = Annotated[str, StringConstraints(min_length=1, max_length=64), SchemaPattern(PHONE_PATTERN)]
AccountId = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=64)]
# Long enough to resist guessing, short enough that hashing cannot be used to exhaust a function.
Password = Annotated[str, StringConstraints(min_length=8, max_length=128)]
OtpCode = Annotated[str, StringConstraints(pattern=r"^[0-9]{6}$")]


class _Input(BaseModel):
    model_config = ConfigDict(extra="forbid")


class Answer(BaseModel):
    """What the service answers: every field is always sent (defaults too), so its schema requires them all."""

    model_config = ConfigDict(json_schema_serialization_defaults_required=True)


class NewCustomer(_Input):
    """Body of ``POST /customers``. Only ``phone`` is required."""

    phone: PhoneText = Field(description="Any shape people type; read in DEFAULT_REGION without +country")
    name: Name | None = None
    email: EmailStr | None = None
    address: Address | None = None
    area: Area | None = None
    status: CustomerStatus | None = Field(default=None, description=f"Defaults to {DEFAULT_STATUS!r}")


class CustomerChanges(_Input):
    """Body of ``PATCH /customers/{ref}``: fields present are set; ``null`` clears an optional field.

    Customers may change only their own name, address and area; the rest is for admins.
    """

    phone: PhoneText | None = None
    name: Name | None = None
    email: EmailStr | None = None
    address: Address | None = None
    area: Area | None = None
    status: CustomerStatus | None = None
    delivery_person_id: AccountId | None = Field(
        default=None, description="Staff account id of a delivery person (admins only); null unassigns"
    )


class NextNumber(_Input):
    """Body of ``PUT /admin/customer-numbers``."""

    next: Annotated[int, Strict()] = Field(ge=1, le=10**11, description="The number the next new customer gets")


class Customer(Answer):
    customer_id: str
    customer_number: str
    phone: str
    name: str | None
    email: str | None
    status: CustomerStatus
    address: str | None
    area: str | None
    legacy_ids: list[str]
    delivery_person_id: str | None
    total_bookings: int
    total_spent: DecimalString = Field(description="Exact decimal, 2 places")
    previous_balance: DecimalString | None = Field(
        default=None, description="Balance carried over from a legacy system: exact decimal, 2 places"
    )
    custom_product_prices: dict[str, DecimalString] = Field(
        default_factory=dict, description="Per-product prices agreed with this customer: exact decimals, 2 places"
    )
    notes: str | None = None
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


# What GET /admin/exports/customers.csv answers (the rules: use_cases/exports.py, docs/exports.md).
EXPORT_DESCRIPTION = (
    "Columns: customer_number, customer_id, phone, name, email, status, area, address, delivery_person_id, "
    "total_bookings, total_spent, previous_balance, in customer-number order. UTF-8 with a byte-order mark, "
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


class NumberingState(Answer):
    next_number: int
    next_customer_number: str
    last_issued: str | None


class NumberingOverview(NumberingState):
    """``GET /admin/customer-numbers``: the counter's state and the prefix numbers are shown with."""

    prefix: str


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
    bookings: BookingCounts


BookingStatus = Literal["scheduled", "completed", "cancelled"]
CENTS = Decimal("0.01")
_PLAIN_DECIMAL = re.compile(r"[0-9]+(?:\.[0-9]+)?")  # ASCII digits only: no sign, exponent, "_" or spaces
_ISO_DATE_TIME = re.compile(
    r"[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}(?::[0-9]{2}(?:\.[0-9]{1,6})?)?(?:Z|[+-][0-9]{2}:[0-9]{2})?"
)


def _plain_decimal(value: object) -> Decimal:
    """A JSON string or number (or a Decimal from code) written as plain ASCII digits and a decimal point."""
    if isinstance(value, bool) or not isinstance(value, str | int | float | Decimal):
        raise ValueError('must be a decimal string like "249.50"')
    text = value if isinstance(value, str) else format(value, "f") if isinstance(value, Decimal) else repr(value)
    if not _PLAIN_DECIMAL.fullmatch(text):
        raise ValueError('must be plain digits with an optional decimal point, like "249.50"')
    return Decimal(text)


def _iso_date_time(value: object) -> object:
    if not isinstance(value, str) or not _ISO_DATE_TIME.fullmatch(value):
        raise ValueError("must be an ISO-8601 date-time like 2026-11-22T09:00:00+05:30")
    return value


# Exact money: plain ASCII digits, at most 2 decimal places, never negative; stored with 2 places.
Money = Annotated[
    Decimal,
    Field(ge=0, max_digits=14, decimal_places=2, allow_inf_nan=False),
    BeforeValidator(_plain_decimal),
    AfterValidator(lambda amount: amount.quantize(CENTS)),
    WithJsonSchema(
        {
            "type": "string",
            "pattern": AMOUNT_IN_PATTERN,
            "examples": ["249.50"],
            "description": "A decimal string; a JSON number is accepted too, for old clients",
        },
        mode="validation",
    ),
]
# A date-time written as ISO-8601 (seconds and offset optional); never a number.
IsoDateTime = Annotated[
    datetime,
    BeforeValidator(_iso_date_time),
    WithJsonSchema({"type": "string", "format": "date-time"}, mode="validation"),
]


class NewBooking(_Input):
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


class BookingChanges(_Input):
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


# --- the review queue ---------------------------------------------------------------------------

ReviewStatus = Literal["open", "resolved", "dismissed"]
LegacyCollection = Literal[
    "auth_users", "customers_v2", "otp_users", "booking_users", "customers", "bookings", "name_conflicts"
]
ReviewAction = Literal["attach", "dismiss"]
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
    line: int = Field(description="Line number in the export file (from 1)")
    reason: str
    row: dict[str, Any] | str = Field(description="The original row (a string if it is not JSON), secrets removed")
    created_at: Timestamp = Field(description="When the backfill held it")
    status: ReviewStatus
    run_id: str
    resolution: ReviewResolution | None


class ReviewPage(Answer):
    items: list[ReviewEntry]
    next_cursor: str | None


class ReviewDecision(_Input):
    """Body of ``POST /admin/review/{review_id}``."""

    action: ReviewAction
    customer: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=256)] | None = Field(
        default=None, description="attach only (required): any reference to the customer the row belongs to"
    )
    note: Note | None = None


class ReviewOutcome(Answer):
    review: ReviewEntry
    customer: Customer | None = Field(description="The customer after the attach (null for dismiss)")
    booking: Booking | None = Field(description="The booking an attached booking row became")
    ignored_fields: list[str] = Field(
        description="Values of the row the customer already had differently: kept, as the backfill keeps them"
    )


# --- merges -------------------------------------------------------------------------------------

Reference = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=256)]
MergeState = Literal["moving", "completed", "undoing", "undone"]


class MergeRequest(_Input):
    """Body of ``POST /admin/customers/{ref}/merge``: the customer ``ref`` is merged into ``into``."""

    into: Reference = Field(description="Any reference to the survivor (it keeps its id, number and phone)")


class MergeMoved(Answer):
    bookings: int = Field(description="Bookings moved onto the survivor")
    aliases: int = Field(description="References of the merged customer that now resolve to the survivor")


class Merge(Answer):
    merge_id: str
    kind: Literal["admin", "backfill"] = Field(description="`backfill`: legacy rows joined into one new customer")
    state: MergeState = Field(description="`moving` until every booking has moved (any later call resumes it)")
    survivor: str = Field(description="Customer id of the survivor")
    survivor_number: str
    merged: str | None = Field(description="Customer id of the merged customer (null for backfill merges)")
    merged_number: str | None
    moved: MergeMoved
    legacy_ids: list[str] = Field(default_factory=list, description="Backfill: the legacy rows that joined")
    created_at: Timestamp
    by: str = Field(description="Account id of the admin (or `backfill:<run>`)")
    completed_at: Timestamp | None = None
    undone_at: Timestamp | None = None
    undone_by: str | None = None


class MergeEnvelope(Answer):
    merge: Merge


class MergePage(Answer):
    items: list[Merge]
    next_cursor: str | None


# --- accounts and access ------------------------------------------------------------------------


class OtpRequest(_Input):
    """Body of ``POST /auth/otp/request``."""

    phone: PhoneText


class OtpVerification(_Input):
    """Body of ``POST /auth/otp/verify``."""

    phone: PhoneText
    code: OtpCode = Field(description="The 6 digits sent by SMS")


class LoginName(_Input):
    """Either ``email`` or ``phone`` (exactly one)."""

    email: EmailStr | None = None
    phone: PhoneText | None = None


class Login(LoginName):
    """Body of ``POST /auth/login``."""

    password: Annotated[str, StringConstraints(min_length=1, max_length=128)]


class PasswordForgotten(LoginName):
    """Body of ``POST /auth/password/forgot``."""


class PasswordReset(_Input):
    """Body of ``POST /auth/password/reset``."""

    token: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)]
    password: Password


class CredentialsChange(_Input):
    """Body of ``PUT /me/credentials``: set or change the password, ask for a login email, or confirm one.

    An ``email`` counts only once its inbox proves it: a confirmation token is sent there (to be sent
    back as ``email_token``), or, if another account has that address, a notice instead.
    """

    email: EmailStr | None = Field(
        default=None, description="Ask for this login email: 202, and a confirmation token goes to that inbox"
    )
    email_token: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)] | None = Field(
        default=None, description="The token the confirmation email carried: the email becomes your login"
    )
    password: Password | None = None
    current_password: Annotated[str, StringConstraints(max_length=128)] | None = Field(
        default=None,
        description="Required to change existing credentials, unless the token came from a sign-in code "
        "or a reset link",
    )


class NewStaff(_Input):
    """Body of ``POST /admin/staff``. Without a password the person sets one with a reset link."""

    email: EmailStr
    role: StaffRoleInput = Field(description="`delivery_boy` (legacy name) is stored as `delivery_person`")
    name: Name | None = None
    phone: PhoneText | None = None
    password: Password | None = None


class StaffChanges(_Input):
    """Body of ``PATCH /admin/staff/{account_id}``: fields present are set; ``null`` clears ``name``."""

    name: Name | None = None
    role: StaffRoleInput | None = Field(
        default=None, description="A change revokes the account's tokens (sign in again for the new role)"
    )
    active: StrictBool | None = Field(
        default=None, description="`false` deactivates: no sign-in, and its tokens stop working at once"
    )


class Token(Answer):
    token: str
    token_type: Literal["Bearer"] = "Bearer"  # noqa: S105 - a scheme name
    expires_in: int = Field(description="Seconds until the token expires")


class OtpVerified(Token):
    customer: Customer
    created: bool = Field(description="True when this sign-in created the customer")


class Account(Answer):
    account_id: str
    role: Role
    email: str | None
    phone: str | None
    name: str | None
    has_password: bool
    phone_verified: bool
    created_at: Timestamp
    active: bool = Field(default=True, description="False for a deactivated staff account (customers: always true)")
    deactivated_at: Timestamp | None = None


class AccountEnvelope(Answer):
    account: Account


class StaffPage(Answer):
    items: list[Account]
    next_cursor: str | None


class StrandedCustomers(Answer):
    """A deactivated delivery person who still has customers assigned (for the linkage audit)."""

    delivery_person: Account
    customers: CustomerPage = Field(description="The first page of the customers assigned to them")


class StrandedPage(Answer):
    items: list[StrandedCustomers]
    next_cursor: str | None = Field(description="Continues through the deactivated delivery persons")


class Me(Answer):
    account: Account
    customer: Customer | None


class Accepted(Answer):
    status: Literal["accepted"] = "accepted"
    message: str


class Health(Answer):
    status: Literal["ok"]


class ErrorDetail(BaseModel):  # built by error_body(): correlation_id only on 500
    code: str
    message: str
    field: str | None
    correlation_id: str | None = Field(
        default=None, description="Only on 500 internal: quote it when reporting the problem"
    )


class ErrorBody(BaseModel):
    error: ErrorDetail


def error_body(
    code: str, message: str, field: str | None = None, correlation_id: str | None = None
) -> dict[str, dict[str, str | None]]:
    """The one error envelope every answer uses: ``{"error": {"code", "message", "field"}}``."""
    detail: dict[str, str | None] = {"code": code, "message": message, "field": field}
    if correlation_id:
        detail["correlation_id"] = correlation_id
    return {"error": detail}
