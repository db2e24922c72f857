"""Bookings on the canonical customer, with exact totals (moto in-process)."""

from collections import Counter
from decimal import Decimal

import pytest
from pydantic import ValidationError

from customer_identity.core.errors import BookingNotFound, CustomerNotFound, InvalidInput, InvalidTransition
from customer_identity.core.models.bookings import NewBooking
from customer_identity.core.models.customers import CustomerChanges, NewCustomer
from customer_identity.use_cases.bookings.bookings import Bookings
from tests.unit.conftest import Domain


@pytest.fixture
def bookings(domain: Domain) -> Bookings:
    return domain.bookings


def book(bookings: Bookings, customer: str, amount: str, service: str = "Wash & fold"):
    return bookings.create(NewBooking(customer=customer, service=service, amount=Decimal(amount)))


def totals(domain: Domain, ref: str) -> tuple[int, Decimal]:
    customer = domain.views.customer(domain.resolver.resolve(ref).item)
    return customer.total_bookings, customer.total_spent


def test_a_new_phone_creates_its_customer_and_later_shapes_book_on_it(bookings, domain) -> None:
    first = book(bookings, "user_9717619183", "0.10")
    second = book(bookings, "+91 97176 19183", "0.20")
    assert first.customer_created is True and second.customer_created is False
    assert first.booking.customer_id == second.booking.customer_id
    assert first.booking.customer_number == "PL1"
    assert totals(domain, "9717619183") == (2, Decimal("0.30"))


def test_sums_stay_exact_over_many_small_amounts(bookings, domain) -> None:
    for _ in range(30):
        book(bookings, "9717619183", "0.10")
    assert totals(domain, "PL1") == (30, Decimal("3.00"))


@pytest.mark.parametrize("amount", ["10.005", "-1", "NaN", "Infinity", "abc"])
def test_amounts_must_be_non_negative_with_at_most_two_places(amount: str) -> None:
    with pytest.raises(ValidationError) as raised:
        NewBooking(customer="9717619183", service="x", amount=amount)  # type: ignore[arg-type]
    assert raised.value.errors()[0]["loc"] == ("amount",)


def test_a_reference_that_is_not_a_phone_and_matches_nothing_is_not_found(bookings) -> None:
    with pytest.raises(CustomerNotFound):
        book(bookings, "CUST-000404", "1.00")


def test_an_invalid_phone_reference_names_the_customer_field(bookings) -> None:
    with pytest.raises(InvalidInput) as raised:
        book(bookings, "555-1234", "1.00")
    assert (raised.value.code, raised.value.field) == ("invalid_phone", "customer")


def test_history_is_the_same_through_every_reference_newest_first(bookings, domain) -> None:
    customer = domain.registration.find_or_create(NewCustomer(phone="9717619183", email="asha@example.com")).customer
    domain.profiles.attach_legacy_ids("PL1", ["CUST-9", "5f8d0a3b9c1e4a2b3c4d5e6f"])
    made = [book(bookings, "9717619183", f"{i}.00").booking.booking_id for i in range(5)]
    refs = [
        "PL1",
        "pl1",
        customer.customer_id,
        "user_9717619183",
        "09717619183",
        "asha@example.com",
        "CUST-9",
        "5f8d0a3b9c1e4a2b3c4d5e6f",
    ]
    for ref in refs:
        seen, cursor = [], None
        while True:
            page = bookings.history(ref, limit=2, cursor=cursor)
            seen += [b.booking_id for b in page.items]
            cursor = page.next_cursor
            if cursor is None:
                break
        assert seen == made[::-1], ref


def test_bookings_follow_the_customer_through_a_phone_change(bookings, domain) -> None:
    book(bookings, "9717619183", "5.00")
    domain.profiles.update("PL1", CustomerChanges(phone="9811111111"))
    book(bookings, "9811111111", "7.50")
    assert totals(domain, "PL1") == (2, Decimal("12.50"))
    assert len(bookings.history("9811111111", limit=10, cursor=None).items) == 2


def test_cancelling_takes_a_booking_out_of_the_totals_once(bookings, domain) -> None:
    kept = book(bookings, "9717619183", "10.00").booking
    cancelled = book(bookings, "9717619183", "2.50").booking
    assert bookings.set_status(kept.booking_id, "completed").status == "completed"
    assert bookings.set_status(cancelled.booking_id, "cancelled").status == "cancelled"
    assert bookings.set_status(cancelled.booking_id, "cancelled").status == "cancelled"  # repeat: no change
    assert totals(domain, "PL1") == (1, Decimal("10.00"))
    with pytest.raises(InvalidTransition):
        bookings.set_status(cancelled.booking_id, "scheduled")
    with pytest.raises(BookingNotFound):
        bookings.set_status("bk_missing", "completed")


def test_booking_for_an_existing_customer_by_phone_takes_two_requests(bookings, requests_made: Counter) -> None:
    book(bookings, "9717619183", "1.00")
    requests_made.clear()
    book(bookings, "user_9717619183", "1.00")
    assert requests_made == Counter({"GetItem": 1, "TransactWriteItems": 1})
