"""Keep secrets and personal data out of logs.

Code logs masked values (:func:`mask_address`); :class:`RedactingFilter`, installed on the service
logger, is the safety net. It looks at the message (after ``%`` formatting) and at every ``extra``
field, recursively through dicts, lists and tuples, and applies two rules.

**Secrets, by key.** A field whose key names a secret has its value replaced by ``"[redacted]"``
(whatever its type; ``None`` and booleans are kept, they carry no secret: ``has_password: true``).
A key is split into lower-case words (``X-Api-Key``, ``apiKey``, ``api_key`` → ``api``, ``key``)
and names a secret when

* a word (or its plural) is one of :data:`SECRET_WORDS`: password, passwd, pwd, passphrase,
  passcode, secret, token, otp, authorization, hash, cookie, jwt, signature, credential, bearer
  (``reset_token``, ``password_hash``, ``Set-Cookie``, ``client_secret``);
* it contains one of :data:`SECRET_PAIRS` (``api_key``, ``private_key``, ``access_key``, ...);
* it is exactly ``code``, or ends in ``_code`` after a sign-in qualifier from
  :data:`SIGN_IN_CODE_QUALIFIERS` (``otp_code``, ``sign_in_code``, ``verification_code``,
  ``signInCode``). In this service a bare ``code`` field is only ever a sign-in code: error codes are
  logged as ``error_code``. Any other ``*_code`` key (``error_code``, ``status_code``,
  ``country_code``, ``currency_code``) is *not* a secret; its value goes through the value rules.

**Personal data, by value.** In every string (the message and field values under other keys):

* JWTs (``eyJ…``) and anything after ``Bearer `` become ``[token]``;
* email addresses become ``a***@e***`` (:func:`mask_email`);
* phone numbers become ``+********83`` (:func:`mask_phone`, the last two digits kept): a ``+`` and
  7 or more digits, or 10 or more digits, written as one run or in groups separated by single
  spaces or hyphens, with optional parentheses (``+919717619183``, ``+91 97176 19183``,
  ``09717619183``, ``97176-19183``, ``(415) 555-2671``), also after an underscore
  (``user_9717619183``, a legacy id);
* a run of exactly 6 digits standing alone is taken for a sign-in code and becomes ``[code]``
  (``Your sign-in code is 123456``).

Kept byte-exact: ISO 8601 dates and times (``2024-05-01``, ``2024-05-01T10:00:00.000Z``,
``2024-05-01 10:00:00,123+0000``), UUIDs, identifiers where digits touch letters (``PL12``,
``cus_3f2b…``, X-Ray ids), error codes, decimals (``249.50``, ``123456.78``), dotted numbers (IP
addresses, versions), and every other number: 1-5 and 7-9 digits in text (``status 503``,
``took 1234 ms``), and every ``int``/``float`` field value outside secret keys (``"status": 503``).
The price of a rule by shape: a standalone 6-digit count is logged as ``[code]``, and any other
run of 10 or more digits (an epoch in milliseconds, an AWS account id) is masked like a phone.
Exception tracebacks are formatted by the log handler after this filter and are not redacted.
"""

from __future__ import annotations

import logging
import re
from typing import Any

REDACTED = "[redacted]"

SECRET_WORDS = frozenset(
    {
        "password",
        "passwd",
        "pwd",
        "passphrase",
        "passcode",
        "secret",
        "token",
        "otp",
        "authorization",
        "hash",
        "cookie",
        "jwt",
        "signature",
        "credential",
        "bearer",
    }
)
SECRET_PAIRS = frozenset(
    {("api", "key"), ("apikey",), ("private", "key"), ("access", "key"), ("signing", "key"), ("session", "key")}
)
SIGN_IN_CODE_QUALIFIERS = frozenset(
    {
        ("otp",),
        ("sign", "in"),
        ("signin",),
        ("login",),
        ("log", "in"),
        ("verification",),
        ("verify",),
        ("confirmation",),
        ("one", "time"),
        ("auth",),
        ("mfa",),
        ("reset",),
        ("security",),
    }
)

_WORD_BOUNDARY = re.compile(r"(?<=[a-z0-9])(?=[A-Z])")
_NOT_ALNUM = re.compile(r"[^a-z0-9]+")

_JWT = re.compile(r"\beyJ[\w-]+\.[\w-]+\.[\w-]*")
_BEARER = re.compile(r"\b(Bearer)\s+[\w\-.~+/]+=*", re.IGNORECASE)
_EMAIL = re.compile(r"(?<![\w.+-])([\w.+-])[\w.+-]*@([\w-])[\w.-]*\.(\w+)")  # starts a run: linear time
# Kept as they are; the text between them is checked for phone numbers and codes.
_KEEP = re.compile(
    r"""(
        (?<!\d)\d{4}-(?:0[1-9]|1[0-2])-(?:0[1-9]|[12]\d|3[01])        # ISO date
        (?:[T\ ]\d{2}:\d{2}(?::\d{2}(?:[.,]\d+)?)?(?:Z|[+-]\d{2}:?\d{2})?)?(?!\d)  # time, zone
      | \b[0-9A-Fa-f]{8}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{12}\b  # UUID
    )""",
    re.VERBOSE,
)
# Digit groups separated by one space or hyphen, parentheses allowed; not inside a word or a number.
_PHONE = re.compile(
    r"""(?<![A-Za-z0-9+.])
        \+?(?:\(\d{1,5}\)|\d+)
        (?:[\ \-]?\(\d{1,5}\)|[\ \-]\d+|(?<=\))\d+)*
        (?![A-Za-z0-9]|\.\d)""",
    re.VERBOSE,
)


def mask_phone(phone: str) -> str:
    digits = re.sub(r"\D", "", phone)
    return f"+{'*' * max(0, len(digits) - 2)}{digits[-2:]}" if digits else "*"


def mask_email(email: str) -> str:
    local, _, domain = email.partition("@")
    return f"{local[:1]}***@{domain[:1]}***" if domain else "***"


def mask_address(to: str) -> str:
    """A phone number or email address, masked for logs."""
    return mask_email(to) if "@" in to else mask_phone(to)


def _mask_number(match: re.Match[str]) -> str:
    found = match.group(0)
    digits = sum(character.isdigit() for character in found)
    if digits >= 10 or (found.startswith("+") and digits >= 7):
        return mask_phone(found)
    if digits == 6 and found.isdigit():
        return "[code]"
    return found


def redact_text(text: str) -> str:
    """``text`` with tokens, email addresses, phone numbers and sign-in codes masked (module docstring)."""
    text = _JWT.sub("[token]", text)
    text = _BEARER.sub(r"\1 [token]", text)
    text = _EMAIL.sub(lambda m: f"{m.group(1)}***@{m.group(2)}***", text)
    parts = _KEEP.split(text)  # [free text, kept, free text, kept, ..., free text]
    parts[::2] = [_PHONE.sub(_mask_number, part) for part in parts[::2]]
    return "".join(parts)


def _words(key: str) -> tuple[str, ...]:
    return tuple(word for word in _NOT_ALNUM.split(_WORD_BOUNDARY.sub("_", key).lower()) if word)


def _contains(words: tuple[str, ...], sequence: tuple[str, ...]) -> bool:
    size = len(sequence)
    return any(words[i : i + size] == sequence for i in range(len(words) - size + 1))


def is_secret_key(key: str) -> bool:
    """Whether a field called ``key`` holds a secret (the rule is in the module docstring)."""
    words = _words(key)
    if not words:
        return False
    singulars = {word[: -len(end)] for word in words for end in ("s", "es") if word.endswith(end)}
    if SECRET_WORDS.intersection(words) or SECRET_WORDS.intersection(singulars):
        return True
    if any(_contains(words, pair) for pair in SECRET_PAIRS):
        return True
    if words[-1] in {"code", "codes"}:
        before = words[:-1]
        return not before or any(before[-len(q) :] == q for q in SIGN_IN_CODE_QUALIFIERS)
    return False


def _redact(value: Any, key: str = "") -> Any:
    if value is None or isinstance(value, bool):
        return value
    if key and is_secret_key(key):
        return REDACTED
    if isinstance(value, str):
        return redact_text(value)
    if isinstance(value, dict):
        return {k: _redact(v, str(k)) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_redact(v) for v in value]
    return value


_STANDARD_ATTRS = set(logging.LogRecord("", 0, "", 0, "", (), None).__dict__) | {"message", "asctime"}


class RedactingFilter(logging.Filter):
    """Masks secrets and personal data in a record's message and ``extra`` fields (module docstring)."""

    def filter(self, record: logging.LogRecord) -> bool:
        if isinstance(record.msg, dict):
            record.msg = _redact(record.msg)
        else:
            try:
                record.msg, record.args = redact_text(record.getMessage()), None
            except (TypeError, ValueError, KeyError):  # arguments that do not fit: the handler reports it
                record.msg = redact_text(str(record.msg))
                record.args = _redact(record.args) if isinstance(record.args, dict) else tuple(_redact(record.args))
        for key, value in list(record.__dict__.items()):
            if key not in _STANDARD_ATTRS:
                record.__dict__[key] = _redact(value, key)
        return True
