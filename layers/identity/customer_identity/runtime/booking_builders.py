"""Bookings, with idempotent creation."""

from __future__ import annotations

from functools import cache
from typing import TYPE_CHECKING

from customer_identity.runtime.identity_builders import config, registration, resolver, resolver_reader, views

if TYPE_CHECKING:
    from customer_identity.use_cases.bookings.bookings import Bookings
    from customer_identity.use_cases.bookings.idempotency import IdempotentBookings


@cache
def bookings() -> Bookings:
    from customer_identity.use_cases.bookings.bookings import Bookings

    return Bookings(config(), resolver(), views(), registration())


@cache
def bookings_reader() -> Bookings:
    from customer_identity.use_cases.bookings.bookings import Bookings

    return Bookings(config(), resolver_reader(), views(), registration=None)


@cache
def idempotent_bookings() -> IdempotentBookings:
    from customer_identity.use_cases.bookings.idempotency import IdempotentBookings

    return IdempotentBookings(bookings())


BUILDERS = (
    bookings,
    bookings_reader,
    idempotent_bookings,
)
