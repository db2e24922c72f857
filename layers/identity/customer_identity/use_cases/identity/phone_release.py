"""Releasing a phone: the customer keeps its id, number, bookings, balance and legacy ids; the phone
goes to its dated history and is free for a new customer (who takes the next number).

One transaction, like a phone change (:func:`customer_writes.replace`): the item moves from
``PHONE#<e164>`` to its own collection ``CUSTOMER#<customer_id>`` (conditioned on the revision read),
the markers that follow the phone (id, number, email) are re-pointed to the customer id, a
``PHONEHIST#<e164>`` item records who held the phone from when to when, and the counters move
(``customers.without_phone``, ``phones.released``, a login lost with the phone's proof). So "one
phone = one customer" now means one customer *at a time*.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from customer_identity.core.errors import NoPhone
from customer_identity.core.models.customers import Customer
from customer_identity.core.models.phones import PhoneHistory, PhoneHolder, ReleaseReason
from customer_identity.core.retry import retry_lost_races
from customer_identity.core.settings import Settings
from customer_identity.storage import keys, phone_history, table
from customer_identity.storage.entities import CustomerItem, PhoneHistoryItem, TableItem
from customer_identity.use_cases.identity import customer_writes
from customer_identity.use_cases.identity.phones import normalise_phone
from customer_identity.use_cases.identity.resolution import Resolver
from customer_identity.use_cases.identity.views import Views


def holdings(item: CustomerItem) -> list[dict[str, Any]]:
    return json.loads(item.phone_history) if item.phone_history else []


def record_holding(
    current: CustomerItem, updated: CustomerItem, *, reason: ReleaseReason, by: str | None, note: str | None = None
) -> PhoneHistoryItem:
    """Append ``current``'s holding of its phone (ending now) to ``updated``'s history; its history item."""
    assert current.phone is not None and current.customer_number is not None
    holding = {
        "phone": current.phone,
        "held_from": current.phone_since or current.created_at,
        "held_until": updated.updated_at,
        "reason": reason,
    }
    updated.phone_history = json.dumps([*holdings(current), holding], separators=(",", ":"))
    return PhoneHistoryItem(
        *keys.phone_history_key(current.phone, updated.updated_at, current.customer_id),
        phone=current.phone,
        customer_id=current.customer_id,
        customer_number=int(current.customer_number),
        held_from=holding["held_from"],
        held_until=holding["held_until"],
        reason=reason,
        released_by=by,
        note=note,
    )


def released(
    current: CustomerItem, *, reason: ReleaseReason, by: str | None, note: str | None = None
) -> tuple[CustomerItem, PhoneHistoryItem]:
    """``current`` without its phone (next revision), and the history item of the holding it ends."""
    updated = customer_writes.next_revision(current)
    history = record_holding(current, updated, reason=reason, by=by, note=note)
    updated.phone = updated.phone_raw = updated.phone_since = updated.phone_verified_at = None
    return updated, history


def release_item(
    current: CustomerItem,
    *,
    reason: ReleaseReason,
    by: str | None,
    note: str | None = None,
    also: Callable[[CustomerItem], list[TableItem]] | None = None,
) -> CustomerItem:
    """Release ``current``'s phone in one transaction (:class:`LostRace` if it changed since read);
    ``also`` gives further items to put in it (the recycling guard's review item)."""
    if current.phone is None:
        raise NoPhone()
    updated, history = released(current, reason=reason, by=by, note=note)
    customer_writes.replace(current, updated, also=[history, *(also(updated) if also else [])])
    return updated


class PhoneReleases:
    def __init__(self, settings: Settings, resolver: Resolver, views: Views) -> None:
        self.settings = settings
        self.resolver = resolver
        self.views = views

    def release(
        self,
        ref: str,
        *,
        reason: ReleaseReason,
        by: str,
        note: str | None = None,
        authorize: Callable[[Customer], None] | None = None,
    ) -> Customer:
        """Release the phone of the customer ``ref`` names (409 ``no_phone`` when it has none)."""

        def attempt() -> Customer:
            current = self.resolver.resolve(ref).item
            if authorize is not None:
                authorize(self.views.customer(current))
            return self.views.customer(release_item(current, reason=reason, by=by, note=note))

        return retry_lost_races(attempt, self.settings.contention_budget_seconds)

    def history(self, phone_text: str) -> PhoneHistory:
        """Who held the phone, from when to when: its history items, then its holder now (if any)."""
        e164 = normalise_phone(phone_text, self.settings.default_region).e164
        holders = [
            PhoneHolder(
                customer_id=item.customer_id,
                customer_number=self.views.numbers.format(int(item.customer_number)),
                held_from=item.held_from,
                held_until=item.held_until,
                reason=item.reason,  # type: ignore[arg-type]
            )
            for item in phone_history.holdings(e164)
        ]
        current = table.get(CustomerItem, keys.phone_key(e164))
        if current is not None and not current.is_claim:
            holders.append(
                PhoneHolder(
                    customer_id=current.customer_id,
                    customer_number=self.views.numbers.format(int(current.customer_number)),
                    held_from=current.phone_since or current.created_at,
                    held_until=None,
                    reason=None,
                )
            )
        return PhoneHistory(phone=e164, holders=holders)
