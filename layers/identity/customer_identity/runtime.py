"""Objects built once per execution environment (cold start) and reused by warm invocations."""

from __future__ import annotations

from functools import cache

from customer_identity.bookings import BookingService
from customer_identity.customers import CustomerService
from customer_identity.idempotency import IdempotentBookings
from customer_identity.settings import settings


@cache
def customer_service() -> CustomerService:
    return CustomerService(settings())


@cache
def booking_service() -> BookingService:
    return BookingService(customer_service())


@cache
def idempotent_bookings() -> IdempotentBookings:
    return IdempotentBookings(booking_service())
