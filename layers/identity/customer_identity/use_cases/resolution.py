"""Any reference to the canonical customer: id, number, phone in any shape, email or legacy id.

Reads only. A customer still being created (a claim) is waited for; a claim whose creator died is
finished by the ``adopt`` callable when the caller may write (write paths pass
:meth:`Registration.adopt`), and is not found otherwise, so read-only functions never write.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from customer_identity.core.clock import epoch
from customer_identity.core.errors import CustomerNotFound, InvalidInput
from customer_identity.core.models import ReferenceKind
from customer_identity.core.retry import LostRace, retry_lost_races
from customer_identity.core.settings import Settings
from customer_identity.storage import keys, table
from customer_identity.storage.entities import AliasItem, CustomerItem
from customer_identity.use_cases.customer_numbers import CustomerNumbers
from customer_identity.use_cases.emails import normalise_email
from customer_identity.use_cases.phones import looks_like_phone, normalise_phone

CUSTOMER_ID_PREFIX = "cus_"
MAX_REF_LENGTH = 256
# A marker read and the item read can straddle a phone change: read again this many times.
STRADDLE_RETRIES = 3

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
        current = table.get(CustomerItem, keys.phone_key(latest.phone))
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

    def resolve(self, ref: str) -> Resolved:
        """The customer ``ref`` names, or :class:`CustomerNotFound`."""
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

    def by_id(self, customer_id: str) -> CustomerItem:
        return self._via_marker(keys.customer_id_key(customer_id), "customer_id", customer_id).item

    def by_phone(self, e164: str) -> CustomerItem | None:
        item = table.get(CustomerItem, keys.phone_key(e164))
        return settled(item, self.settings, self._adopt) if item is not None else None

    def _via_marker(self, key: keys.Key, kind: ReferenceKind, ref: str) -> Resolved:
        for _ in range(STRADDLE_RETRIES):
            marker = table.get(AliasItem, key)  # None also for a staff account's email: not a customer
            if marker is None:
                break
            item = self.by_phone(marker.phone)
            if item is not None and item.customer_id == marker.customer_id:
                return Resolved(item, kind)
            if kind != "customer_id":  # the phone was a hint that went stale: ask the authoritative marker
                owner = table.get(AliasItem, keys.customer_id_key(marker.customer_id))
                item = self.by_phone(owner.phone) if owner is not None else None
                if item is not None and item.customer_id == marker.customer_id:
                    return Resolved(item, kind)
        raise CustomerNotFound(ref)
