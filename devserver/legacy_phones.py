"""Phones over time in the legacy export (issue 20): junk phones and phones shared by many names.

The generator's half (:func:`junk_phone_rows`, :func:`shared_phone_rows`) writes the rows and what
it means by them; the truth's half (:func:`junk_phone`, :func:`shared_phones`) decides from the
written files alone, by the backfill's rules, independently of the service's code:

* a phone whose digits are all the same, a run of consecutive digits (``1234567890``), or too short
  for its region is junk: its row joins the one person whose email it carries, else is held
  ``junk_phone``; a booking naming such a phone is held ``junk_phone``;
* a phone whose rows carry at least :data:`SHARED_PHONE_NAMES` distinct names is held ``shared_phone``
  (every row, and the bookings that would have been its customer's), never merged.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import datetime, timedelta
from itertools import pairwise
from typing import Any, Protocol

import phonenumbers

SHARED_PHONE_NAMES = 3  # the service's default (SHARED_PHONE_NAMES)
# Junk as legacy systems hold it: every digit the same, a run, too short.
JUNK_PHONES = ("0000000000", "9999999999", "1234567890", "9876543210", "1111111111", "98765")
# Two phones of five names each (a hostel's landline, a receptionist's mobile): one to resolve as a
# household, one as separate customers.
SHARED_NAMES = (
    ("Hostel Reception", "Meera Iyer", "Tom Becker", "Lina Haddad", "Karan Gill"),
    ("Front Desk", "Ana Souza", "Wei Chen", "Omar Said", "Priya Nair"),
)


class Builder(Protocol):  # the part of legacy_export._Builder these functions use
    rng: Any
    held: list[tuple[str, str | None, str]]
    expected: dict[str, Any]
    region: str

    def when(self, start: datetime, minutes: int) -> datetime: ...
    def oid(self, when: datetime) -> str: ...
    def customer_id(self) -> str: ...
    def profile_id(self) -> str: ...
    def stamp(self, collection: str, when: datetime, force: str | None = None) -> object: ...
    def emit(self, collection: str, doc: dict[str, object], anywhere: bool = False) -> None: ...
    def national_number(self, region: str) -> str: ...
    def amount(self, kind: str, cents: int) -> object: ...
    def booking(self, born: datetime, reference: object, intent: Any) -> None: ...


# --- the generator ------------------------------------------------------------------------------


def junk_phone_rows(builder: Builder, epoch: datetime, joins: tuple[str, str] | None) -> None:
    """Strangers on junk phones (several on ``9999999999``), each held; one row carrying a real
    person's email (``joins``: that person's E.164 and email) joins that person; bookings naming a
    junk phone are held."""
    for k, phone in enumerate((*JUNK_PHONES, "9999999999", "9999999999")):
        when = builder.when(epoch, 60 * 24 * 600)
        legacy_id = builder.oid(when)
        collection = "booking_users" if k % 2 else "otp_users"
        name_field = "full_name" if collection == "booking_users" else "name"
        builder.emit(
            collection,
            {
                "_id": {"$oid": legacy_id},
                "phone": phone,
                name_field: f"Stranger {k}",
                "createdAt": builder.stamp(collection, when),
            },
            anywhere=True,
        )
        builder.held.append((collection, legacy_id, "junk_phone"))
    for phone in ("user_9999999999", "0000000000"):
        builder.booking(builder.when(epoch, 60 * 24 * 600), phone, None)
        collection, legacy_id, _ = builder.held[-1]
        builder.held[-1] = (collection, legacy_id, "junk_phone")
    if joins is not None:
        e164, email = joins
        legacy_id = builder.customer_id()
        late = epoch + timedelta(days=800)  # after every other row: the person's first row stays its founder
        builder.emit(
            "customers",
            {
                "customer_id": legacy_id,
                "name": None,
                "email": email,
                "phone": "1234567890",
                "created_at": late.isoformat(),
            },
            anywhere=True,
        )
        builder.expected[e164].legacy_ids.append(("customers", legacy_id))


def shared_phone_rows(builder: Builder, epoch: datetime, names: tuple[str, ...]) -> str:
    """One phone carried by ``names`` (a hostel's landline): one row per name, balances on some, and
    bookings naming the phone or one of its rows; all held ``shared_phone``. Returns the E.164."""
    region = builder.region
    nat = builder.national_number(region)
    from devserver.legacy_export import COUNTRY_CODES  # the generator imports this module

    e164 = "+" + COUNTRY_CODES[region] + nat
    booking_user = None
    for k, name in enumerate(names):
        when = builder.when(epoch, 60 * 24 * 600)
        if k % 3 == 0:
            legacy_id = builder.profile_id()
            doc: dict[str, object] = {
                "id": legacy_id,
                "name": name,
                "phone": nat,
                "area": "AREA_NORTH",
                "previous_balance": builder.amount("balance", 1000 * (k + 1)),
                "created_at": builder.stamp("customers_v2", when),
            }
            collection = "customers_v2"
        else:
            legacy_id = builder.oid(when)
            collection = "booking_users"
            doc = {
                "_id": {"$oid": legacy_id},
                "phone": nat,
                "full_name": name,
                "createdAt": builder.stamp(collection, when),
            }
            booking_user = booking_user or legacy_id
        builder.emit(collection, doc, anywhere=True)
        builder.held.append((collection, legacy_id, "shared_phone"))
    for reference in (f"user_{nat}", booking_user):
        builder.booking(builder.when(epoch, 60 * 24 * 600), reference, None)
        collection, legacy_id, _ = builder.held[-1]
        builder.held[-1] = (collection, legacy_id, "shared_phone")
    return e164


# --- the truth ----------------------------------------------------------------------------------


def junk_phone(text: str | None, region: str) -> bool:
    """Whether a legacy phone text is junk: all digits the same, a run of 6 or more consecutive digits,
    or too short for ``region`` (``user_`` and ``00`` read as the backfill reads them)."""
    if not text:
        return False
    candidate = text.strip()
    if candidate.lower().startswith("user_"):
        candidate = candidate[5:].strip()
    if candidate.startswith("00"):
        candidate = "+" + candidate[2:]
    if not re.fullmatch(r"\+?[0-9(][0-9 ().\-]*", candidate):
        return False
    strings = [re.sub(r"\D", "", candidate)]
    try:
        number = phonenumbers.parse(candidate, region)
        strings.append(phonenumbers.national_significant_number(number))
    except phonenumbers.NumberParseException:
        number = None
    for digits in strings:
        if len(digits) >= 5 and len(set(digits)) == 1:
            return True
        steps = {(int(b) - int(a)) % 10 for a, b in pairwise(digits)}
        if len(digits) >= 6 and steps in ({1}, {9}):
            return True
    return number is not None and (
        phonenumbers.is_possible_number_with_reason(number) == phonenumbers.ValidationResult.TOO_SHORT
    )


def shared_phones(members: dict[str, list[Any]], name_of: Callable[[Any], str | None]) -> set[str]:
    """The phones whose rows carry at least :data:`SHARED_PHONE_NAMES` distinct names (case and spacing ignored)."""
    found = set()
    for phone, rows in members.items():
        names = {" ".join(name.split()).casefold() for row in rows if (name := name_of(row))}
        if len(names) >= SHARED_PHONE_NAMES:
            found.add(phone)
    return found
