"""The operational profile's fields, between the API's models and the customer item.

One list of names, and one conversion each way: a location and a price list are stored as JSON
text (exact decimals as strings), every other field as it is.
"""

from __future__ import annotations

import json
from decimal import Decimal
from typing import Any

from customer_identity.core.models.money import CENTS
from customer_identity.storage.entities import CustomerItem

# Set by POST (on a new customer) and PATCH, answered in every customer.
PROFILE_FIELDS = (
    "map_link",
    "house_image_url",
    "location",
    "trial_start_date",
    "marketing_person_id",
    "marketing_person_name",
    "notes",
    "custom_product_prices",
)


def stored(name: str, value: Any) -> Any:
    """What the item holds for ``value`` (a model's field value; None clears)."""
    if value is None:
        return None
    if name == "location":
        data = value if isinstance(value, dict) else value.model_dump()
        return json.dumps({key: data[key] for key in ("lat", "lng", "accuracy_meters") if data.get(key) is not None})
    if name == "custom_product_prices":
        if not value:
            return None
        return json.dumps({product: str(Decimal(price).quantize(CENTS)) for product, price in sorted(value.items())})
    return value


def answered(item: CustomerItem) -> dict[str, Any]:
    """The profile fields of a customer answer."""
    fields: dict[str, Any] = {name: getattr(item, name) for name in PROFILE_FIELDS}
    fields["location"] = json.loads(item.location) if item.location else None
    fields["custom_product_prices"] = {
        product: Decimal(price).quantize(CENTS)
        for product, price in json.loads(item.custom_product_prices or "{}").items()
    }
    return fields


def apply(item: CustomerItem, name: str, value: Any) -> None:
    setattr(item, name, stored(name, value))
