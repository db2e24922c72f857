"""Reads of a phone's history: its former holdings, oldest first (one strongly consistent query)."""

from __future__ import annotations

from customer_identity.storage import keys
from customer_identity.storage.entities import PhoneHistoryItem

MAX_HOLDINGS = 100  # a phone released more often than this is a test, not a person: the oldest are shown


def holdings(e164: str) -> list[PhoneHistoryItem]:
    found = PhoneHistoryItem.query(keys.phone_history_partition(e164), consistent_read=True, limit=MAX_HOLDINGS)
    return [item for item in found if isinstance(item, PhoneHistoryItem)]
