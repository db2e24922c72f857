"""Phones over time: one item per former holding of a phone (``PHONEHIST#<e164>``)."""

from __future__ import annotations

from pynamodb.attributes import NumberAttribute, UnicodeAttribute

from customer_identity.storage.entities.base import TableItem


class PhoneHistoryItem(TableItem, discriminator="phone_history"):
    """A customer held ``phone`` from ``held_from`` to ``held_until``; written with the release, never changed."""

    phone = UnicodeAttribute()
    customer_id = UnicodeAttribute()
    customer_number = NumberAttribute()
    held_from = UnicodeAttribute()
    held_until = UnicodeAttribute()
    reason = UnicodeAttribute()  # admin, self, recycled
    released_by = UnicodeAttribute(null=True)  # the account that released it
    note = UnicodeAttribute(null=True)
