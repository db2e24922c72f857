"""Any reference to the canonical customer: id, number, phone in any shape, email or legacy id.

Reads only. A customer still being created (a claim) is waited for; a claim whose creator died is
finished by the ``adopt`` callable when the caller may write (write paths pass
:meth:`Registration.adopt`), and is not found otherwise, so read-only functions never write.

A customer merged away (``merged_into``) forwards every reference to its survivor: one more
``GetItem`` (the survivor's item under the phone it had at the merge), or three when the survivor's
phone changed since (its customer-id marker, then its item). ``follow_merges=False`` gives the item
a reference names itself (merges, and sign-in, which checks the merged customer's own password).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from customer_identity.core.clock import epoch
from customer_identity.core.errors import CustomerNotFound, InvalidInput
from customer_identity.core.models.customers import ReferenceKind
from customer_identity.core.retry import LostRace, retry_lost_races
from customer_identity.core.settings import Settings
from customer_identity.storage import keys, table
from customer_identity.storage.entities import AliasItem, CustomerItem
from customer_identity.use_cases.identity.customer_numbers import CustomerNumbers
from customer_identity.use_cases.identity.emails import normalise_email
from customer_identity.use_cases.identity.phones import looks_like_phone, normalise_phone

CUSTOMER_ID_PREFIX = "cus_"
MAX_REF_LENGTH = 256
# A marker read and the item read can straddle a phone change: read again this many times.
STRADDLE_RETRIES = 3
# A survivor can itself be merged away later: follow at most this many merges.
MAX_MERGE_HOPS = 8

type Adopt = Callable[[CustomerItem], CustomerItem | None]


@dataclass(frozen=True)
class Resolved:
    item: CustomerItem
    kind: ReferenceKind


def settled(item: CustomerItem, settings: Settings, adopt: Adopt | None) -> CustomerItem | None:
    """``item`` once it has its number (waiting for its creator), or None if it is gone.

    A claim older than ``claim_abandoned_after_seconds`` is handed to ``adopt`` (None: not found).
    """
    latest = item

    def attempt() -> CustomerItem | None:
        nonlocal latest
        if not latest.is_claim:
            return latest
        if epoch() - float(latest.pending_since or 0) > settings.claim_abandoned_after_seconds:
            if adopt is None:
                return None
            adopted = adopt(latest)
            if adopted is not None:
                return adopted
        current = table.get(CustomerItem, keys.customer_key(latest.home))
        if current is None or current.customer_id != latest.customer_id:
            return None
        latest = current
        if latest.is_claim:
            raise LostRace
        return latest

    return retry_lost_races(attempt, settings.contention_budget_seconds)


class Resolver:
    def __init__(self, settings: Settings, numbers: CustomerNumbers, adopt: Adopt | None = None) -> None:
        self.settings = settings
        self.numbers = numbers
        self._adopt = adopt

    def resolve(self, ref: str, *, follow_merges: bool = True) -> Resolved:
        """The customer ``ref`` names (its survivor if it was merged away), or :class:`CustomerNotFound`."""
        resolved = self._resolve(ref)
        if not follow_merges or not resolved.item.merged_into:
            return resolved
        return Resolved(self.survivor_of(resolved.item), "merged")

    def survivor_of(self, item: CustomerItem) -> CustomerItem:
        """``item``, or the customer it was merged into (following merges of merges)."""
        return survivor_of(item, self.settings, self._adopt)

    def _resolve(self, ref: str) -> Resolved:
        ref = (ref or "").strip()
        if not ref or len(ref) > MAX_REF_LENGTH:
            raise CustomerNotFound(ref)
        number = self.numbers.parse(ref)
        if number is not None:
            return self._via_marker(keys.number_key(number), "customer_number", ref)
        if ref.startswith(CUSTOMER_ID_PREFIX):
            return self._via_marker(keys.customer_id_key(ref), "customer_id", ref)
        if "@" in ref:
            return self._via_marker(keys.email_key(normalise_email(ref) or ""), "email", ref)
        if looks_like_phone(ref):
            try:
                e164 = normalise_phone(ref, self.settings.default_region).e164
            except InvalidInput:
                e164 = None
            item = self.by_phone(e164) if e164 else None
            if item is not None:
                return Resolved(item, "phone")
        return self._via_marker(keys.legacy_key(ref), "legacy_id", ref)

    def by_id(self, customer_id: str, *, follow_merges: bool = True) -> CustomerItem:
        item = _via_marker(keys.customer_id_key(customer_id), customer_id, self.settings, self._adopt)
        return self.survivor_of(item) if follow_merges else item

    def by_phone(self, e164: str) -> CustomerItem | None:
        """The item under this phone itself (a merged-away customer is not followed)."""
        return _by_phone(e164, self.settings, self._adopt)

    def _via_marker(self, key: keys.Key, kind: ReferenceKind, ref: str) -> Resolved:
        return Resolved(_via_marker(key, ref, self.settings, self._adopt), kind)


def _by_phone(home: str, settings: Settings, adopt: Adopt | None) -> CustomerItem | None:
    """The customer item at ``home`` (a phone, or the customer id of a customer without one)."""
    item = table.get(CustomerItem, keys.customer_key(home))
    return settled(item, settings, adopt) if item is not None else None


def _via_marker(key: keys.Key, ref: str, settings: Settings, adopt: Adopt | None) -> CustomerItem:
    authoritative = key[0].startswith("CUSTOMER#")
    for _ in range(STRADDLE_RETRIES):
        marker = table.get(AliasItem, key)  # None also for a staff account's email: not a customer
        if marker is None:
            break
        item = _by_phone(marker.phone, settings, adopt)
        if item is not None and item.customer_id == marker.customer_id:
            return item
        if not authoritative:  # the phone was a hint that went stale: ask the authoritative marker
            owner = table.get(AliasItem, keys.customer_id_key(marker.customer_id))
            item = _by_phone(owner.phone, settings, adopt) if owner is not None else None
            if item is not None and item.customer_id == marker.customer_id:
                return item
    raise CustomerNotFound(ref)


def survivor_of(item: CustomerItem, settings: Settings, adopt: Adopt | None = None) -> CustomerItem:
    """``item``, or the live customer it was merged into: the survivor's item under the phone it had
    at the merge (one ``GetItem``), else through its customer-id marker (it changed phone since)."""
    for _ in range(MAX_MERGE_HOPS):
        if not item.merged_into:
            return item
        survivor_id = item.merged_into
        hinted = _by_phone(item.merged_into_phone, settings, adopt) if item.merged_into_phone else None
        if hinted is not None and hinted.customer_id == survivor_id:
            item = hinted
        else:
            item = _via_marker(keys.customer_id_key(survivor_id), survivor_id, settings, adopt)
    raise CustomerNotFound(item.customer_id)
