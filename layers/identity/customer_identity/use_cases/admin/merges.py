"""Merging one customer into another, listing merges, and undoing a merge exactly.

The merged customer's item is kept (``merged_into``), so every marker naming it (id, number,
email, legacy ids) and its phone still name it, and resolution forwards them to the survivor; an
undo only has to clear the mark and move the bookings back. Bookings move in resumable steps
(:mod:`.merge_moves`); any later call on the merge (a repeated merge, an undo, a merge touching the
survivor) finishes a merge a crash interrupted. Rules:

* merging into itself, merging a customer merged away, or into one: 409; a customer receiving
  bookings from a merge still moving cannot be merged away until that merge completes (it is
  resumed first);
* concurrent merges of the same pair: the start transaction conditions the merged customer on the
  revision read and raises the survivor's, so exactly one of them starts;
* an undo restores the merged customer byte for byte (its revision and ``updated_at`` come from the
  record) unless something changed since: the merged customer, a moved booking, the survivor merged
  away -> 409 ``undo_blocked`` / ``survivor_merged_away`` naming it. Backfill merges have no earlier
  customer to restore: 409 ``merge_not_undoable``.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from decimal import Decimal

from boto3.dynamodb.conditions import Attr

from customer_identity.core.clock import utc_now
from customer_identity.core.errors import MergeConflict, MergeNotFound
from customer_identity.core.models.merges import Merge, MergeMoved, MergePage
from customer_identity.core.retry import LostRace, retry_lost_races
from customer_identity.core.settings import Settings
from customer_identity.storage import keys, queries, table
from customer_identity.storage.entities import CustomerItem, MergeItem, MergeLinkItem
from customer_identity.storage.transactions import Transaction, TransactionCancelled
from customer_identity.use_cases.admin import price_conflicts
from customer_identity.use_cases.admin.merge_moves import MOVING_STATES, Mover
from customer_identity.use_cases.identity import ledger, markers, stats
from customer_identity.use_cases.identity.customer_numbers import CustomerNumbers
from customer_identity.use_cases.identity.listing import check_limit
from customer_identity.use_cases.identity.resolution import Resolver
from customer_identity.use_cases.identity.views import Views

MERGE_ID_PREFIX = "mrg_"
MAX_MERGE_ID_LENGTH = 128
# Merges of a customer examined when one of them must be resumed before another can start.
RESUME_SCAN = 20


class Merges:
    def __init__(
        self,
        settings: Settings,
        resolver: Resolver,
        views: Views,
        mover: Mover | None,
        end_sessions: Callable[[str], object] | None = None,
    ) -> None:
        self.settings = settings
        self.resolver = resolver
        self.views = views
        self.mover = mover  # None for read-only use (listing)
        self.end_sessions = end_sessions  # the merged-away customer's sessions end with the merge

    # --- merge ---------------------------------------------------------------------------------

    def merge(self, ref: str, into: str, *, by: str) -> Merge:
        """Merge the customer ``ref`` names into the one ``into`` names (admins)."""
        assert self.mover is not None

        def attempt() -> MergeItem:
            merged = self.resolver.resolve(ref, follow_merges=False).item
            survivor = self.resolver.resolve(into, follow_merges=False).item
            if merged.merged_into:
                if self._resume(merged.merge_id):
                    raise LostRace  # a crash had left it moving (or undoing): decide on what it is now
                raise MergeConflict(
                    "customer_merged_away",
                    f"{ref!r} was already merged into {merged.merged_into} (merge {merged.merge_id})",
                    field="ref",
                )
            if survivor.merged_into:
                raise MergeConflict(
                    "survivor_merged_away",
                    f"{into!r} was merged into {survivor.merged_into} (merge {survivor.merge_id}); merge into that one",
                    field="into",
                )
            if survivor.customer_id == merged.customer_id:
                raise MergeConflict("merge_into_itself", f"{ref!r} and {into!r} are the same customer", field="into")
            if int(merged.merges_in_progress or 0) > 0:  # bookings are moving onto it: finish that first
                if not self._resume_touching(merged.customer_id):
                    raise MergeConflict(
                        "merge_in_progress", f"{ref!r} is receiving bookings from another merge", field="ref"
                    )
                raise LostRace
            return self._start(merged, survivor, by)

        record = retry_lost_races(attempt, self.settings.contention_budget_seconds)
        if self.end_sessions is not None:
            self.end_sessions(record.merged_id)
        return self.view(self.mover.finish(record))

    def _start(self, merged: CustomerItem, survivor: CustomerItem, by: str) -> MergeItem:
        now, merge_id = utc_now(), f"{MERGE_ID_PREFIX}{uuid.uuid4().hex}"
        after = merged.copy()
        assert isinstance(after, CustomerItem)
        after.merged_into, after.merged_into_phone, after.merge_id = survivor.customer_id, survivor.home, merge_id
        after.revision, after.updated_at = int(merged.revision or 0) + 1, now
        record = MergeItem(
            *keys.merge_key(merge_id),
            merge_id=merge_id,
            kind="admin",
            state="moving",
            survivor_id=survivor.customer_id,
            survivor_number=survivor.customer_number,
            survivor_phone=survivor.home,
            merged_id=merged.customer_id,
            merged_number=merged.customer_number,
            merged_phone=merged.home,
            merged_revision=merged.revision,
            merged_updated_at=merged.updated_at,
            merged_revision_after=after.revision,
            moved_bookings=0,
            moved_back=0,
            aliases=len(markers.marker_keys(merged)) + 1,  # and its phone
            created_at=now,
            created_by=by,
        )
        moved = ledger.balance_of(merged)
        balance_entries = []
        if moved:
            after.balance = Decimal("0")
            out = ledger.new_entry(
                merged.customer_id,
                -moved,
                "merge_out",
                now=now,
                by=by,
                merge_id=merge_id,
                reason=f"balance moved to {survivor.customer_id} by merge {merge_id}",
            )
            into = ledger.new_entry(
                survivor.customer_id,
                moved,
                "merge_in",
                now=now,
                by=by,
                merge_id=merge_id,
                reason=f"balance moved from {merged.customer_id} by merge {merge_id}",
            )
            record.moved_balance, record.balance_out_entry, record.balance_in_entry = moved, out.entry_id, into.entry_id
            balance_entries = [out, into]
        conflict = price_conflicts.conflict_item(survivor, merged, merge_id, now)
        tx = Transaction()
        tx.put("merge", record, condition=Attr("pk").not_exists())
        if conflict is not None:
            tx.put("price_conflict", conflict, condition=Attr("pk").not_exists())
        for entry in balance_entries:
            tx.put(f"entry:{entry.kind}", entry, condition=Attr("pk").not_exists())
        not_receiving = Attr("merges_in_progress").not_exists() | Attr("merges_in_progress").eq(0)
        tx.put(
            "merged",
            after,
            condition=Attr("revision").eq(merged.revision) & Attr("merged_into").not_exists() & not_receiving,
        )
        tx.update(
            "survivor",
            keys.customer_key(survivor.home),
            add_values={"merges_in_progress": 1, "revision": 1, **({"balance": moved} if moved else {})},
            condition=markers.names_customer(survivor.customer_id) & Attr("merged_into").not_exists(),
        )
        for role, customer in (("survivor", survivor), ("merged", merged)):
            link = MergeLinkItem(
                *keys.merge_link_key(customer.customer_id, now, merge_id), merge_id=merge_id, role=role
            )
            tx.put(f"{role}_link", link, condition=Attr("pk").not_exists())
        review = [(None, conflict)] if conflict is not None else []
        stats.record(tx, (merged, after), *((None, entry) for entry in balance_entries), *review)  # live -> merged away
        try:
            tx.commit()
        except TransactionCancelled as cancelled:
            raise LostRace from cancelled  # either changed meanwhile (e.g. the opposite merge): decide again
        return record

    # --- undo ----------------------------------------------------------------------------------

    def undo(self, merge_id: str, *, by: str) -> Merge:
        """Restore the merged customer exactly as it was before ``merge_id`` (admins)."""
        assert self.mover is not None

        def attempt() -> MergeItem:
            record = self._settled(self.record(merge_id))
            if record.kind != "admin":
                raise MergeConflict(
                    "merge_not_undoable",
                    "a backfill merge joined legacy rows into a new customer: there is no earlier customer to restore",
                    field="merge_id",
                )
            if record.state != "completed":
                raise MergeConflict("merge_already_undone", f"merge {merge_id} was already undone", field="merge_id")
            self._check_undoable(record)
            now = utc_now()
            tx = Transaction()
            tx.update(
                "merge",
                keys.merge_key(merge_id),
                set_values={"state": "undoing", "undone_at": now, "undone_by": by},
                condition=Attr("state").eq("completed"),
            )
            survivor = self.resolver.by_id(record.survivor_id, follow_merges=False)
            tx.update(
                "survivor",
                keys.customer_key(survivor.home),
                add_values={"merges_in_progress": 1, "revision": 1},
                condition=markers.names_customer(survivor.customer_id) & Attr("merged_into").not_exists(),
            )
            withdrawn = price_conflicts.withdraw_on_undo(tx, merge_id, by)
            if withdrawn is not None:
                stats.record(tx, withdrawn)
            try:
                tx.commit()
            except TransactionCancelled as cancelled:
                raise LostRace from cancelled
            record.state, record.undone_at, record.undone_by = "undoing", now, by
            record.survivor_phone = survivor.home
            return record

        record = retry_lost_races(attempt, self.settings.contention_budget_seconds)
        return self.view(self.mover.finish(record))

    def _check_undoable(self, record: MergeItem) -> None:
        """409 naming what changed since the merge, if anything does not allow an exact undo.

        The merged customer's markers still name it (they were never re-pointed), so no other
        customer can have taken its email, number, phone or legacy ids meanwhile.
        """
        assert record.merged_phone
        merged = table.get(CustomerItem, keys.customer_key(record.merged_phone))
        if merged is None or merged.merge_id != record.merge_id or merged.revision != record.merged_revision_after:
            raise _blocked(f"the merged customer {record.merged_id} changed since the merge")
        survivor = self.resolver.by_id(record.survivor_id, follow_merges=False)
        if survivor.merged_into:
            raise MergeConflict(
                "survivor_merged_away",
                f"the survivor {record.survivor_id} was merged into {survivor.merged_into} since "
                f"(merge {survivor.merge_id}); undo that merge first",
                field="merge_id",
            )
        moved = queries.moved_bookings(record.survivor_id, record.merge_id)
        for booking in moved:
            if booking.updated_at != booking.merge_updated_at:
                raise _blocked(f"booking {booking.booking_id} changed since the merge (now {booking.status})")
        if len(moved) != int(record.moved_bookings or 0):
            raise _blocked(
                f"{int(record.moved_bookings or 0) - len(moved)} moved bookings are no longer on the survivor"
            )

    # --- resuming --------------------------------------------------------------------------------

    def _settled(self, record: MergeItem) -> MergeItem:
        """``record`` after finishing whatever a crash left moving."""
        if record.state in MOVING_STATES and self.mover is not None:
            return self.mover.finish(record)
        return record

    def _resume(self, merge_id: str | None) -> bool:
        """Finish ``merge_id`` if a crash left it moving; False if there was nothing to finish."""
        record = table.get(MergeItem, keys.merge_key(merge_id)) if merge_id else None
        if record is None or record.state not in MOVING_STATES:
            return False
        self._settled(record)
        return True

    def _resume_touching(self, customer_id: str) -> bool:
        """Finish the merges of a customer left moving; False if there was none to finish."""
        links, _ = queries.merge_links_page(customer_id, limit=RESUME_SCAN, cursor=None)
        found = self._records([link.merge_id for link in links])
        moving = [record for record in found.values() if record.state in MOVING_STATES]
        for record in moving:
            self._settled(record)
        return bool(moving)

    # --- reading -------------------------------------------------------------------------------

    def record(self, merge_id: str) -> MergeItem:
        if not merge_id.startswith(MERGE_ID_PREFIX) or len(merge_id) > MAX_MERGE_ID_LENGTH:
            raise MergeNotFound(merge_id)
        record = table.get(MergeItem, keys.merge_key(merge_id))
        if record is None:
            raise MergeNotFound(merge_id)
        return record

    def touching(self, ref: str, *, limit: int, cursor: str | None) -> MergePage:
        """The merges touching the customer ``ref`` names itself (merged away or not), newest first."""
        check_limit(limit)
        customer = self.resolver.resolve(ref, follow_merges=False).item
        links, next_cursor = queries.merge_links_page(customer.customer_id, limit=limit, cursor=cursor)
        found = self._records([link.merge_id for link in links])
        items = [self.view(found[link.merge_id]) for link in links if link.merge_id in found]
        return MergePage(items=items, next_cursor=next_cursor)

    def _records(self, merge_ids: list[str]) -> dict[str, MergeItem]:
        if not merge_ids:
            return {}
        items = table.batch_get([keys.merge_key(merge_id) for merge_id in merge_ids])
        return {item.merge_id: item for item in items if isinstance(item, MergeItem)}

    def view(self, record: MergeItem) -> Merge:
        return merge_view(record, self.views.numbers)


def _blocked(what: str) -> MergeConflict:
    return MergeConflict("undo_blocked", f"an exact undo is no longer possible: {what}", field="merge_id")


def merge_view(record: MergeItem, numbers: CustomerNumbers) -> Merge:
    return Merge(
        merge_id=record.merge_id,
        kind=record.kind,  # type: ignore[arg-type]
        state=record.state,  # type: ignore[arg-type]
        survivor=record.survivor_id,
        survivor_number=numbers.format(int(record.survivor_number)),
        merged=record.merged_id,
        merged_number=numbers.format(int(record.merged_number)) if record.merged_number is not None else None,
        moved=MergeMoved(
            bookings=int(record.moved_bookings or 0),
            aliases=int(record.aliases or 0),
            balance=(record.moved_balance or Decimal("0")).quantize(Decimal("0.01")),
        ),
        legacy_ids=sorted(record.legacy_ids or ()),
        created_at=record.created_at,
        by=record.created_by,
        completed_at=record.completed_at,
        undone_at=record.undone_at,
        undone_by=record.undone_by,
    )
