"""The operational profile's field types: links, a location, a calendar date, per-product prices."""

from __future__ import annotations

import re
from datetime import date
from typing import Annotated
from urllib.parse import urlsplit

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, StringConstraints, WithJsonSchema

from customer_identity.core.models.fields import Input, Text
from customer_identity.core.models.money import Money

_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")


def _https_url(value: str) -> str:
    parts = urlsplit(value)
    if parts.scheme != "https" or not parts.hostname or any(char.isspace() for char in value):
        raise ValueError("must be an https:// URL")
    return value


# A link people open (a maps link, a photo): https only, as given.
HttpsUrl = Annotated[
    str,
    StringConstraints(strip_whitespace=True, min_length=9, max_length=2048),
    AfterValidator(_https_url),
    WithJsonSchema({"type": "string", "format": "uri", "pattern": "^https://", "maxLength": 2048}),
]


def _calendar_date(value: str) -> str:
    if not _DATE.fullmatch(value):
        raise ValueError("must be a date like 2026-11-22")
    try:
        date.fromisoformat(value)
    except ValueError:
        raise ValueError("must be a real date like 2026-11-22") from None
    return value


# A calendar day, YYYY-MM-DD (no time, no zone).
CalendarDate = Annotated[str, AfterValidator(_calendar_date), WithJsonSchema({"type": "string", "format": "date"})]
Notes = Annotated[Text, StringConstraints(min_length=1, max_length=2000)]
ProductId = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=64, pattern=r"^\S+$")]
# At most 200 products: a price list, not a catalogue.
ProductPrices = Annotated[dict[ProductId, Money], Field(max_length=200)]


class Location(Input):
    """Where the house is: WGS 84 degrees, and how sure the fix is (metres)."""

    lat: float = Field(ge=-90, le=90, allow_inf_nan=False)
    lng: float = Field(ge=-180, le=180, allow_inf_nan=False)
    accuracy_meters: float | None = Field(default=None, ge=0, allow_inf_nan=False)


class LocationAnswer(BaseModel):
    model_config = ConfigDict(defer_build=True)

    lat: float
    lng: float
    accuracy_meters: float | None = None
