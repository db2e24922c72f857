"""Sessions: one item per sign-in, in its account's item collection (``SESSION#<account_id>``)."""

from __future__ import annotations

from typing import Any

from pynamodb.attributes import NumberAttribute, UnicodeAttribute

from customer_identity.storage import keys
from customer_identity.storage.entities.base import TableItem


class SessionItem(TableItem, discriminator="session"):
    """A session: who signed in, from where, until when, and the hash of its current refresh token.

    The refresh token itself is never stored: only its SHA-256 (``refresh_hash``) and the one it
    replaced (``previous_hash``, answered again within the grace window). ``generation`` counts
    rotations; ``seed`` (random, per session) is what the tokens are derived from with a key only
    the functions hold, so neither a table dump nor the key alone gives a token.
    """

    account_id = UnicodeAttribute()
    session_id = UnicodeAttribute()
    account_kind = UnicodeAttribute()  # "customer" or "staff"
    role = UnicodeAttribute()
    method = UnicodeAttribute()  # otp, pwd, reset, local
    created_at = UnicodeAttribute()
    last_used_at = UnicodeAttribute()
    user_agent = UnicodeAttribute(null=True)
    address = UnicodeAttribute(null=True)  # coarse: an IPv4 /24 or an IPv6 /48
    expires_at = NumberAttribute()  # absolute expiry (epoch seconds)
    idle_expires_at = NumberAttribute()  # no refresh until then: ended
    seed = UnicodeAttribute()
    generation = NumberAttribute(default=0)
    refresh_hash = UnicodeAttribute()
    previous_hash = UnicodeAttribute(null=True)
    rotated_at = NumberAttribute(default=0)  # epoch seconds (float) of the last rotation or sign-in
    revoked_at = UnicodeAttribute(null=True)
    revoked_reason = UnicodeAttribute(null=True)

    def serialize(self, null_check: bool = True) -> dict[str, dict[str, Any]]:
        if self.account_id and self.session_id:
            self.pk, self.sk = keys.session_key(self.account_id, self.session_id)
        return super().serialize(null_check=null_check)

    @property
    def live(self) -> bool:
        return self.revoked_at is None
