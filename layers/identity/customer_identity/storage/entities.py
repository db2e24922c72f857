"""The items of the single table as PynamoDB classes (``entity`` is the discriminator).

Key shapes come from :mod:`customer_identity.storage.keys`. A customer's primary and index keys
are derived from its fields whenever it is serialised, so no write can forget them.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from pynamodb.attributes import (
    Attribute,
    DiscriminatorAttribute,
    ListAttribute,
    NumberAttribute,
    UnicodeAttribute,
    UnicodeSetAttribute,
)
from pynamodb.constants import NUMBER
from pynamodb.indexes import AllProjection, GlobalSecondaryIndex
from pynamodb.models import Model

from customer_identity.storage import keys


class DecimalAttribute(Attribute[Decimal]):
    """A DynamoDB number read and written as :class:`~decimal.Decimal`, never as float."""

    attr_type = NUMBER

    def serialize(self, value: Decimal) -> str:
        return str(value)

    def deserialize(self, value: str) -> Decimal:
        return Decimal(value)


def _index(spec: keys.Index) -> GlobalSecondaryIndex[Any]:
    meta = type("Meta", (), {"index_name": spec.name, "projection": AllProjection()})
    attributes = {
        "Meta": meta,
        spec.hash_attribute: UnicodeAttribute(hash_key=True),
        spec.range_attribute: UnicodeAttribute(range_key=True),
    }
    return type(f"{spec.name}_index", (GlobalSecondaryIndex,), attributes)()


class TableItem(Model):
    """Every item in the table. ``Meta`` is set once by :func:`customer_identity.storage.table.configure`."""

    class Meta:
        table_name: str = "customer-identity"
        region: str = "us-east-1"
        host: str | None = None
        max_retry_attempts = 3

    pk = UnicodeAttribute(hash_key=True)
    sk = UnicodeAttribute(range_key=True)
    entity = DiscriminatorAttribute()

    # Index keys live on the base class so that the one connection knows every index; only
    # customers and staff accounts set them (sparse indexes; staff under their own hash keys).
    gsi1pk = UnicodeAttribute(null=True)
    gsi1sk = UnicodeAttribute(null=True)
    gsi2pk = UnicodeAttribute(null=True)
    gsi2sk = UnicodeAttribute(null=True)
    gsi3pk = UnicodeAttribute(null=True)
    gsi3sk = UnicodeAttribute(null=True)
    gsi4pk = UnicodeAttribute(null=True)
    gsi4sk = UnicodeAttribute(null=True)
    nologinpk = UnicodeAttribute(null=True)
    nologinsk = UnicodeAttribute(null=True)
    noemailpk = UnicodeAttribute(null=True)
    noemailsk = UnicodeAttribute(null=True)
    gsi5pk = UnicodeAttribute(null=True)
    gsi5sk = UnicodeAttribute(null=True)
    gsi6pk = UnicodeAttribute(null=True)
    gsi6sk = UnicodeAttribute(null=True)
    # Epoch seconds after which DynamoDB deletes the item (TTL): codes, tokens, rate limits, outbox.
    expiration = NumberAttribute(null=True)

    by_number = _index(keys.BY_NUMBER)
    by_status = _index(keys.BY_STATUS)
    by_area = _index(keys.BY_AREA)
    by_delivery_person = _index(keys.BY_DELIVERY_PERSON)
    by_missing_login = _index(keys.BY_MISSING_LOGIN)
    by_missing_email = _index(keys.BY_MISSING_EMAIL)
    by_name = _index(keys.BY_NAME)
    by_name_last_word = _index(keys.BY_NAME_LAST_WORD)

    def copy(self) -> TableItem:
        """An independent copy of this item."""
        return type(self).from_raw_data(self.serialize(null_check=False))


class CustomerItem(TableItem, discriminator="customer"):
    customer_id = UnicodeAttribute()
    # Null only while a contended create is between claiming the phone and taking its number.
    customer_number = NumberAttribute(null=True)
    pending_since = NumberAttribute(null=True)
    phone = UnicodeAttribute()
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
    # Operational profile fields brought by the backfill from legacy systems.
    previous_balance = DecimalAttribute(null=True)
    custom_product_prices = UnicodeAttribute(null=True)  # JSON object of product -> decimal string
    notes = UnicodeAttribute(null=True)
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
        )

    def serialize(self, null_check: bool = True) -> dict[str, dict[str, Any]]:
        self.pk, self.sk = keys.phone_key(self.phone)
        for name, value in self.derived_keys().items():
            setattr(self, name, value)
        return super().serialize(null_check=null_check)

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
    phone = UnicodeAttribute()  # where the customer lives (authoritative for customer ids, else a hint)
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
    created_at = UnicodeAttribute()
    updated_at = UnicodeAttribute()
    # Set on a booking a merge moved onto the survivor: the merge, and ``updated_at`` when it moved
    # (an undo moves it back only if it has not changed since).
    merge_id = UnicodeAttribute(null=True)
    merge_updated_at = UnicodeAttribute(null=True)
    # Earlier merges that moved it, when a survivor was merged away in turn: JSON list of
    # [merge_id, merge_updated_at], innermost first (an undo pops the latest back into place).
    merge_trail = UnicodeAttribute(null=True)


class BookingRefItem(TableItem, discriminator="booking_ref"):
    """Finds a booking by its id: the customer whose collection holds it, and its sort key."""

    customer_id = UnicodeAttribute()
    booking_sk = UnicodeAttribute()


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


class ReviewItem(TableItem, discriminator="review"):
    """A legacy row the backfill could not place (no valid phone, unknown reference, ...): never lost.

    Listed through the four indexes under ``REVIEW#<status>…`` keys derived whenever it is serialised
    (see :func:`customer_identity.storage.keys.review_index_keys`).
    """

    review_id = UnicodeAttribute()
    collection = UnicodeAttribute()
    legacy_id = UnicodeAttribute(null=True)
    line = NumberAttribute()
    reason = UnicodeAttribute()
    row = UnicodeAttribute()  # the original line, secrets removed
    # The original line itself, kept only when secrets were removed from ``row`` (a legacy password
    # hash), so that attaching the row can still make it a login. Never returned by the API, never
    # logged, removed when the item is resolved or dismissed.
    source_line = UnicodeAttribute(null=True)
    run_id = UnicodeAttribute()
    status = UnicodeAttribute()  # open | resolved | dismissed
    created_at = UnicodeAttribute()
    # The resolution (status resolved or dismissed): who, when, what.
    resolved_by = UnicodeAttribute(null=True)  # the admin's account id
    resolved_at = UnicodeAttribute(null=True)
    action = UnicodeAttribute(null=True)  # attach | dismiss
    customer_id = UnicodeAttribute(null=True)  # the customer a row was attached to
    note = UnicodeAttribute(null=True)

    def serialize(self, null_check: bool = True) -> dict[str, dict[str, Any]]:
        index_keys = keys.review_index_keys(
            status=self.status,
            collection=self.collection,
            reason=self.reason,
            created_at=self.created_at,
            review_id=self.review_id,
        )
        for name, value in index_keys.items():
            setattr(self, name, value)
        return super().serialize(null_check=null_check)


class BackfillRunItem(TableItem, discriminator="backfill_run"):
    """One backfill run: the block of numbers it reserved (so a resumed run reuses it) and when it ended."""

    run_id = UnicodeAttribute()
    first_number = NumberAttribute(null=True)
    new_customers = NumberAttribute()
    created_at = UnicodeAttribute()
    completed_at = UnicodeAttribute(null=True)


class MergeItem(TableItem, discriminator="merge"):
    """A merge: ``merged`` folded into ``survivor`` (admin), or legacy rows joined into one founded
    customer (backfill). ``state``: moving -> completed (-> undoing -> undone)."""

    merge_id = UnicodeAttribute()
    kind = UnicodeAttribute()  # "admin" | "backfill"
    state = UnicodeAttribute()
    survivor_id = UnicodeAttribute()
    survivor_number = NumberAttribute()
    survivor_phone = UnicodeAttribute()  # a hint: where the survivor's item lived at the merge
    merged_id = UnicodeAttribute(null=True)
    merged_number = NumberAttribute(null=True)
    merged_phone = UnicodeAttribute(null=True)  # the merged item's key (a merged-away item never moves)
    # The merged customer as it was before the merge, restored by an undo, and its revision after.
    merged_revision = NumberAttribute(null=True)
    merged_updated_at = UnicodeAttribute(null=True)
    merged_revision_after = NumberAttribute(null=True)
    moved_bookings = NumberAttribute(default=0)
    moved_back = NumberAttribute(default=0)
    aliases = NumberAttribute(default=0)
    legacy_ids = UnicodeSetAttribute(null=True)  # backfill: the legacy rows that joined the customer
    created_at = UnicodeAttribute()
    created_by = UnicodeAttribute()
    completed_at = UnicodeAttribute(null=True)
    undone_at = UnicodeAttribute(null=True)
    undone_by = UnicodeAttribute(null=True)


class MergeLinkItem(TableItem, discriminator="merge_link"):
    """A merge listed in the item collection of a customer it touches (``role``: survivor or merged)."""

    merge_id = UnicodeAttribute()
    role = UnicodeAttribute()
