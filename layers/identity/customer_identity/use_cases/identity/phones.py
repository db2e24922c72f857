"""Phone numbers: every shape people type becomes one E.164 key, or a clear rejection."""

from __future__ import annotations

import re
from dataclasses import dataclass

import phonenumbers

from customer_identity.core.errors import InvalidPhone

# Legacy systems wrote ids such as ``user_9717619183``: the phone behind the prefix is the customer.
_USER_PREFIX = re.compile(r"^user_", re.IGNORECASE)
# Only digits and the punctuation people put between them. Letters are refused up front so that
# an id like ``CUST-7F3A`` is never read as a vanity number.
_PHONE_SHAPE = re.compile(r"^\+?[0-9(][0-9 ().\-]*$")
MAX_RAW_LENGTH = 64


@dataclass(frozen=True)
class Phone:
    e164: str
    raw: str


def strip_legacy_prefix(text: str) -> str:
    return _USER_PREFIX.sub("", text.strip(), count=1).strip()


def looks_like_phone(text: str) -> bool:
    """True when ``text`` has the shape of a phone number (it may still be invalid)."""
    candidate = strip_legacy_prefix(text)
    return bool(_PHONE_SHAPE.match(candidate)) and sum(c.isdigit() for c in candidate) >= 5


def normalise_phone(raw: str, default_region: str, *, field: str = "phone") -> Phone:
    """Return the E.164 form of ``raw`` or raise :class:`InvalidPhone`.

    Numbers without ``+`` are read in ``default_region``; a national number already carrying the
    default region's country code (``919717619183`` for India) is read as international. A number
    that is merely *possible* but not *valid* (``555-1234`` in India) is refused.
    """
    if not isinstance(raw, str) or not raw.strip():
        raise InvalidPhone("phone is required", field=field)
    if len(raw) > MAX_RAW_LENGTH:
        raise InvalidPhone(f"phone is longer than {MAX_RAW_LENGTH} characters", field=field)
    candidate = strip_legacy_prefix(raw)
    if not _PHONE_SHAPE.match(candidate):
        raise InvalidPhone(f"{raw!r} is not a phone number", field=field)

    number = _parse(candidate, default_region)
    if number is None and not candidate.startswith("+"):
        digits = re.sub(r"\D", "", candidate)
        country_code = str(phonenumbers.country_code_for_region(default_region))
        if digits.startswith(country_code):
            number = _parse("+" + digits, default_region)
    if number is None:
        raise InvalidPhone(f"{raw!r} is not a valid phone number for region {default_region}", field=field)
    return Phone(e164=phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164), raw=raw)


def _parse(text: str, region: str) -> phonenumbers.PhoneNumber | None:
    try:
        number = phonenumbers.parse(text, region)
    except phonenumbers.NumberParseException:
        return None
    return number if phonenumbers.is_valid_number(number) else None
