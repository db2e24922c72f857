"""Keep secrets and personal data out of logs.

Code logs masked values (:func:`mask_address`); :class:`RedactingFilter`, installed on the service
logger, is the safety net: it masks anything that still looks like a phone number, an email
address, a token or a sign-in code, and drops values of fields named like secrets.
"""

from __future__ import annotations

import logging
import re
from typing import Any

SECRET_FIELD = re.compile(r"pass(word)?|secret|token|code|otp|authorization|hash", re.IGNORECASE)
_JWT = re.compile(r"\beyJ[\w-]+\.[\w-]+\.[\w-]*")
_EMAIL = re.compile(r"([\w.+-])[\w.+-]*@([\w-])[\w.-]*\.(\w+)")
_PHONE = re.compile(r"\+?\d[\d \-()]{5,}\d")
_CODE = re.compile(r"\b\d{4,8}\b")
_STANDARD_ATTRS = set(logging.LogRecord("", 0, "", 0, "", (), None).__dict__) | {"message", "asctime"}


def mask_phone(phone: str) -> str:
    digits = re.sub(r"\D", "", phone)
    return f"+{'*' * max(0, len(digits) - 2)}{digits[-2:]}" if digits else "*"


def mask_email(email: str) -> str:
    local, _, domain = email.partition("@")
    return f"{local[:1]}***@{domain[:1]}***" if domain else "***"


def mask_address(to: str) -> str:
    """A phone number or email address, masked for logs."""
    return mask_email(to) if "@" in to else mask_phone(to)


def redact_text(text: str) -> str:
    text = _JWT.sub("[token]", text)
    text = _EMAIL.sub(lambda m: f"{m.group(1)}***@{m.group(2)}***", text)
    text = _PHONE.sub(lambda m: mask_phone(m.group(0)), text)
    return _CODE.sub("[number]", text)


def _redact(value: Any, key: str = "") -> Any:
    if key and SECRET_FIELD.search(key):
        return "[redacted]"
    if isinstance(value, str):
        return redact_text(value)
    if isinstance(value, dict):
        return {k: _redact(v, str(k)) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_redact(v) for v in value]
    return value


class RedactingFilter(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        if isinstance(record.msg, str):
            record.msg = redact_text(record.msg % record.args if record.args else record.msg)
            record.args = None
        elif isinstance(record.msg, dict):
            record.msg = _redact(record.msg)
        for key, value in list(record.__dict__.items()):
            if key not in _STANDARD_ATTRS:
                record.__dict__[key] = _redact(value, key)
        return True
