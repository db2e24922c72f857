"""Balances as an exact ledger: a customer's ``balance`` is the sum of its entries, always.

Every entry is written in the same transaction as the change of its customer's balance (an ``ADD``
conditioned on the item still being that live customer, bumping its revision so that no replace
can write an older balance back) and as its dashboard counter (``balance.total``). Entries are
never changed or deleted: a mistake, a merge's move and its undo are new entries, each naming what
it reverses. Money never appears or vanishes: a merge posts ``-B`` on the merged customer and
``+B`` on the survivor in one transaction, its undo the two reversals.
"""

from __future__ import annotations

import hashlib
import json
import uuid
from collections.abc import Callable
from decimal import Decimal

from boto3.dynamodb.conditions import Attr

from customer_identity.core.clock import utc_now
from customer_identity.core.errors import IdempotencyKeyReused, InvalidInput
from customer_identity.core.models.customers import Customer
from customer_identity.core.models.ledger import AdjustmentResult, BalanceAdjustment, LedgerEntry, LedgerPage
from customer_identity.core.models.money import CENTS
from customer_identity.core.retry import LostRace, retry_lost_races
from customer_identity.core.settings import Settings
from customer_identity.storage import keys, queries, table
from customer_identity.storage.entities import CustomerItem, LedgerEntryItem, LedgerRequestItem
from customer_identity.storage.transactions import Transaction, TransactionCancelled
from customer_identity.use_cases.identity import stats
from customer_identity.use_cases.identity.listing import check_limit
from customer_identity.use_cases.identity.markers import names_customer
from customer_identity.use_cases.identity.resolution import Resolver
from customer_identity.use_cases.identity.views import Views

ENTRY_ID_PREFIX = "led_"
MAX_IDEMPOTENCY_KEY = 255


def new_entry(
    customer_id: str,
    amount: Decimal,
    kind: str,
    *,
    now: str,
    reason: str | None = None,
    by: str | None = None,
    reverses: str | None = None,
    merge_id: str | None = None,
    source: str | None = None,
    entry_id: str | None = None,
) -> LedgerEntryItem:
    entry_id = entry_id or f"{ENTRY_ID_PREFIX}{uuid.uuid4().hex}"
    return LedgerEntryItem(
        *keys.ledger_entry_key(customer_id, now, entry_id),
        entry_id=entry_id,
        customer_id=customer_id,
        amount=amount.quantize(CENTS),
        kind=kind,
        reason=reason,
        created_by=by,
        created_at=now,
        reverses=reverses,
        merge_id=merge_id,
        source=source,
    )


def post(tx: Transaction, customer: CustomerItem, entry: LedgerEntryItem, *, label: str = "entry") -> None:
    """Add to ``tx`` the entry, its customer's balance change and its counter; the customer must
    still be ``customer`` (same id at that key) and live."""
    tx.put(label, entry, condition=Attr("pk").not_exists())
    tx.update(
        f"{label}:customer",
        keys.customer_key(customer.home),
        add_values={"balance": entry.amount, "revision": 1},
        set_values={"updated_at": entry.created_at},
        condition=names_customer(customer.customer_id) & Attr("merged_into").not_exists(),
    )
    stats.record(tx, (None, entry), label=f"{label}:stats")


def entry_view(item: LedgerEntryItem) -> LedgerEntry:
    return LedgerEntry(
        entry_id=item.entry_id,
        customer_id=item.customer_id,
        amount=item.amount.quantize(CENTS),
        kind=item.kind,  # type: ignore[arg-type]
        reason=item.reason,
        created_by=item.created_by,
        created_at=item.created_at,
        reverses=item.reverses,
        merge_id=item.merge_id,
        source=item.source,
    )


def balance_of(item: CustomerItem) -> Decimal:
    return (item.balance or Decimal("0")).quantize(CENTS)


class Ledger:
    def __init__(self, settings: Settings, resolver: Resolver, views: Views) -> None:
        self.settings = settings
        self.resolver = resolver
        self.views = views

    def page(
        self, ref: str, *, limit: int, cursor: str | None, authorize: Callable[[Customer], None] | None = None
    ) -> LedgerPage:
        """The customer's balance and its entries, newest first (one strongly consistent query)."""
        check_limit(limit)
        customer = self.resolver.resolve(ref).item
        if authorize is not None:
            authorize(self.views.customer(customer))
        items, next_cursor = queries.ledger_page(customer.customer_id, limit=limit, cursor=cursor)
        return LedgerPage(
            balance=balance_of(customer), items=[entry_view(item) for item in items], next_cursor=next_cursor
        )

    def adjust(self, ref: str, change: BalanceAdjustment, *, by: str, idempotency_key: str) -> AdjustmentResult:
        """Post an admin's adjustment once per ``idempotency_key``: a retry answers the entry the
        first request posted; the same key with another request is :class:`IdempotencyKeyReused`."""
        key = idempotency_key.strip()
        if not key or len(key) > MAX_IDEMPOTENCY_KEY:
            raise InvalidInput(
                f"an Idempotency-Key of 1 to {MAX_IDEMPOTENCY_KEY} characters is required",
                field="Idempotency-Key",
                code="missing_field" if not key else "invalid_idempotency_key",
            )
        marker_key = keys.ledger_request_key(hashlib.sha256(f"{by}\n{key}".encode()).hexdigest())
        asked = hashlib.sha256(
            json.dumps({"ref": ref, "amount": str(change.amount), "reason": change.reason}).encode()
        ).hexdigest()

        def attempt() -> AdjustmentResult:
            earlier = table.get(LedgerRequestItem, marker_key)
            if earlier is not None:
                return self._replay(earlier, asked)
            customer = self.resolver.resolve(ref).item
            now = utc_now()
            entry = new_entry(customer.customer_id, change.amount, "adjustment", now=now, reason=change.reason, by=by)
            tx = Transaction()
            post(tx, customer, entry)
            request = LedgerRequestItem(
                *marker_key, entry_key=entry.sk, customer_id=customer.customer_id, request_digest=asked, created_at=now
            )
            tx.put("request", request, condition=Attr("pk").not_exists())
            try:
                tx.commit()
            except TransactionCancelled as cancelled:
                raise LostRace from cancelled  # a retry of the same key, or the customer changed: look again
            return AdjustmentResult(entry=entry_view(entry), balance=balance_of(customer) + entry.amount)

        return retry_lost_races(attempt, self.settings.contention_budget_seconds)

    def _replay(self, request: LedgerRequestItem, asked: str) -> AdjustmentResult:
        if request.request_digest != asked:
            raise IdempotencyKeyReused()
        entry = table.get(LedgerEntryItem, (keys.bookings_partition(request.customer_id), request.entry_key))
        assert entry is not None  # written in the same transaction as the request
        customer = self.resolver.by_id(request.customer_id, follow_merges=False)
        return AdjustmentResult(entry=entry_view(entry), balance=balance_of(customer))
