"""The business's operations: review items, backfill runs, merge records and their links."""

from __future__ import annotations

from typing import Any

from pynamodb.attributes import (
    BooleanAttribute,
    NumberAttribute,
    UnicodeAttribute,
    UnicodeSetAttribute,
)

from customer_identity.storage import keys
from customer_identity.storage.entities.base import DecimalAttribute, TableItem


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


class ConsoleBackfillRunItem(TableItem, discriminator="console_backfill_run"):
    """A backfill run an admin started from the console: its upload, its execution and its outcome.

    ``status``: created -> running -> succeeded | failed; each step a conditional write, so a run starts once.
    """

    run_id = UnicodeAttribute()
    dry_run = BooleanAttribute()
    upload = UnicodeAttribute()  # "jsonl" (the six files) | "zip" (one archive of them)
    status = UnicodeAttribute()
    created_at = UnicodeAttribute()
    created_by = UnicodeAttribute()  # the admin's account id
    started_at = UnicodeAttribute(null=True)
    execution = UnicodeAttribute(null=True)  # the state machine execution's ARN
    finished_at = UnicodeAttribute(null=True)
    summary = UnicodeAttribute(null=True)  # the report's summary (JSON) once succeeded
    error = UnicodeAttribute(null=True)  # why it failed


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
    # The merged customer's balance moved to the survivor, and the two ledger entries that moved it.
    moved_balance = DecimalAttribute(null=True)
    balance_out_entry = UnicodeAttribute(null=True)
    balance_in_entry = UnicodeAttribute(null=True)
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
