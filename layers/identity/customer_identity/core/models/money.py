"""Exact money as callers send it: plain ASCII digits, at most 2 decimal places, stored with 2 places."""

from __future__ import annotations

import re
from decimal import Decimal
from typing import Annotated

from pydantic import AfterValidator, BeforeValidator, Field, WithJsonSchema

from customer_identity.core.wire import AMOUNT_IN_PATTERN

CENTS = Decimal("0.01")
_PLAIN_DECIMAL = re.compile(r"[0-9]+(?:\.[0-9]+)?")  # ASCII digits only: no sign, exponent, "_" or spaces


def _plain_decimal(value: object) -> Decimal:
    """A JSON string or number (or a Decimal from code) written as plain ASCII digits and a decimal point."""
    if isinstance(value, bool) or not isinstance(value, str | int | float | Decimal):
        raise ValueError('must be a decimal string like "249.50"')
    text = value if isinstance(value, str) else format(value, "f") if isinstance(value, Decimal) else repr(value)
    if not _PLAIN_DECIMAL.fullmatch(text):
        raise ValueError('must be plain digits with an optional decimal point, like "249.50"')
    return Decimal(text)


# Exact money: plain ASCII digits, at most 2 decimal places, never negative; stored with 2 places.
Money = Annotated[
    Decimal,
    Field(ge=0, max_digits=14, decimal_places=2, allow_inf_nan=False),
    BeforeValidator(_plain_decimal),
    AfterValidator(lambda amount: amount.quantize(CENTS)),
    WithJsonSchema(
        {
            "type": "string",
            "pattern": AMOUNT_IN_PATTERN,
            "examples": ["249.50"],
            "description": "A decimal string; a JSON number is accepted too, for old clients",
        },
        mode="validation",
    ),
]
