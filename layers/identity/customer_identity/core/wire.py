"""How values look in JSON, as the OpenAPI document tells clients: timestamps, money, allowed characters.

These annotations change only the JSON schema; what the server accepts is checked by the models'
validators (``core.models``), which these patterns describe.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Annotated, Any

from pydantic import GetJsonSchemaHandler, WithJsonSchema
from pydantic_core import CoreSchema

# Text people type may hold any character but C0/C1 controls, bidi embeddings, overrides and
# isolates, and lone surrogates; an address may also hold CR and LF.
TEXT_PATTERN = r"^[^\u0000-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069\ud800-\udfff]*$"
ADDRESS_PATTERN = r"^[^\u0000-\u0009\u000b\u000c\u000e-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069\ud800-\udfff]*$"
# A phone as people type it (``use_cases.phones``): digits and ( ) . - spaces, an optional leading
# ``+``, optionally after a legacy ``user_`` prefix. Whether it is a valid number is checked after.
PHONE_PATTERN = r"^\s*([Uu][Ss][Ee][Rr]_)?\s*\+?[0-9(][0-9 ().\-]*\s*$"
# Amounts sent: plain ASCII digits, at most 2 decimals. Amounts answered: always 2 decimals (a
# legacy balance may be negative).
AMOUNT_IN_PATTERN = r"^[0-9]{1,12}(\.[0-9]{1,2})?$"
AMOUNT_OUT_PATTERN = r"^-?[0-9]+\.[0-9]{2}$"


@dataclass(frozen=True)
class SchemaPattern:
    """Adds ``pattern`` to a string's JSON schema, keeping its other keywords (lengths, format)."""

    pattern: str

    def __get_pydantic_json_schema__(self, core_schema: CoreSchema, handler: GetJsonSchemaHandler) -> dict[str, Any]:
        schema = handler(core_schema)
        schema["pattern"] = self.pattern
        return schema


# A time the service wrote: ISO 8601 UTC with milliseconds and ``Z`` (``core.clock``).
Timestamp = Annotated[str, WithJsonSchema({"type": "string", "format": "date-time"})]
# An exact amount in an answer: a decimal string with 2 places.
DecimalString = Annotated[
    Decimal,
    WithJsonSchema({"type": "string", "pattern": AMOUNT_OUT_PATTERN, "examples": ["249.50"]}, mode="serialization"),
]
SummedAmount = Annotated[str, WithJsonSchema({"type": "string", "pattern": AMOUNT_OUT_PATTERN})]
