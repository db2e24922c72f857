"""Moving a merge's bookings in resumable, idempotent steps, with both customers' totals exact after each.

A merge (or its undo) is a sequence of transactions, each complete in itself:

1. *start* (in :mod:`.merges`): the merge record (state ``moving``), the merged customer marked
   ``merged_into`` (every reference forwards at once; new bookings land on the survivor), the
   survivor's ``merges_in_progress`` raised (it cannot be merged away while bookings move onto it);
2. *batches* (here): up to :data:`MOVE_BATCH` bookings each: the old booking deleted (condition: not
   changed since read), the new one put in the target's collection, its ref re-pointed, both
   customers' totals adjusted by what moved and the record's count raised: totals are exact after
   every step, and a batch that lost a race changed nothing and is read again;
3. *settle*: the record ``completed`` (undo: the merged customer restored as it was before the
   merge, the record ``undone``) and ``merges_in_progress`` lowered.

A crash between steps leaves the record ``moving`` (or ``undoing``); :meth:`Mover.finish` picks it up
from whatever is still to move (the bookings left in the source collection), so any later call on
that merge finishes it, and concurrent finishers cannot move a booking twice.
"""

from __future__ import annotations

import json
from decimal import Decimal
from functools import partial

from boto3.dynamodb.conditions import Attr

from customer_identity.core.clock import utc_now
from customer_identity.core.retry import LostRace, retry_lost_races
from customer_identity.core.settings import Settings
from customer_identity.storage import keys, queries, table
from customer_identity.storage.entities import BookingItem, CustomerItem, LedgerEntryItem, MergeItem, TableItem
from customer_identity.storage.transactions import Transaction, TransactionCancelled
from customer_identity.use_cases.identity import ledger, stats
from customer_identity.use_cases.identity.markers import names_customer
from customer_identity.use_cases.identity.resolution import Resolver

# 3 operations per booking + 2 customers + the record + the counters: 95 of a transaction's 100.
MOVE_BATCH = 30
MOVING_STATES = frozenset({"moving", "undoing"})


class InjectedFault(RuntimeError):
    """A failure injected by a test (``MERGE_FAIL_AFTER_BATCHES``) to prove that a merge resumes."""


class Mover:
    def __init__(self, settings: Settings, resolver: Resolver) -> None:
        self.settings = settings
        self.resolver = resolver

    def finish(self, record: MergeItem) -> MergeItem:
        """Take ``record`` to its next stable state (moving -> completed, undoing -> undone)."""
        survivor_phone = [record.survivor_phone]  # refreshed when the survivor changed phone
        batches = 0
        while record.state in MOVING_STATES:
            moved = retry_lost_races(partial(self._batch, record, survivor_phone), self._budget)
            if moved:
                batches += 1
                limit = self.settings.merge_fail_after_batches
                if limit and batches >= limit:
                    raise InjectedFault(f"injected failure after {batches} batches of merge {record.merge_id}")
                continue
            retry_lost_races(partial(self._settle, record, survivor_phone), self._budget)
            settled = table.get(MergeItem, keys.merge_key(record.merge_id))  # with the counts every batch added
            assert settled is not None
            record = settled
        return record

    @property
    def _budget(self) -> float:
        return self.settings.contention_budget_seconds

    def _batch(self, record: MergeItem, survivor_phone: list[str]) -> int:
        """Move the next batch; the number of bookings moved (0: nothing left to move)."""
        forward = record.state == "moving"
        assert record.merged_id and record.merged_phone
        source, target = (record.merged_id, record.survivor_id) if forward else (record.survivor_id, record.merged_id)
        found = queries.oldest_bookings(source, limit=MOVE_BATCH, merge_id=None if forward else record.merge_id)
        if not found:
            return 0
        tx = Transaction()
        counted, spent = 0, Decimal(0)
        pairs: list[tuple[TableItem | None, TableItem | None]] = []
        for index, booking in enumerate(found):
            moved = _moved(booking, target, record.merge_id if forward else None)
            unchanged = Attr("status").eq(booking.status) & Attr("updated_at").eq(booking.updated_at)
            if not forward:
                unchanged = unchanged & Attr("merge_id").eq(record.merge_id)
            tx.delete(f"old:{index}", (booking.pk, booking.sk), condition=unchanged)
            tx.put(f"new:{index}", moved, condition=Attr("pk").not_exists())
            tx.update(
                f"ref:{index}",
                keys.booking_ref_key(booking.booking_id),
                set_values={"customer_id": target},
                condition=Attr("customer_id").eq(source),
            )
            if booking.status != "cancelled":
                counted, spent = counted + 1, spent + booking.amount
            pairs += [(booking, None), (None, moved)]  # bookings keep their counts: nets to zero
        phones = {record.merged_id: record.merged_phone, record.survivor_id: survivor_phone[0]}
        for label, customer_id, sign in (("source", source, -1), ("target", target, 1)) if counted else ():
            totals: dict[str, int | Decimal] = {"total_bookings": sign * counted, "total_spent": sign * spent}
            if customer_id == record.survivor_id:
                totals["revision"] = 1  # writers that replace the survivor read it again
            tx.update(
                label,
                keys.customer_key(phones[customer_id]),
                add_values=totals,
                condition=names_customer(customer_id),
            )
        tx.update(
            "merge",
            keys.merge_key(record.merge_id),
            add_values={"moved_bookings" if forward else "moved_back": len(found)},
            condition=Attr("state").eq(record.state),
        )
        stats.record(tx, *pairs)
        self._commit(tx, record, survivor_phone)
        return len(found)

    def _settle(self, record: MergeItem, survivor_phone: list[str]) -> None:
        """Mark the merge completed (or the undo done, restoring the merged customer)."""
        now = utc_now()
        tx = Transaction()
        if record.state == "moving":
            tx.update(
                "merge",
                keys.merge_key(record.merge_id),
                set_values={"state": "completed", "completed_at": now},
                condition=Attr("state").eq("moving"),
            )
        else:
            assert record.merged_phone
            merged = table.get(CustomerItem, keys.customer_key(record.merged_phone))
            assert merged is not None and merged.merge_id == record.merge_id, "the merged customer left its merge"
            restored = _restored(merged, record)
            reversals = _balance_reversals(record, now)
            if record.moved_balance:  # it had a balance, moved by the merge: back with its reversal
                restored.balance = (merged.balance or Decimal("0")) + record.moved_balance
            tx.put(
                "merged",
                restored,
                condition=Attr("merge_id").eq(record.merge_id) & Attr("revision").eq(record.merged_revision_after),
            )
            for index, entry in enumerate(reversals):
                tx.put(f"reversal:{index}", entry, condition=Attr("pk").not_exists())
            stats.record(tx, *((None, entry) for entry in reversals), label="reversal_stats")
            tx.update(
                "merge",
                keys.merge_key(record.merge_id),
                set_values={"state": "undone"},
                condition=Attr("state").eq("undoing"),
            )
            stats.record(tx, (merged, restored))
        undone_balance = -(record.moved_balance or Decimal("0")) if record.state != "moving" else Decimal("0")
        tx.update(
            "survivor",
            keys.customer_key(survivor_phone[0]),
            add_values={
                "merges_in_progress": -1,
                "revision": 1,
                **({"balance": undone_balance} if undone_balance else {}),
            },
            condition=names_customer(record.survivor_id),
        )
        self._commit(tx, record, survivor_phone)

    def _commit(self, tx: Transaction, record: MergeItem, survivor_phone: list[str]) -> None:
        try:
            tx.commit()
        except TransactionCancelled as cancelled:
            current = table.get(MergeItem, keys.merge_key(record.merge_id))
            if current is not None and current.state != record.state:
                record.state = current.state  # another caller finished this step: carry on from there
                return
            survivor = self.resolver.by_id(record.survivor_id, follow_merges=False)
            survivor_phone[0] = survivor.home  # the survivor may have changed phone
            raise LostRace from cancelled


def _moved(booking: BookingItem, customer_id: str, merge_id: str | None) -> BookingItem:
    """``booking`` in the collection of ``customer_id``: marked with the merge that moves it there
    (an earlier mark kept underneath), or with ``merge_id`` None back as it was before that merge."""
    moved = booking.copy()
    assert isinstance(moved, BookingItem)
    moved.pk = keys.bookings_partition(customer_id)
    moved.customer_id, moved.moved_from = customer_id, booking.customer_id
    trail = json.loads(booking.merge_trail or "[]")
    if merge_id is not None:
        if booking.merge_id:
            trail.append([booking.merge_id, booking.merge_updated_at])
        moved.merge_id, moved.merge_updated_at = merge_id, booking.updated_at
    else:
        moved.merge_id, moved.merge_updated_at = trail.pop() if trail else (None, None)
    moved.merge_trail = json.dumps(trail) if trail else None
    return moved


def _balance_reversals(record: MergeItem, now: str) -> list[LedgerEntryItem]:
    """The entries an undo posts: the merge's two balance entries reversed (none if it moved none)."""
    moved = record.moved_balance or Decimal("0")
    if not moved:
        return []
    assert record.merged_id and record.balance_out_entry and record.balance_in_entry
    reason = f"merge {record.merge_id} undone"
    return [
        ledger.new_entry(
            record.merged_id,
            moved,
            "reversal",
            now=now,
            by=record.undone_by,
            merge_id=record.merge_id,
            reverses=record.balance_out_entry,
            reason=reason,
            entry_id=f"{record.balance_out_entry}_rev",
        ),
        ledger.new_entry(
            record.survivor_id,
            -moved,
            "reversal",
            now=now,
            by=record.undone_by,
            merge_id=record.merge_id,
            reverses=record.balance_in_entry,
            reason=reason,
            entry_id=f"{record.balance_in_entry}_rev",
        ),
    ]


def _restored(merged: CustomerItem, record: MergeItem) -> CustomerItem:
    """The merged customer as it was before the merge (its totals are back with its bookings)."""
    restored = merged.copy()
    assert isinstance(restored, CustomerItem)
    restored.merged_into = restored.merged_into_phone = restored.merge_id = None
    # Every field as before the merge except the revision, which only grows (change events order by it).
    restored.revision = int(merged.revision or 0) + 1
    restored.updated_at = record.merged_updated_at
    return restored
