"""Staff accounts and the short-lived sign-in items: codes, send logs, guards, reset tokens, email
proofs, the local outbox."""

from __future__ import annotations

from typing import Any

from pynamodb.attributes import (
    ListAttribute,
    NumberAttribute,
    UnicodeAttribute,
)

from customer_identity.storage import keys
from customer_identity.storage.entities.base import TableItem


class StaffItem(TableItem, discriminator="staff"):
    """A staff account: delivery person, supplier, marketing staff or admin (no customer number)."""

    account_id = UnicodeAttribute()
    role = UnicodeAttribute()
    email = UnicodeAttribute()
    name = UnicodeAttribute(null=True)
    phone = UnicodeAttribute(null=True)
    password_hash = UnicodeAttribute(null=True)
    password_changed_at = UnicodeAttribute(null=True)
    created_at = UnicodeAttribute()
    updated_at = UnicodeAttribute()
    revision = NumberAttribute(default=0)
    # Set when an admin deactivated the account: it cannot sign in and its tokens stop working.
    deactivated_at = UnicodeAttribute(null=True)
    # Tokens carry the generation they were issued in; a deactivation or role change bumps it, so
    # every token issued before stops working at its next request (None reads as 0).
    token_generation = NumberAttribute(null=True)

    def serialize(self, null_check: bool = True) -> dict[str, dict[str, Any]]:
        index_keys = keys.staff_index_keys(
            role=self.role, active=self.active, created_at=self.created_at, account_id=self.account_id
        )
        for name, value in index_keys.items():
            setattr(self, name, value)
        return super().serialize(null_check=null_check)

    @property
    def generation(self) -> int:
        return int(self.token_generation or 0)

    @property
    def active(self) -> bool:
        return self.deactivated_at is None


class StaffEmailItem(TableItem, discriminator="staff_email"):
    """The ``EMAIL#<email>`` marker of a staff account (same key space as customers' emails)."""

    account_id = UnicodeAttribute()
    created_at = UnicodeAttribute()


class OtpItem(TableItem, discriminator="otp"):
    """The one live sign-in code of a phone: an HMAC of the code, never the code itself."""

    code_hash = UnicodeAttribute(null=True)  # removed when the code is used
    expires_at = NumberAttribute()
    attempts = NumberAttribute(default=0)


class SendLogItem(TableItem, discriminator="send_log"):
    """Recent sends to one address for one purpose (a sliding-window rate limit)."""

    sent_at = ListAttribute(of=NumberAttribute, default=list)
    version = NumberAttribute(default=0)


class LoginGuardItem(TableItem, discriminator="login_guard"):
    """Password attempts on one login name since its last success, and how often it was locked."""

    failures = NumberAttribute(default=0)
    strikes = NumberAttribute(default=0)
    last_attempt_at = NumberAttribute(default=0)
    version = NumberAttribute(default=0)


class ResetTokenItem(TableItem, discriminator="reset_token"):
    """A password-reset token, keyed by its SHA-256 (the token itself is only in the message)."""

    account_kind = UnicodeAttribute()  # "customer" or "staff"
    account_id = UnicodeAttribute()
    channel = UnicodeAttribute()  # "sms" proves the phone, "email" does not
    expires_at = NumberAttribute()


class EmailProofItem(TableItem, discriminator="email_proof"):
    """An email confirmation token, keyed by its SHA-256: ``email`` becomes the login of this account once used."""

    account_kind = UnicodeAttribute()  # "customer" or "staff"
    account_id = UnicodeAttribute()
    email = UnicodeAttribute()
    expires_at = NumberAttribute()


class OutboxItem(TableItem, discriminator="outbox"):
    """A message the local outbox sender kept instead of sending it."""

    to = UnicodeAttribute()
    channel = UnicodeAttribute()
    text = UnicodeAttribute()
    created_at = UnicodeAttribute()
