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


class RecycleChallengeItem(TableItem, discriminator="recycle_challenge"):
    """A phone code verified for a dormant customer: what the person proves next (keyed by the SHA-256
    of its token; single use, 10 minutes)."""

    phone = UnicodeAttribute()
    customer_id = UnicodeAttribute()  # the dormant customer (never shown until proven)
    expires_at = NumberAttribute()
    attempts = NumberAttribute(default=0)
    email_code_hash = UnicodeAttribute(null=True)  # HMAC of a code sent to the account's email
