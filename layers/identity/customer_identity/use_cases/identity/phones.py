"""Phone numbers: every shape people type becomes one E.164 key, or a clear rejection."""

from __future__ import annotations

import re
from dataclasses import dataclass
from itertools import pairwise

import phonenumbers

from customer_identity.core.errors import InvalidPhone, PhoneNotAllowed

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

    junk = junk_pattern(candidate, default_region)
    if junk is not None:
        raise PhoneNotAllowed(f"{raw!r} is not a phone anyone holds ({junk}): leave the phone out", field=field)
    number = _parse(candidate, default_region)
    if number is None and not candidate.startswith("+"):
        digits = re.sub(r"\D", "", candidate)
        country_code = str(phonenumbers.country_code_for_region(default_region))
        if digits.startswith(country_code):
            number = _parse("+" + digits, default_region)
    if number is None:
        raise InvalidPhone(f"{raw!r} is not a valid phone number for region {default_region}", field=field)
    return Phone(e164=phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164), raw=raw)


# A run of consecutive digits this long (1234567890, 9876543210) is typed, not dialled.
JUNK_RUN_LENGTH = 6
# Too short for any number of the region. (A number only dialable locally, ``555-1234`` in India, is
# not junk: it is refused as ``invalid_phone``, a real number missing its area code.)
_TOO_SHORT = (phonenumbers.ValidationResult.TOO_SHORT,)


def junk_pattern(candidate: str, region: str) -> str | None:
    """Why ``candidate`` is a junk phone (every digit the same, a run of consecutive digits, too short
    for its region), or None. The business's own numbers are :func:`ensure_not_own`'s job."""
    raw_digits = re.sub(r"\D", "", candidate)
    digit_strings = [raw_digits]
    parsed: phonenumbers.PhoneNumber | None = None
    try:
        parsed = phonenumbers.parse(candidate, region)
        digit_strings.append(phonenumbers.national_significant_number(parsed))
    except phonenumbers.NumberParseException:
        pass
    for digits in digit_strings:
        if len(digits) >= 5 and len(set(digits)) == 1:
            return "every digit the same"
        if len(digits) >= JUNK_RUN_LENGTH and _is_run(digits):
            return "a run of consecutive digits"
    if parsed is not None and phonenumbers.is_possible_number_with_reason(parsed) in _TOO_SHORT:
        return "too short for its region"
    return None


def _is_run(digits: str) -> bool:
    steps = {(int(b) - int(a)) % 10 for a, b in pairwise(digits)}
    return steps in ({1}, {9})


def own_numbers(numbers: tuple[str, ...], region: str) -> frozenset[str]:
    """The business's own numbers (``JUNK_PHONES``) in E.164; an entry that is no phone is ignored
    here (settings refuse it at cold start)."""
    found = set()
    for number in numbers:
        try:
            found.add(normalise_phone(number, region).e164)
        except InvalidPhone:
            continue  # already junk by pattern, or no phone at all: refused anyway
    return frozenset(found)


def ensure_not_own(e164: str, own: frozenset[str], *, field: str = "phone") -> None:
    """:class:`PhoneNotAllowed` when ``e164`` is one of the business's own numbers (staff type it when
    a customer gives none)."""
    if e164 in own:
        raise PhoneNotAllowed("this is the business's own number, not a customer's: leave the phone out", field=field)


def _parse(text: str, region: str) -> phonenumbers.PhoneNumber | None:
    try:
        number = phonenumbers.parse(text, region)
    except phonenumbers.NumberParseException:
        return None
    return number if phonenumbers.is_valid_number(number) else None
