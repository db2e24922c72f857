"""One input line as a typed record: an identity row, a staff account, a booking, or an unreadable line."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from pydantic import TypeAdapter, ValidationError

from customer_identity.core.errors import InvalidPhone, PhoneNotAllowed
from customer_identity.core.models.profile_fields import CalendarDate, HttpsUrl, Location
from customer_identity.core.roles import STAFF_ROLES, canonical_role
from customer_identity.use_cases.backfill.extjson import NotJson, object_id_time, parse_date, parse_line
from customer_identity.use_cases.backfill.row_keys import unmapped_keys
from customer_identity.use_cases.identity.emails import normalise_email
from customer_identity.use_cases.identity.phones import normalise_phone

# Identity collections, oldest-wins tie-break order; bookings come last.
IDENTITY_COLLECTIONS = ("auth_users", "customers_v2", "otp_users", "booking_users", "customers")
COLLECTIONS = (*IDENTITY_COLLECTIONS, "bookings")
CUSTOMER_STATUSES = frozenset({"trial", "active", "paused", "stopped"})
BOOKING_STATUSES = frozenset({"scheduled", "completed", "cancelled"})
PROFILE_FIELDS = (
    "name",
    "address",
    "area",
    "status",
    "delivery_person",
    "previous_balance",
    "custom_product_prices",
    "notes",
    "map_link",
    "house_image_url",
    "location",
    "trial_start_date",
    "marketing_person",
    "marketing_person_name",
)
# The operational profile fields the backfill writes as they are stored (profile_fields.stored).
IMPORTED_PROFILE_FIELDS = (
    "map_link",
    "house_image_url",
    "location",
    "trial_start_date",
    "marketing_person_id",
    "marketing_person_name",
)
CENTS = Decimal("0.01")
_BRACKETED_COUNTRY = re.compile(r"^\(\s*\+\s*(\d{1,3})\s*\)\s*")
_URL: TypeAdapter[str] = TypeAdapter(HttpsUrl)
_DAY: TypeAdapter[str] = TypeAdapter(CalendarDate)


@dataclass(frozen=True)
class Record:
    collection: str
    line: int
    legacy_id: str | None


@dataclass(frozen=True)
class Unreadable(Record):
    reason: str


@dataclass(frozen=True)
class Identity(Record):
    """A row that names a person: a login, a profile, an OTP account, a booking-side user or customer row."""

    phone: str | None  # E.164, or None when the row has no valid phone
    email: str | None
    time: datetime | None
    fields: dict[str, Any] = field(default_factory=dict)
    password_hash: str | None = None  # login rows only
    unmapped: tuple[str, ...] = ()  # the row's keys no field is read from
    junk_phone: bool = False  # its phone is a junk pattern (0000000000, 1234567890...): never merged on

    @property
    def is_login(self) -> bool:
        return self.collection == "auth_users"

    @property
    def age(self) -> tuple[float, int, int]:
        """Oldest first: time (none last), then collection order, then line."""
        moment = self.time.timestamp() if self.time else float("inf")
        return moment, IDENTITY_COLLECTIONS.index(self.collection), self.line


@dataclass(frozen=True)
class Staff(Record):
    role: str
    email: str | None
    name: str | None
    password_hash: str | None
    unmapped: tuple[str, ...] = ()


@dataclass(frozen=True)
class Booking(Record):
    reference: str
    amount: Decimal
    status: str
    service: str
    time: datetime | None
    unmapped: tuple[str, ...] = ()


def read_record(collection: str, line_number: int, line: str, default_region: str) -> Record:
    try:
        row = parse_line(line)
    except NotJson:
        return Unreadable(collection, line_number, None, "not_json")
    return read_row(collection, line_number, row, default_region)


def read_row(collection: str, line_number: int, row: dict[str, Any], default_region: str) -> Record:
    """The record of one parsed row (:func:`read_record` after the JSON)."""
    legacy_id = _legacy_id(collection, row)
    if legacy_id is None:
        return Unreadable(collection, line_number, None, "no_id")
    if collection == "bookings":
        return _booking(row, line_number, legacy_id)
    if collection == "auth_users" and canonical_role(str(row.get("role") or "customer")) != "customer":
        role = canonical_role(str(row.get("role")))
        if role not in STAFF_ROLES:
            return Unreadable(collection, line_number, legacy_id, "unknown_role")
        return Staff(
            collection,
            line_number,
            legacy_id,
            role=role,
            email=_email(row.get("email")),
            name=_text(row.get("name")),
            password_hash=_text(row.get("password_hash")),
            unmapped=unmapped_keys(collection, row),
        )
    return _identity(collection, row, line_number, legacy_id, default_region)


def _legacy_id(collection: str, row: dict[str, Any]) -> str | None:
    key = {"auth_users": "id", "customers_v2": "id", "customers": "customer_id"}.get(collection, "_id")
    value = row.get(key)
    if isinstance(value, int | str) and not isinstance(value, bool) and str(value).strip():
        return str(value).strip()
    return None


def _identity(collection: str, row: dict[str, Any], line: int, legacy_id: str, region: str) -> Identity:
    time = parse_date(row.get("created_at", row.get("createdAt")))
    if time is None and collection in {"otp_users", "booking_users"}:
        time = object_id_time(legacy_id)
    fields: dict[str, Any] = {"name": _text(row.get("name", row.get("full_name")))}
    if collection == "customers_v2":
        status = _text(row.get("status"))
        fields |= {
            "address": _text(row.get("address")),
            "area": _text(row.get("area")),
            "status": status if status in CUSTOMER_STATUSES else None,
            "delivery_person": _text(row.get("delivery_boy_id")),
            "previous_balance": _money(row.get("previous_balance")),
            "custom_product_prices": _prices(row.get("custom_product_prices")),
            "notes": _text(row.get("notes")),
            "map_link": _https(row.get("map_link")),
            "house_image_url": _https(row.get("house_image_url")),
            "location": _location(row.get("location")),
            "trial_start_date": _date(row.get("trial_start_date")),
            "marketing_person": _text(row.get("marketing_boy_id")),
            "marketing_person_name": _text(row.get("marketing_boy")),
        }
    elif collection == "customers":
        fields["address"] = _text(row.get("address"))
    return Identity(
        collection,
        line,
        legacy_id,
        phone=legacy_phone(row.get("phone"), region),
        email=_email(row.get("email")),
        time=time,
        fields={name: value for name, value in fields.items() if value not in (None, {}, "")},
        password_hash=_text(row.get("password_hash")) if collection == "auth_users" else None,
        unmapped=unmapped_keys(collection, row),
        junk_phone=is_junk_legacy_phone(row.get("phone"), region),
    )


def _booking(row: dict[str, Any], line: int, legacy_id: str) -> Record:
    reference = row.get("customer_id")
    amount = _money(row.get("amount"))
    if reference is None or str(reference).strip() == "":
        return Unreadable("bookings", line, legacy_id, "booking_without_customer")
    if amount is None or amount < 0:
        return Unreadable("bookings", line, legacy_id, "booking_amount_invalid")
    status = _text(row.get("status")) or "completed"
    return Booking(
        "bookings",
        line,
        legacy_id,
        reference=str(reference).strip(),
        amount=amount,
        status=status if status in BOOKING_STATUSES else "completed",
        service=_text(row.get("service")) or "legacy booking",
        time=parse_date(row.get("created_at", row.get("createdAt"))) or object_id_time(legacy_id),
        unmapped=unmapped_keys("bookings", row),
    )


def _legacy_text(value: Any) -> str | None:
    if isinstance(value, bool) or value is None:
        return None
    text = str(value).strip()
    text = _BRACKETED_COUNTRY.sub(lambda match: f"+{match.group(1)} ", text)
    return "+" + text[2:] if text.startswith("00") else text


def is_junk_legacy_phone(value: Any, region: str) -> bool:
    """Whether a legacy phone is a junk pattern (the business's own numbers are the planner's check)."""
    text = _legacy_text(value)
    if not text:
        return False
    try:
        normalise_phone(text, region)
    except PhoneNotAllowed:
        return True
    except InvalidPhone:
        return False
    return False


def legacy_phone(value: Any, region: str) -> str | None:
    """The E.164 form of a phone as legacy systems wrote it (a JSON number, ``00<cc>…``, ``(+cc) …``)."""
    text = _legacy_text(value)
    if text is None:
        return None
    try:
        return normalise_phone(text, region).e164
    except InvalidPhone:
        return None


def _text(value: Any) -> str | None:
    if isinstance(value, str) and value.strip():
        return value
    return None


def _email(value: Any) -> str | None:
    text = _text(value)
    return normalise_email(text) if text and "@" in text else None


def _money(value: Any) -> Decimal | None:
    if isinstance(value, bool) or value is None:
        return None
    try:
        amount = Decimal(str(value))
    except InvalidOperation:
        return None
    return amount.quantize(CENTS) if amount.is_finite() else None


def _https(value: Any) -> str | None:
    text = _text(value)
    try:
        return _URL.validate_python(text) if text else None
    except ValidationError:
        return None


def _date(value: Any) -> str | None:
    text = _text(value)
    try:
        return _DAY.validate_python(text.strip()) if text else None
    except ValidationError:
        return None


def _location(value: Any) -> dict[str, float] | None:
    if not isinstance(value, dict):
        return None
    try:
        place = Location.model_validate({key: value.get(key) for key in ("lat", "lng", "accuracy_meters")})
    except ValidationError:
        return None
    return {key: number for key, number in place.model_dump().items() if number is not None}


def _prices(value: Any) -> dict[str, Decimal] | None:
    if not isinstance(value, dict):
        return None
    prices = {str(key): _money(price) for key, price in value.items()}
    return {key: price for key, price in prices.items() if price is not None} or None
