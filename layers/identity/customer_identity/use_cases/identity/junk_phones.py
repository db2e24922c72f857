"""Phones no customer may have: the built-in junk patterns (:func:`phones.junk_pattern`, checked by
every normalisation) and the business's own numbers (``JUNK_PHONES``), checked here.

Every route that gives a customer a phone normalises it with :func:`allowed_phone`: ``POST
/customers``, ``PATCH /customers/{ref}``, bookings for a phone, and phone-code sign-in; each answers
422 ``phone_not_allowed`` naming the field. The backfill holds such rows as ``junk_phone``.
"""

from __future__ import annotations

from functools import cache

from customer_identity.core.settings import Settings
from customer_identity.use_cases.identity.phones import Phone, ensure_not_own, normalise_phone, own_numbers


@cache
def _own(numbers: tuple[str, ...], region: str) -> frozenset[str]:
    return own_numbers(numbers, region)


def business_numbers(settings: Settings) -> frozenset[str]:
    """``JUNK_PHONES`` in E.164 (normalised once per execution environment)."""
    return _own(settings.junk_phones, settings.default_region)


def allowed_phone(raw: str, settings: Settings, *, field: str = "phone") -> Phone:
    """``raw`` normalised, or :class:`InvalidPhone` / :class:`PhoneNotAllowed` naming ``field``."""
    phone = normalise_phone(raw, settings.default_region, field=field)
    ensure_not_own(phone.e164, business_numbers(settings), field=field)
    return phone


def is_junk(e164: str, settings: Settings) -> bool:
    """Whether an already normalised phone is one of the business's own numbers."""
    return e164 in business_numbers(settings)
