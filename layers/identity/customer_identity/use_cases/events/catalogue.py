"""Which domain events one committed item change is (docs/events.md has the catalogue).

Pure translation of a stream record's old and new item: the same record always gives the same
events with the same ids, so a retried or redelivered record repeats events a consumer already
deduplicates. Nothing here writes; a booking's or a survivor's customer number is read once per
customer id (numbers never change).
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from typing import Any

from pydantic import BaseModel

from customer_identity.core.models import events as models
from customer_identity.storage.changes import Change
from customer_identity.storage.entities import BackfillRunItem, BookingItem, CustomerItem, LedgerEntryItem
from customer_identity.use_cases.identity.customer_numbers import CustomerNumbers
from customer_identity.use_cases.identity.ledger import entry_view
from customer_identity.use_cases.identity.views import Views

# Fields whose change alone is not a customer.updated: bookings move the totals (booking.* events
# say so), the legacy ids have their own event, ``updated_at`` moves with everything.
NOT_UPDATES = frozenset({"updated_at", "total_bookings", "total_spent", "legacy_ids", "merged_into"})


def event_id(kind: str, subject: str, revision: int) -> str:
    """The same for the same change however often it is translated."""
    return "evt_" + hashlib.sha256(f"{kind}|{subject}|{revision}".encode()).hexdigest()[:32]


def changes_between(old: BaseModel, new: BaseModel, *, ignore: frozenset[str] = frozenset()) -> dict[str, Any]:
    before, after = old.model_dump(mode="json"), new.model_dump(mode="json")
    return {
        name: models.FieldChange(old=before.get(name), new=value)
        for name, value in after.items()
        if name not in ignore and before.get(name) != value
    }


class Catalogue:
    def __init__(self, views: Views, numbers: CustomerNumbers, number_of: Callable[[str], int | None]) -> None:
        self.views = views
        self.numbers = numbers
        self._number_of = number_of
        self._known: dict[str, int | None] = {}

    def events_of(self, change: Change) -> list[models.Envelope]:
        old, new = change.old, change.new
        if isinstance(new, CustomerItem) and (old is None or isinstance(old, CustomerItem)):
            return self._customer_events(change, old, new)
        if isinstance(new, BookingItem) and (old is None or isinstance(old, BookingItem)):
            return self._booking_events(change, old, new)
        if isinstance(new, BackfillRunItem) and isinstance(old, BackfillRunItem | None):
            return self._backfill_events(old, new)
        if isinstance(new, LedgerEntryItem) and old is None:
            return self._ledger_events(new)
        return []  # a removed item (the old half of a phone change or a move), or one no event follows

    # --- customers ---------------------------------------------------------------------------------

    def _customer_events(self, change: Change, old: CustomerItem | None, new: CustomerItem) -> list[models.Envelope]:
        if new.customer_number is None:
            return []  # a claim: the customer exists once it has its number
        state = self.state(new)
        envelope = {
            "customer_id": new.customer_id,
            "customer_number": state.customer_number,
            "revision": int(new.revision or 0),
            "occurred_at": new.updated_at,
        }
        if old is None and new.moved_from:  # the new half of a phone change
            before = new.copy()
            assert isinstance(before, CustomerItem)
            for name, value in json.loads(new.moved_from).items():
                setattr(before, name, value)
            data = {"customer": state, "changes": changes_between(self.state(before), state, ignore=NOT_UPDATES)}
            return [self._event(models.CustomerPhoneChanged, "customer.phone_changed", envelope, data)]
        if old is None or old.customer_number is None:
            return [self._event(models.CustomerCreated, "customer.created", envelope, {"customer": state})]
        found: list[models.Envelope] = []
        if not old.merged_into and new.merged_into:
            found.append(self._merge_event("customer.merged", envelope, state, new, new))
        elif old.merged_into and not new.merged_into:
            envelope["occurred_at"] = change.approximate_time  # an undo puts back the old updated_at
            found.append(self._merge_event("customer.merge_undone", envelope, state, new, old))
        added = sorted(set(new.legacy_ids or ()) - set(old.legacy_ids or ()))
        if added:
            data = {"customer": state, "legacy_ids_added": added}
            found.append(self._event(models.CustomerLegacyIdAttached, "customer.legacy_id_attached", envelope, data))
        changed = changes_between(self.state(old), state, ignore=NOT_UPDATES)
        if changed:
            data = {"customer": state, "changes": changed}
            found.append(self._event(models.CustomerUpdated, "customer.updated", envelope, data))
        return found

    def state(self, item: CustomerItem) -> models.CustomerState:
        view = self.views.customer(item)
        return models.CustomerState(**view.model_dump(), merged_into=item.merged_into)

    def _merge_event(
        self, kind: str, envelope: dict[str, Any], state: models.CustomerState, item: CustomerItem, merged: CustomerItem
    ) -> models.Envelope:
        assert merged.merged_into and merged.merge_id
        forwarding = [
            {"kind": "customer_id", "value": item.customer_id},
            {"kind": "customer_number", "value": state.customer_number},
            {"kind": "phone", "value": item.phone},
            *([{"kind": "email", "value": item.email}] if item.email else []),
            *({"kind": "legacy_id", "value": legacy} for legacy in sorted(item.legacy_ids or ())),
        ]
        data = {
            "customer": state,
            "merge_id": merged.merge_id,
            "from": {"customer_id": item.customer_id, "customer_number": state.customer_number},
            "into": {"customer_id": merged.merged_into, "customer_number": self._formatted(merged.merged_into)},
            "forwarding": forwarding,
        }
        model = models.CustomerMerged if kind == "customer.merged" else models.CustomerMergeUndone
        return self._event(model, kind, envelope, data)

    # --- bookings ----------------------------------------------------------------------------------

    def _booking_events(self, change: Change, old: BookingItem | None, new: BookingItem) -> list[models.Envelope]:
        number = self.number(new.customer_id)
        booking = self.views.booking(new, number)
        envelope = {
            "customer_id": new.customer_id,
            "customer_number": booking.customer_number,
            "revision": int(change.sequence),
            "occurred_at": new.updated_at,
        }
        if old is None and not new.moved_from:
            data = {"booking": booking}
            return [self._event(models.BookingCreated, "booking.created", envelope, data, new.booking_id)]
        if old is None:  # moved by a merge (or back by its undo): the new half of the move
            envelope["occurred_at"] = change.approximate_time
            before = new.copy()
            assert isinstance(before, BookingItem)
            before.customer_id = new.moved_from
            changed = changes_between(self.views.booking(before, self.number(new.moved_from)), booking)
        else:
            changed = changes_between(self.views.booking(old, number), booking, ignore=frozenset({"updated_at"}))
        if not changed:
            return []
        data = {"booking": booking, "changes": changed}
        return [self._event(models.BookingUpdated, "booking.updated", envelope, data, new.booking_id)]

    # --- ledger ------------------------------------------------------------------------------------

    def _ledger_events(self, new: LedgerEntryItem) -> list[models.Envelope]:
        """An entry is written once, with the balance change, and never changed: one event, revision 1."""
        envelope = {
            "customer_id": new.customer_id,
            "customer_number": self._formatted(new.customer_id) or None,
            "revision": 1,
            "occurred_at": new.created_at,
        }
        data = {"entry": entry_view(new)}
        return [self._event(models.LedgerEntryPosted, "ledger.entry_posted", envelope, data, new.entry_id)]

    # --- backfill ----------------------------------------------------------------------------------

    def _backfill_events(self, old: BackfillRunItem | None, new: BackfillRunItem) -> list[models.Envelope]:
        if new.completed_at is None or (old is not None and old.completed_at is not None):
            return []
        first = self.numbers.format(int(new.first_number)) if new.first_number is not None else None
        envelope = {"customer_id": None, "customer_number": None, "revision": 1, "occurred_at": new.completed_at}
        data = {
            "run_id": new.run_id,
            "customers_created": int(new.new_customers or 0),
            "first_number": first,
            "completed_at": new.completed_at,
        }
        return [self._event(models.BackfillCompleted, "backfill.completed", envelope, data, new.run_id)]

    # --- helpers -----------------------------------------------------------------------------------

    def number(self, customer_id: str) -> int | None:
        if customer_id not in self._known:
            self._known[customer_id] = self._number_of(customer_id)
        return self._known[customer_id]

    def _formatted(self, customer_id: str) -> str:
        number = self.number(customer_id)
        return self.numbers.format(number) if number is not None else ""

    def _event(
        self,
        model: type[models.Envelope],
        kind: str,
        envelope: dict[str, Any],
        data: dict[str, Any],
        subject: str | None = None,
    ) -> models.Envelope:
        identity = event_id(kind, subject or envelope["customer_id"], envelope["revision"])
        return model.model_validate({"event_id": identity, "type": kind, **envelope, "data": data})
