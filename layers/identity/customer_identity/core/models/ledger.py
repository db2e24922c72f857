"""A customer's balance as an exact ledger: entries, a page of them, and an admin's adjustment."""

from __future__ import annotations

import re
from decimal import Decimal
from typing import Annotated, Literal

from pydantic import AfterValidator, BeforeValidator, Field, StringConstraints, WithJsonSchema

from customer_identity.core.models.common import Answer
from customer_identity.core.models.fields import Input, Text
from customer_identity.core.models.money import CENTS
from customer_identity.core.wire import DecimalString, Timestamp

EntryKind = Literal["opening", "adjustment", "merge_in", "merge_out", "reversal"]
_SIGNED_DECIMAL = re.compile(r"-?[0-9]{1,12}(?:\.[0-9]{1,2})?")


def _signed_amount(value: object) -> Decimal:
    if not isinstance(value, str) or not _SIGNED_DECIMAL.fullmatch(value):
        raise ValueError('must be a decimal string with at most 2 places, like "-120.50" or "75"')
    amount = Decimal(value)
    if amount == 0:
        raise ValueError("must not be zero")
    return amount


# A change of balance: a decimal string, signed (a charge is negative), at most 2 places, never zero.
SignedAmount = Annotated[
    Decimal,
    BeforeValidator(_signed_amount),
    AfterValidator(lambda amount: amount.quantize(CENTS)),
    WithJsonSchema({"type": "string", "pattern": r"^-?[0-9]{1,12}(\.[0-9]{1,2})?$", "examples": ["-120.50"]}),
]


class BalanceAdjustment(Input):
    """Body of ``POST /admin/customers/{ref}/balance-adjustments``."""

    amount: SignedAmount = Field(description="Added to the balance: positive credits, negative charges")
    reason: Annotated[Text, StringConstraints(min_length=1, max_length=500)]


class LedgerEntry(Answer):
    entry_id: str
    customer_id: str
    amount: DecimalString = Field(description="Signed exact decimal, 2 places")
    kind: EntryKind
    reason: str | None
    created_by: str | None = Field(description="The staff account (or backfill run) that posted it")
    created_at: Timestamp
    reverses: str | None = Field(default=None, description="The entry this one reverses")
    merge_id: str | None = None
    source: str | None = Field(default=None, description="The legacy row an opening entry came from")


class LedgerPage(Answer):
    balance: DecimalString = Field(description="The customer's balance: the exact sum of every entry")
    items: list[LedgerEntry]
    next_cursor: str | None


class AdjustmentResult(Answer):
    entry: LedgerEntry
    balance: DecimalString
