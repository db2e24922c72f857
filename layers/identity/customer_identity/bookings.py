"""Bookings: always on the canonical customer, with totals kept exact in the same transaction.

A booking and the change to its customer's ``total_bookings`` / ``total_spent`` are one
``TransactWriteItems``, so totals are exact under any concurrency. Cancelled bookings do not count:
cancelling subtracts the booking from the totals in the same transaction as the status change.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from decimal import Decimal

from pynamodb.exceptions import DoesNotExist

from customer_identity import table
from customer_identity.contention import Contention
from customer_identity.customers import CustomerService, utc_now
from customer_identity.errors import BookingNotFound, CustomerNotFound, InvalidInput, InvalidTransition
from customer_identity.models import Booking, BookingPage, BookingResult, NewBooking, NewCustomer
from customer_identity.paging import decode_cursor, page_of
from customer_identity.phones import looks_like_phone
from customer_identity.table import BookingItem, BookingRefItem, CustomerItem, TransactionCancelled

BOOKING_ID_PREFIX = "bk_"
MAX_PAGE_SIZE = 100
# Which status changes are allowed; cancelled is final.
TRANSITIONS = {"scheduled": {"completed", "cancelled"}, "completed": {"cancelled"}, "cancelled": set()}


class BookingService:
    def __init__(self, customers: CustomerService) -> None:
        self.customers = customers

    def to_booking(self, item: BookingItem, customer_number: int | None) -> Booking:
        return Booking(
            booking_id=item.booking_id,
            customer_id=item.customer_id,
            customer_number=self.customers.format_number(int(customer_number or 0)),
            service=item.service,
            amount=item.amount.quantize(Decimal("0.01")),
            status=item.status,  # type: ignore[arg-type]
            scheduled_for=item.scheduled_for,
            notes=item.notes,
            created_at=item.created_at,
            updated_at=item.updated_at,
        )

    # --- create -------------------------------------------------------------------------------

    def create(self, new: NewBooking, *, on_behalf_of: str | None = None) -> BookingResult:
        """Book for the customer ``new.customer`` names; a phone without a customer creates one.

        With ``on_behalf_of`` (a customer booking for itself) the reference must name that customer
        and nothing is created. Two requests for an existing customer referenced by phone (resolve,
        then the transaction).
        """
        if on_behalf_of is None:
            customer, customer_created = self._customer_for(new)
        else:
            customer, customer_created = self.customers.resolve(new.customer).item, False
            if customer.customer_id != on_behalf_of:
                raise CustomerNotFound(new.customer)
        now = utc_now()
        booking_id = f"{BOOKING_ID_PREFIX}{uuid.uuid4().hex}"
        contention = Contention(self.customers.settings.contention_budget_seconds)
        while True:
            key = table.booking_key(customer.customer_id, now, booking_id)
            booking = BookingItem(
                *key,
                booking_id=booking_id,
                customer_id=customer.customer_id,
                service=new.service,
                amount=new.amount,
                status="scheduled",
                scheduled_for=new.scheduled_for.isoformat() if new.scheduled_for else None,
                notes=new.notes,
                created_at=now,
                updated_at=now,
            )
            tx = table.Transaction()
            tx.put("booking", booking, condition=BookingItem.pk.does_not_exist())
            tx.put(
                "booking_ref",
                BookingRefItem(*table.booking_ref_key(booking_id), customer_id=customer.customer_id, booking_sk=key[1]),
                condition=BookingRefItem.pk.does_not_exist(),
            )
            self._adjust_totals(tx, customer, bookings=1, spent=new.amount)
            try:
                tx.commit()
                return BookingResult(
                    booking=self.to_booking(booking, customer.customer_number), customer_created=customer_created
                )
            except TransactionCancelled:
                # The customer item moved (a phone change) or a transaction conflicted: read it again.
                contention.wait()
                customer = self.customers.resolve(customer.customer_id).item

    def _customer_for(self, new: NewBooking) -> tuple[CustomerItem, bool]:
        try:
            return self.customers.resolve(new.customer).item, False
        except CustomerNotFound:
            if not looks_like_phone(new.customer):
                raise
        try:
            return self.customers.find_or_create_item(NewCustomer(phone=new.customer, name=new.name))
        except InvalidInput as error:
            raise InvalidInput(error.message, field="customer", code=error.code) from error

    def _adjust_totals(self, tx: table.Transaction, customer: CustomerItem, *, bookings: int, spent: Decimal) -> None:
        """Add to ``tx`` the change of the customer's totals (valid only if the item is still there)."""
        tx.update(
            "customer",
            CustomerItem(customer.pk, customer.sk),
            actions=[
                CustomerItem.total_bookings.add(bookings),
                CustomerItem.total_spent.add(spent),
                CustomerItem.revision.add(1),
            ],
            condition=CustomerItem.customer_id == customer.customer_id,
        )

    # --- read ---------------------------------------------------------------------------------

    def history(
        self, ref: str, *, limit: int, cursor: str | None, authorize: Callable[[CustomerItem], None] | None = None
    ) -> BookingPage:
        """The bookings of the customer ``ref`` names, newest first: one strongly consistent query.

        ``authorize`` sees the customer first and raises if the caller may not read it.
        """
        if not 1 <= limit <= MAX_PAGE_SIZE:
            raise InvalidInput(f"limit must be between 1 and {MAX_PAGE_SIZE}", field="limit", code="invalid_limit")
        customer = self.customers.resolve(ref).item
        if authorize is not None:
            authorize(customer)
        partition = table.bookings_partition(customer.customer_id)
        query_id = f"bookings|{customer.customer_id}"
        key_attrs = ("pk", "sk")
        start_key = decode_cursor(cursor, query_id, set(key_attrs)) if cursor else None
        results = BookingItem.query(
            partition,
            range_key_condition=BookingItem.sk.startswith(table.BOOKING_PREFIX),
            scan_index_forward=False,
            consistent_read=True,
            limit=limit + 1,
            page_size=limit + 1,
            last_evaluated_key=start_key,
        )
        items, next_cursor = page_of(results, BookingItem, limit=limit, query_id=query_id, key_attrs=key_attrs)
        return BookingPage(
            items=[self.to_booking(item, customer.customer_number) for item in items], next_cursor=next_cursor
        )

    # --- status -------------------------------------------------------------------------------

    def set_status(
        self, booking_id: str, status: str, *, authorize: Callable[[CustomerItem], None] | None = None
    ) -> Booking:
        """Move a booking to ``status``; cancelling takes it out of the totals in the same transaction.

        ``authorize`` sees the booking's customer first and raises if the caller may not do this.
        """
        contention = Contention(self.customers.settings.contention_budget_seconds)
        while True:
            booking = self._get(booking_id)
            customer = self.customers.resolve(booking.customer_id).item
            if authorize is not None:
                authorize(customer)
            if booking.status == status:
                return self.to_booking(booking, customer.customer_number)
            if status not in TRANSITIONS[booking.status]:
                raise InvalidTransition(booking.status, status)
            now = utc_now()
            tx = table.Transaction()
            tx.update(
                "booking",
                BookingItem(booking.pk, booking.sk),
                actions=[BookingItem.status.set(status), BookingItem.updated_at.set(now)],
                condition=BookingItem.status == booking.status,
            )
            if status == "cancelled":
                self._adjust_totals(tx, customer, bookings=-1, spent=-booking.amount)
            try:
                tx.commit()
            except TransactionCancelled:
                contention.wait()  # the booking or the customer changed meanwhile: decide again
                continue
            booking.status, booking.updated_at = status, now
            return self.to_booking(booking, customer.customer_number)

    def _get(self, booking_id: str) -> BookingItem:
        if not booking_id.startswith(BOOKING_ID_PREFIX) or len(booking_id) > 64:
            raise BookingNotFound(booking_id)
        try:
            ref = BookingRefItem.get(*table.booking_ref_key(booking_id), consistent_read=True)
            return BookingItem.get(table.bookings_partition(ref.customer_id), ref.booking_sk, consistent_read=True)
        except DoesNotExist as error:
            raise BookingNotFound(booking_id) from error
