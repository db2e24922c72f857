"""Objects built once per execution environment (cold start) and reused by warm invocations.

Modules only some functions need (accounts, password hashing, notifications) are imported inside
their builders, so that the other functions' cold starts do not pay for them.
"""

from __future__ import annotations

from functools import cache
from typing import TYPE_CHECKING

from customer_identity.bookings import BookingService
from customer_identity.customers import CustomerService
from customer_identity.idempotency import IdempotentBookings
from customer_identity.settings import settings
from customer_identity.tokens import Tokens, signing_key

if TYPE_CHECKING:
    from customer_identity.accounts import AccountService


@cache
def customer_service() -> CustomerService:
    return CustomerService(settings())


@cache
def booking_service() -> BookingService:
    return BookingService(customer_service())


@cache
def idempotent_bookings() -> IdempotentBookings:
    return IdempotentBookings(booking_service())


@cache
def tokens() -> Tokens:
    config = settings()
    return Tokens(signing_key(config), ttl_seconds=config.token_ttl_seconds)


@cache
def account_service() -> AccountService:
    from customer_identity.accounts import AccountService
    from customer_identity.notifications import sender_for
    from customer_identity.passwords import Passwords

    config = settings()
    passwords = Passwords(memory_kib=config.password_hash_memory_kib, time_cost=config.password_hash_time_cost)
    return AccountService(customer_service(), tokens(), sender_for(config), passwords)
