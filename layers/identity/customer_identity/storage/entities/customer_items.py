"""Customers, their unique markers and counters, and their bookings."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from pynamodb.attributes import (
    NumberAttribute,
    UnicodeAttribute,
    UnicodeSetAttribute,
)

from customer_identity.storage import keys
from customer_identity.storage.entities.base import DecimalAttribute, TableItem


class CustomerItem(TableItem, discriminator="customer"):
    customer_id = UnicodeAttribute()
    # Null only while a contended create is between claiming the phone and taking its number.
    customer_number = NumberAttribute(null=True)
    pending_since = NumberAttribute(null=True)
    # None once the phone was released (the item then lives under its customer id: keys.customer_key).
    phone = UnicodeAttribute(null=True)
    phone_since = UnicodeAttribute(null=True)  # when it got this phone (None: since created_at)
    # Phones it held before, JSON list of {"phone", "held_from", "held_until", "reason"} (oldest first).
    phone_history = UnicodeAttribute(null=True)
    # The last sign-in, booking or admin edit (None: its updated_at): the recycling guard's clock.
    last_activity_at = UnicodeAttribute(null=True)
    # Its household, JSON list of {"member_id", "name", "relation"} (use_cases/identity/households.py).
    members = UnicodeAttribute(null=True)
    phone_raw = UnicodeAttribute(null=True)
    name = UnicodeAttribute(null=True)
    email = UnicodeAttribute(null=True)
    status = UnicodeAttribute()
    address = UnicodeAttribute(null=True)
    area = UnicodeAttribute(null=True)
    legacy_ids = UnicodeSetAttribute(null=True)
    total_bookings = NumberAttribute(default=0)
    total_spent = DecimalAttribute(default=lambda: Decimal("0"))
    created_at = UnicodeAttribute()
    updated_at = UnicodeAttribute()
    delivery_person_id = UnicodeAttribute(null=True)
    # The login facet of the same identity: a customer is its own account (no orphan can exist).
    password_hash = UnicodeAttribute(null=True)
    password_changed_at = UnicodeAttribute(null=True)
    # Set when someone proved they hold the phone (OTP, or a reset link sent by SMS).
    phone_verified_at = UnicodeAttribute(null=True)
    # Bumped by every write; writes that replace the item are conditioned on it.
    revision = NumberAttribute(default=0)
    # The operational profile (use_cases/identity/profile_fields.py).
    previous_balance = DecimalAttribute(null=True)
    # The exact sum of its ledger entries (use_cases/identity/ledger.py): changed only with an entry.
    balance = DecimalAttribute(null=True)
    custom_product_prices = UnicodeAttribute(null=True)  # JSON object of product -> decimal string
    notes = UnicodeAttribute(null=True)
    map_link = UnicodeAttribute(null=True)
    house_image_url = UnicodeAttribute(null=True)
    location = UnicodeAttribute(null=True)  # JSON {"lat", "lng", "accuracy_meters"?}
    trial_start_date = UnicodeAttribute(null=True)  # YYYY-MM-DD
    marketing_person_id = UnicodeAttribute(null=True)  # the marketing staff account that signed the customer up
    marketing_person_name = UnicodeAttribute(null=True)  # a legacy name with no matching account
    backfill_run = UnicodeAttribute(null=True)  # the backfill run that created this customer
    # Set when an admin merge folded this customer into another: every reference to it forwards to
    # ``merged_into``; the item itself is kept (nothing is deleted) so the merge can be undone.
    merged_into = UnicodeAttribute(null=True)
    merge_id = UnicodeAttribute(null=True)
    # Where the survivor's item lived at the merge (a hint: one GetItem when it has not moved since).
    merged_into_phone = UnicodeAttribute(null=True)
    # Merges moving bookings onto (or back from) this customer right now: it cannot be merged away
    # meanwhile (a merge conditions on 0).
    merges_in_progress = NumberAttribute(null=True)
    # Written by a phone change on the item at the new phone: the changed fields' values before it
    # (JSON), so the change event made from the stream's new item names old and new values.
    moved_from = UnicodeAttribute(null=True)
    # Every status this customer entered and the month (UTC, ``YYYY-MM``) it did, oldest first, as
    # ``2026-11:trial 2026-12:active``: what the monthly figures count (derived when serialised).
    status_history = UnicodeAttribute(null=True)

    def status_entries(self) -> list[tuple[str, str]]:
        """``(month, status)`` per status entered: the stored history, plus the present status if it is new.

        The first status is entered in the month the customer was created; a later one in the
        month of the write that set it (``updated_at``).
        """
        entries = [
            (month, status)
            for month, _, status in (entry.partition(":") for entry in (self.status_history or "").split())
        ]
        if not entries:
            return [(self.created_at[:7], self.status)]
        if entries[-1][1] != self.status:
            entries.append((self.updated_at[:7], self.status))
        return entries

    def derived_keys(self) -> dict[str, str | None]:
        """The index attributes this customer's fields give it (None: not in that index)."""
        # A merged-away customer is listed nowhere (it keeps its number, which forwards).
        listed = self.customer_number is not None and self.merged_into is None
        return keys.customer_index_keys(
            number=int(self.customer_number) if listed else None,
            status=self.status,
            area=self.area,
            delivery_person_id=self.delivery_person_id,
            claimed_at=self.created_at if self.customer_number is None and self.merged_into is None else None,
            has_login=self.can_sign_in,
            has_email=bool(self.email),
            name=self.name,
            marketing_person_id=self.marketing_person_id,
        )

    def serialize(self, null_check: bool = True) -> dict[str, dict[str, Any]]:
        self.pk, self.sk = keys.customer_key(self.home)
        self.status_history = " ".join(f"{month}:{status}" for month, status in self.status_entries())
        for name, value in self.derived_keys().items():
            setattr(self, name, value)
        return super().serialize(null_check=null_check)

    @property
    def home(self) -> str:
        """Where the item lives, as markers and merge records name it: its phone, or its id without one."""
        return self.phone or self.customer_id

    @property
    def is_claim(self) -> bool:
        return self.customer_number is None

    @property
    def can_sign_in(self) -> bool:
        """It has a login method: a password, or a phone someone proved they hold."""
        return bool(self.password_hash or self.phone_verified_at)


class AliasItem(TableItem, discriminator="alias"):
    """A unique identifier (customer id, number, email, legacy id) naming one customer."""

    kind = UnicodeAttribute()
    customer_id = UnicodeAttribute()
    # Where the customer lives (authoritative for customer ids, else a hint): its phone, or its
    # customer id when it has none (CustomerItem.home).
    phone = UnicodeAttribute()
    created_at = UnicodeAttribute()


class CounterItem(TableItem, discriminator="counter"):
    next_number = NumberAttribute()
    last_issued = NumberAttribute(null=True)


class BookingItem(TableItem, discriminator="booking"):
    """A booking, in its customer's item collection (``CUSTOMER#<customer_id>``)."""

    booking_id = UnicodeAttribute()
    customer_id = UnicodeAttribute()
    service = UnicodeAttribute()
    amount = DecimalAttribute()
    status = UnicodeAttribute()
    scheduled_for = UnicodeAttribute(null=True)
    notes = UnicodeAttribute(null=True)
    member_id = UnicodeAttribute(null=True)  # the household member it is for
    created_at = UnicodeAttribute()
    updated_at = UnicodeAttribute()
    # Set on a booking a merge moved onto the survivor: the merge, and ``updated_at`` when it moved
    # (an undo moves it back only if it has not changed since).
    merge_id = UnicodeAttribute(null=True)
    merge_updated_at = UnicodeAttribute(null=True)
    # Earlier merges that moved it, when a survivor was merged away in turn: JSON list of
    # [merge_id, merge_updated_at], innermost first (an undo pops the latest back into place).
    merge_trail = UnicodeAttribute(null=True)
    # The customer a merge (or an undo) last moved it from: the change event names both customers.
    moved_from = UnicodeAttribute(null=True)


class BookingRefItem(TableItem, discriminator="booking_ref"):
    """Finds a booking by its id: the customer whose collection holds it, and its sort key."""

    customer_id = UnicodeAttribute()
    booking_sk = UnicodeAttribute()


class LedgerEntryItem(TableItem, discriminator="ledger_entry"):
    """One change of a customer's balance, in its item collection; never changed once written."""

    entry_id = UnicodeAttribute()
    customer_id = UnicodeAttribute()
    amount = DecimalAttribute()  # signed: a credit is positive
    kind = UnicodeAttribute()  # opening, adjustment, merge_in, merge_out, reversal
    reason = UnicodeAttribute(null=True)
    created_by = UnicodeAttribute(null=True)
    created_at = UnicodeAttribute()
    reverses = UnicodeAttribute(null=True)  # the entry this one reverses
    merge_id = UnicodeAttribute(null=True)
    source = UnicodeAttribute(null=True)  # the legacy row an opening entry came from


class LedgerRequestItem(TableItem, discriminator="ledger_request"):
    """An adjustment's ``Idempotency-Key``: the entry it posted and a digest of what was asked."""

    entry_key = UnicodeAttribute()  # the entry's sort key
    customer_id = UnicodeAttribute()
    request_digest = UnicodeAttribute()
    created_at = UnicodeAttribute()
