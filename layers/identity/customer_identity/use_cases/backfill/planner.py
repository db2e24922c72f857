"""From records to a plan: one person per phone, the oldest record wins, every row gets an outcome.

* A person is every identity row with one E.164 phone, plus login rows without a phone whose
  email (case-insensitive) is the email of exactly one person's rows.
* Fields: the first non-empty value in age order (oldest first); the email of the oldest login
  row wins the email. Every other differing value is kept as a conflict for the report.
* Bookings: ``user_<phone>`` and bare phones resolve by phone; anything else by legacy id.
* Outcomes: ``created`` (the oldest row of a new person), ``merged`` (its other rows), ``linked``
  (rows of a person whose phone already had a customer: decided once the table is probed),
  ``booking``, ``staff``, ``duplicate`` (a legacy id seen before in the same file), ``review``.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from customer_identity.core.folding import fold
from customer_identity.use_cases.backfill.records import (
    PROFILE_FIELDS,
    Booking,
    Identity,
    Record,
    Staff,
    Unreadable,
    is_junk_legacy_phone,
    legacy_phone,
)
from customer_identity.use_cases.identity.phones import looks_like_phone, strip_legacy_prefix


@dataclass
class Person:
    phone: str
    rows: list[Identity] = field(default_factory=list)  # oldest first once planned
    bookings: list[Booking] = field(default_factory=list)
    fields: dict[str, Any] = field(default_factory=dict)
    email: str | None = None
    login: Identity | None = None
    conflicts: list[dict[str, Any]] = field(default_factory=list)
    # Only for phones referenced by bookings alone: each booking's original line (by line number), so
    # that a booking held after all (its phone has no customer) keeps its line for the review queue.
    booking_texts: dict[int, str] = field(default_factory=dict)
    # Only for shared phones: each row's original line, for the review item.
    row_texts: dict[tuple[str, int], str] = field(default_factory=dict)

    @property
    def founder(self) -> Identity | None:
        return self.rows[0] if self.rows else None

    @property
    def total_spent(self) -> Decimal:
        return sum((b.amount for b in self.bookings if b.status != "cancelled"), Decimal("0.00"))

    @property
    def total_bookings(self) -> int:
        return sum(1 for booking in self.bookings if booking.status != "cancelled")


@dataclass(frozen=True)
class Held:
    """A row held for review: it becomes no customer and is not lost."""

    record: Record
    reason: str
    text: str  # the original line, for the review queue


@dataclass
class Plan:
    persons: list[Person]  # ordered by their oldest row (the numbering order)
    booking_only: list[Person]  # phones referenced only by bookings (they may have a customer already)
    staff: list[Staff]
    held: list[Held]
    duplicates: list[Record]
    rows_total: int
    # Per collection, how many rows carried each key that no field is read from.
    unmapped: dict[str, dict[str, int]] = field(default_factory=dict)
    # phones whose rows carry at least ``shared_names`` distinct names: held whole as one review item
    shared: list[Person] = field(default_factory=list)
    # The original line of every identity and booking row, by (collection, line): kept verbatim
    # with the customer each is attached to.
    texts: dict[tuple[str, int], str] = field(default_factory=dict)


def plan(
    lines: Iterable[tuple[str, int, str, Record]],
    default_region: str,
    own_numbers: frozenset[str] = frozenset(),
    shared_names: int = 3,
) -> Plan:
    """Plan ``lines``: (collection, line number, text, record) for every input line, in file order.

    ``own_numbers``: the business's own phones (E.164), junk like the built-in patterns;
    ``shared_names``: distinct names that make a phone shared (``SHARED_PHONE_NAMES``)."""
    persons: dict[str, Person] = {}
    staff: list[Staff] = []
    held: list[Held] = []
    duplicates: list[Record] = []
    phoneless_logins: list[tuple[Identity, str]] = []
    junk_rows: list[tuple[Identity, str]] = []
    bookings: list[tuple[Booking, str]] = []
    seen: set[tuple[str, str]] = set()
    rows_total = 0
    unmapped: dict[str, Counter[str]] = defaultdict(Counter)
    texts: dict[tuple[str, int], str] = {}
    for collection, _, text, record in lines:
        rows_total += 1
        unmapped[collection].update(getattr(record, "unmapped", ()))
        if isinstance(record, Unreadable):
            held.append(Held(record, record.reason, text))
            continue
        key = (collection, record.legacy_id or "")
        if key in seen:
            duplicates.append(record)
            continue
        seen.add(key)
        if isinstance(record, Staff):
            staff.append(record)
        elif isinstance(record, Booking):
            bookings.append((record, text))
        elif isinstance(record, Identity):
            texts[(record.collection, record.line)] = text
            if is_junk(record, own_numbers):
                junk_rows.append((record, text))
            elif record.phone is not None:
                persons.setdefault(record.phone, Person(record.phone)).rows.append(record)
            elif record.is_login and record.email:
                phoneless_logins.append((record, text))
            else:
                held.append(Held(record, "no_valid_phone", text))
    _join_by_email(persons, phoneless_logins, held)
    _join_junk_by_email(persons, junk_rows, held)
    for person in persons.values():
        _decide_fields(person)
    bookings = _hold_junk_bookings(bookings, held, default_region, own_numbers)
    booking_only = _place_bookings(persons, bookings, held, default_region)
    shared = _take_shared(persons, shared_names, texts, {booking.line: text for booking, text in bookings})
    ordered = sorted(persons.values(), key=lambda person: person.rows[0].age)
    _one_account_per_email(ordered)
    counted = {name: dict(sorted(counts.items())) for name, counts in sorted(unmapped.items()) if counts}
    texts.update({("bookings", booking.line): text for booking, text in bookings})
    return Plan(ordered, booking_only, staff, held, duplicates, rows_total, counted, shared, texts)


def _join_by_email(persons: dict[str, Person], phoneless: list[tuple[Identity, str]], held: list[Held]) -> None:
    owners: dict[str, set[str]] = defaultdict(set)
    for person in persons.values():
        for row in person.rows:
            if row.email:
                owners[row.email].add(person.phone)
    for row, text in phoneless:
        phones = owners.get(row.email or "", set())
        if len(phones) == 1:
            persons[next(iter(phones))].rows.append(row)
        else:
            held.append(Held(row, "email_ambiguous" if phones else "no_phone_email_unmatched", text))


def _decide_fields(person: Person) -> None:
    person.rows.sort(key=lambda row: row.age)
    logins = [row for row in person.rows if row.is_login]
    person.login = logins[0] if logins else None
    for name in PROFILE_FIELDS:
        values = [row.fields[name] for row in person.rows if name in row.fields]
        if values:
            person.fields[name] = values[0]
            _conflict(person, name, values)
    emails = [row.email for row in logins if row.email] + [row.email for row in person.rows if row.email]
    if emails:
        person.email = emails[0]
        _conflict(person, "email", emails)


def _one_account_per_email(ordered: list[Person]) -> None:
    """An email names one account: the person with the oldest record keeps a shared email."""
    taken: set[str] = set()
    for person in ordered:
        if person.email is None:
            continue
        if person.email in taken:
            person.conflicts.append({"field": "email", "kept": None, "others": [person.email], "reason": "email_taken"})
            person.email = None
        else:
            taken.add(person.email)


def _conflict(person: Person, name: str, values: list[Any]) -> None:
    kept, others = values[0], []
    for value in values[1:]:
        if value != kept and value not in others:
            others.append(value)
    if others:
        person.conflicts.append({"field": name, "kept": kept, "others": others})


def _place_bookings(
    persons: dict[str, Person], bookings: list[tuple[Booking, str]], held: list[Held], region: str
) -> list[Person]:
    by_legacy_id = {row.legacy_id: person for person in persons.values() for row in person.rows}
    booking_only: dict[str, Person] = {}
    for booking, text in bookings:
        person = None
        if looks_like_phone(booking.reference):
            phone = legacy_phone(strip_legacy_prefix(booking.reference), region)
            if phone is not None:
                person = persons.get(phone)
                if person is None:
                    person = booking_only.setdefault(phone, Person(phone))
                    person.booking_texts[booking.line] = text
        if person is None:
            person = by_legacy_id.get(booking.reference)
        if person is None:
            held.append(Held(booking, "booking_reference_unknown", text))
        else:
            person.bookings.append(booking)
    return list(booking_only.values())


# --- junk phones (0000000000, 1234567890, the business's own number): never merged on -------------


def is_junk(row: Identity, own_numbers: frozenset[str]) -> bool:
    return row.junk_phone or (row.phone is not None and row.phone in own_numbers)


def _join_junk_by_email(persons: dict[str, Person], junk: list[tuple[Identity, str]], held: list[Held]) -> None:
    """A row with a junk phone joins the one person its email names (any row kind), else is held
    as ``junk_phone``: strangers who share a junk phone are never made one customer."""
    owners: dict[str, set[str]] = defaultdict(set)
    for person in persons.values():
        for row in person.rows:
            if row.email:
                owners[row.email].add(person.phone)
    for row, text in junk:
        phones = owners.get(row.email or "", set()) if row.email else set()
        if len(phones) == 1:
            persons[next(iter(phones))].rows.append(row)
        else:
            held.append(Held(row, "junk_phone", text))


def _hold_junk_bookings(
    bookings: list[tuple[Booking, str]], held: list[Held], region: str, own_numbers: frozenset[str]
) -> list[tuple[Booking, str]]:
    """Bookings referencing a junk phone (``user_0000000000``) are held as ``junk_phone``."""
    kept = []
    for booking, text in bookings:
        reference = strip_legacy_prefix(booking.reference)
        junk = looks_like_phone(booking.reference) and (
            is_junk_legacy_phone(reference, region) or legacy_phone(reference, region) in own_numbers
        )
        if junk:
            held.append(Held(booking, "junk_phone", text))
        else:
            kept.append((booking, text))
    return kept


# --- shared phones (a hostel's landline, a receptionist's mobile): held whole, never merged ------


def _take_shared(
    persons: dict[str, Person], shared_names: int, texts: dict[tuple[str, int], str], booking_texts: dict[int, str]
) -> list[Person]:
    """Remove and return the persons whose rows carry at least ``shared_names`` distinct names (folded),
    each with its rows' and bookings' original lines (``booking_texts`` by line)."""
    shared = []
    for phone, person in list(persons.items()):
        names = {fold(row.fields["name"]) for row in person.rows if row.fields.get("name")}
        if len(names) >= shared_names:
            del persons[phone]
            person.booking_texts = {booking.line: booking_texts[booking.line] for booking in person.bookings}
            person.row_texts = {(row.collection, row.line): texts[(row.collection, row.line)] for row in person.rows}
            shared.append(person)
    return sorted(shared, key=lambda person: person.rows[0].age)
