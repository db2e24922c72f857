"""Which keys of a legacy row the backfill reads; every other key is *unmapped* (counted per
collection in the report)."""

from __future__ import annotations

from typing import Any

# The row keys each collection's reader maps (anything else is counted as unmapped in the report).
MAPPED_KEYS = {
    "auth_users": {
        "id",
        "_id",
        "phone",
        "email",
        "name",
        "full_name",
        "role",
        "password_hash",
        "created_at",
        "createdAt",
    },
    "customers_v2": {
        "id",
        "_id",
        "phone",
        "email",
        "name",
        "full_name",
        "created_at",
        "createdAt",
        "status",
        "address",
        "area",
        "delivery_boy_id",
        "previous_balance",
        "custom_product_prices",
        "notes",
        "map_link",
        "house_image_url",
        "location",
        "trial_start_date",
        "marketing_boy",
        "marketing_boy_id",
    },
    "otp_users": {"_id", "phone", "email", "name", "full_name", "created_at", "createdAt"},
    "booking_users": {"_id", "phone", "email", "name", "full_name", "created_at", "createdAt"},
    "customers": {"customer_id", "_id", "phone", "email", "name", "full_name", "created_at", "createdAt", "address"},
    "bookings": {"_id", "customer_id", "amount", "status", "service", "created_at", "createdAt"},
}


def unmapped_keys(collection: str, row: dict[str, Any]) -> tuple[str, ...]:
    """The keys of ``row`` that no field of the service is read from, sorted."""
    return tuple(sorted(str(key) for key in row if key not in MAPPED_KEYS[collection]))
