"""Bookings: always on the canonical customer, with totals kept exact in the same transaction.

A booking and the change to its customer's ``total_bookings`` / ``total_spent`` are one
``TransactWriteItems``, so totals are exact under any concurrency. Cancelled bookings do not count:
cancelling subtracts the booking from the totals in the same transaction as the status change.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from decimal import Decimal

from boto3.dynamodb.conditions import Attr
from pydantic import ValidationError

from customer_identity.core.clock import utc_now
from customer_identity.core.errors import (
    BookingNotFound,
    CustomerNotFound,
    InvalidInput,
    InvalidPhone,
    InvalidTransition,
)
from customer_identity.core.models.bookings import Booking, BookingPage, BookingResult, NewBooking
from customer_identity.core.models.customers import Customer, NewCustomer
from customer_identity.core.retry import LostRace, retry_lost_races
from customer_identity.core.settings import Settings
from customer_identity.storage import keys, queries, table
from customer_identity.storage.entities import BookingItem, BookingRefItem, CustomerItem
from customer_identity.storage.transactions import Transaction, TransactionCancelled
from customer_identity.use_cases.identity import households, stats
from customer_identity.use_cases.identity.listing import check_limit
from customer_identity.use_cases.identity.markers import names_customer
from customer_identity.use_cases.identity.phones import looks_like_phone
from customer_identity.use_cases.identity.registration import Registration
from customer_identity.use_cases.identity.resolution import Resolver
from customer_identity.use_cases.identity.views import Views

BOOKING_ID_PREFIX = "bk_"
MAX_BOOKING_ID_LENGTH = 64
# Which status changes are allowed; cancelled is final.
TRANSITIONS = {"scheduled": {"completed", "cancelled"}, "completed": {"cancelled"}, "cancelled": set()}

type Authorize = Callable[[Customer], None]


class Bookings:
    def __init__(self, settings: Settings, resolver: Resolver, views: Views, registration: Registration | None) -> None:
        self.settings = settings
        self.resolver = resolver
        self.views = views
        self.registration = registration  # None for read-only use (history)

    def create(self, new: NewBooking, *, on_behalf_of: str | None = None) -> BookingResult:
        """Book for the customer ``new.customer`` names; a phone without a customer creates one.

        With ``on_behalf_of`` (a customer booking for itself) the reference must name that customer
        and nothing is created.
        """
        if on_behalf_of is None:
            customer, customer_created = self._customer_for(new)
        else:
            customer, customer_created = self.resolver.resolve(new.customer).item, False
            if customer.customer_id != on_behalf_of:
                raise CustomerNotFound(new.customer)
        households.ensure_member(customer, new.member_id)
        now = utc_now()
        booking_id = f"{BOOKING_ID_PREFIX}{uuid.uuid4().hex}"
        latest = customer

        def attempt() -> BookingResult:
            nonlocal latest
            key = keys.booking_key(latest.customer_id, now, booking_id)
            booking = BookingItem(
                *key,
                booking_id=booking_id,
                customer_id=latest.customer_id,
                service=new.service,
                amount=new.amount,
                status="scheduled",
                scheduled_for=new.scheduled_for.isoformat() if new.scheduled_for else None,
                notes=new.notes,
                member_id=new.member_id,
                created_at=now,
                updated_at=now,
            )
            tx = Transaction()
            tx.put("booking", booking, condition=Attr("pk").not_exists())
            ref = BookingRefItem(*keys.booking_ref_key(booking_id), customer_id=latest.customer_id, booking_sk=key[1])
            tx.put("booking_ref", ref, condition=Attr("pk").not_exists())
            _adjust_totals(tx, latest, bookings=1, spent=new.amount, live=True)
            stats.record(tx, (None, booking))
            try:
                tx.commit()
            except TransactionCancelled as cancelled:
                # The customer item moved (a phone change), was merged away, or a transaction
                # conflicted: read it again (a merged-away customer resolves to its survivor).
                latest = self.resolver.by_id(latest.customer_id)
                raise LostRace from cancelled
            return BookingResult(
                booking=self.views.booking(booking, latest.customer_number), customer_created=customer_created
            )

        return retry_lost_races(attempt, self.settings.contention_budget_seconds)

    def _customer_for(self, new: NewBooking) -> tuple[CustomerItem, bool]:
        try:
            return self.resolver.resolve(new.customer).item, False
        except CustomerNotFound:
            if not looks_like_phone(new.customer) or self.registration is None:
                raise
        try:
            candidate = NewCustomer(phone=new.customer, name=new.name)
        except ValidationError as error:  # a reference may be longer than any phone a customer can have
            raise InvalidPhone("customer is not a phone number", field="customer") from error
        try:
            return self.registration.find_or_create_item(candidate)
        except InvalidInput as error:
            raise InvalidInput(error.message, field="customer", code=error.code) from error

    def history(self, ref: str, *, limit: int, cursor: str | None, authorize: Authorize | None = None) -> BookingPage:
        """The bookings of the customer ``ref`` names, newest first: one strongly consistent query.

        ``authorize`` sees the customer first and raises if the caller may not read it.
        """
        check_limit(limit)
        customer = self.resolver.resolve(ref).item
        if authorize is not None:
            authorize(self.views.customer(customer))
        items, next_cursor = queries.bookings_page(customer.customer_id, limit=limit, cursor=cursor)
        return BookingPage(
            items=[self.views.booking(item, customer.customer_number) for item in items], next_cursor=next_cursor
        )

    def set_status(self, booking_id: str, status: str, *, authorize: Authorize | None = None) -> Booking:
        """Move a booking to ``status``; cancelling takes it out of the totals in the same transaction.

        ``authorize`` sees the booking's customer first and raises if the caller may not do this.
        """

        def attempt() -> Booking:
            booking = self._get(booking_id)
            # The customer whose collection holds the booking keeps its totals, even while a merge is
            # moving it away (the move then carries the booking as it is); access is the survivor's.
            customer = self.resolver.by_id(booking.customer_id, follow_merges=False)
            if authorize is not None:
                authorize(self.views.customer(self.resolver.survivor_of(customer)))
            if booking.status == status:
                return self.views.booking(booking, customer.customer_number)
            if status not in TRANSITIONS[booking.status]:
                raise InvalidTransition(booking.status, status)
            now = utc_now()
            tx = Transaction()
            tx.update(
                "booking",
                (booking.pk, booking.sk),
                set_values={"status": status, "updated_at": now},
                condition=Attr("status").eq(booking.status),
            )
            if status == "cancelled":
                _adjust_totals(tx, customer, bookings=-1, spent=-booking.amount)
            changed = booking.copy()
            assert isinstance(changed, BookingItem)
            changed.status, changed.updated_at = status, now
            stats.record(tx, (booking, changed))
            try:
                tx.commit()
            except TransactionCancelled as cancelled:
                raise LostRace from cancelled  # the booking or the customer changed meanwhile: decide again
            booking.status, booking.updated_at = status, now
            return self.views.booking(booking, customer.customer_number)

        return retry_lost_races(attempt, self.settings.contention_budget_seconds)

    def _get(self, booking_id: str) -> BookingItem:
        if not booking_id.startswith(BOOKING_ID_PREFIX) or len(booking_id) > MAX_BOOKING_ID_LENGTH:
            raise BookingNotFound(booking_id)
        ref = table.get(BookingRefItem, keys.booking_ref_key(booking_id))
        booking = table.get(BookingItem, (keys.bookings_partition(ref.customer_id), ref.booking_sk)) if ref else None
        if booking is None:
            raise BookingNotFound(booking_id)
        return booking


def _adjust_totals(
    tx: Transaction, customer: CustomerItem, *, bookings: int, spent: Decimal, live: bool = False
) -> None:
    """Add to ``tx`` the change of the customer's totals (valid only if the item is still this customer,
    and with ``live`` not merged away: a new booking never lands on a merged-away customer)."""
    condition = names_customer(customer.customer_id)
    if live:
        condition = condition & Attr("merged_into").not_exists()
    tx.update(
        "customer",
        keys.customer_key(customer.home),
        add_values={"total_bookings": bookings, "total_spent": spent, "revision": 1},
        set_values={"last_activity_at": utc_now()},  # a booking is activity (the recycling guard's clock)
        condition=condition,
    )
