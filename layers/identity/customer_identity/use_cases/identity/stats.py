"""What each item contributes to the dashboard counters, and the change a write makes to them.

Every write that changes a counted fact passes the item before and after it to :func:`record`,
which adds the difference to the counters in the same transaction (see :mod:`..storage.stats`).
The rules, one place:

* a customer with a number and not merged away is *live*: it counts in ``customers.total``, in
  ``customers.status#<status>``, in ``customers.area#<area>`` (areas compared case- and
  space-insensitively, as the listing does), in ``customers.with_login`` when it has a password or
  a verified phone, in ``customers.with_email`` when it has an email;
* a merged-away customer counts only in ``customers.merged_away``; a claim (no number yet) counts
  nowhere;
* a staff account counts in ``staff.role#<role>`` while it is active;
* a booking that is not cancelled counts in ``bookings.total`` and its amount in ``bookings.spent``;
* a review item counts in ``review.open`` and ``review.open#<reason>`` while it is open;
* a ledger entry adds its amount to ``balance.total`` (entries are never changed or removed);
* a live customer without a phone (released) counts in ``customers.without_phone``; every phone
  history item (a release) in ``phones.released``.

Per month (``YYYY-MM``, UTC), in the same shards (``month#<YYYY-MM>#<figure>``):

* a customer with a number (live or merged away) counts once in ``created`` of the month of its
  ``created_at``, and once in ``became#<status>`` of each month it entered a status
  (``CustomerItem.status_entries``: the first status in the month it was created);
* a booking that is not cancelled counts in ``bookings`` and its amount in ``revenue`` of the month
  of its ``created_at``.
"""

from __future__ import annotations

from collections import Counter
from decimal import Decimal

from customer_identity.core.models.stats import BookingCounts, CustomerCounts, DashboardStats, StaffCounts
from customer_identity.storage import stats as stored
from customer_identity.storage.entities import (
    BookingItem,
    CustomerItem,
    LedgerEntryItem,
    PhoneHistoryItem,
    ReviewItem,
    StaffItem,
    TableItem,
)
from customer_identity.storage.transactions import Transaction

CUSTOMERS_TOTAL = "customers.total"
CUSTOMERS_WITH_LOGIN = "customers.with_login"
CUSTOMERS_WITH_EMAIL = "customers.with_email"
CUSTOMERS_MERGED_AWAY = "customers.merged_away"
CUSTOMERS_WITHOUT_PHONE = "customers.without_phone"
PHONES_RELEASED = "phones.released"
CUSTOMERS_BY_STATUS = "customers.status#"
CUSTOMERS_BY_AREA = "customers.area#"
STAFF_BY_ROLE = "staff.role#"
BOOKINGS_TOTAL = "bookings.total"
BOOKINGS_SPENT = "bookings.spent"
BALANCE_TOTAL = "balance.total"
REVIEW_OPEN = "review.open"
REVIEW_OPEN_BY_REASON = "review.open#"
MONTH = "month#"  # month#<YYYY-MM>#<figure>
MONTH_CREATED = "created"
MONTH_BECAME = "became#"
MONTH_BOOKINGS = "bookings"
MONTH_REVENUE = "revenue"
CENTS = Decimal("0.01")

type Counts = Counter[str]


def area_name(area: str) -> str:
    """The counted form of an area: case- and space-insensitive, like the area listing."""
    return " ".join(area.split()).casefold()


def month_counter(timestamp: str, figure: str) -> str:
    """The counter of ``figure`` in the month (UTC) of an ISO-8601 ``timestamp``."""
    return f"{MONTH}{timestamp[:7]}#{figure}"


def contribution(item: TableItem | None) -> Counts:
    """What ``item`` adds to the counters as it stands (nothing for None or an uncounted item)."""
    counts: Counts = Counter()
    if isinstance(item, CustomerItem):
        if item.customer_number is None:
            return counts
        counts[month_counter(item.created_at, MONTH_CREATED)] += 1
        for month, status in item.status_entries():
            counts[f"{MONTH}{month}#{MONTH_BECAME}{status}"] += 1
        if item.merged_into:
            counts[CUSTOMERS_MERGED_AWAY] += 1
            return counts
        counts[CUSTOMERS_TOTAL] += 1
        counts[CUSTOMERS_BY_STATUS + item.status] += 1
        if item.area:
            counts[CUSTOMERS_BY_AREA + area_name(item.area)] += 1
        if item.can_sign_in:
            counts[CUSTOMERS_WITH_LOGIN] += 1
        if item.email:
            counts[CUSTOMERS_WITH_EMAIL] += 1
        if not item.phone:
            counts[CUSTOMERS_WITHOUT_PHONE] += 1
    elif isinstance(item, StaffItem) and item.active:
        counts[STAFF_BY_ROLE + item.role] += 1
    elif isinstance(item, BookingItem) and item.status != "cancelled":
        counts[BOOKINGS_TOTAL] += 1
        counts[BOOKINGS_SPENT] += item.amount  # type: ignore[assignment]  # exact Decimal
        counts[month_counter(item.created_at, MONTH_BOOKINGS)] += 1
        counts[month_counter(item.created_at, MONTH_REVENUE)] += item.amount  # type: ignore[assignment]
    elif isinstance(item, ReviewItem) and item.status == "open":
        counts[REVIEW_OPEN] += 1
        counts[REVIEW_OPEN_BY_REASON + item.reason] += 1
    elif isinstance(item, PhoneHistoryItem):
        counts[PHONES_RELEASED] += 1
    elif isinstance(item, LedgerEntryItem):
        counts[BALANCE_TOTAL] += item.amount  # type: ignore[assignment]  # exact Decimal
    return counts


def change(*pairs: tuple[TableItem | None, TableItem | None]) -> dict[str, int | Decimal]:
    """The counter changes of replacing each ``before`` by its ``after`` (None: absent)."""
    total: Counts = Counter()
    for before, after in pairs:
        total.update(contribution(after))
        total.subtract(contribution(before))
    return {name: value for name, value in total.items() if value}


def record(tx: Transaction, *pairs: tuple[TableItem | None, TableItem | None], label: str = "stats") -> None:
    """Add to ``tx`` the counter changes of its writes (``(before, after)`` per item it changes)."""
    stored.add_to(tx, change(*pairs), label=label)


def totals() -> DashboardStats:
    """Every counter, summed over the shards (one strongly consistent ``BatchGetItem``).

    Maps (per status, area, role) list only the keys whose count is not zero.
    """
    read = stored.read_totals()

    def count(name: str) -> int:
        return int(read.get(name, 0))

    def by(prefix: str) -> dict[str, int]:
        found = {name.removeprefix(prefix): int(value) for name, value in read.items() if name.startswith(prefix)}
        return {key: value for key, value in sorted(found.items()) if value}

    return DashboardStats(
        customers=CustomerCounts(
            total=count(CUSTOMERS_TOTAL),
            by_status=by(CUSTOMERS_BY_STATUS),
            by_area=by(CUSTOMERS_BY_AREA),
            with_login=count(CUSTOMERS_WITH_LOGIN),
            with_email=count(CUSTOMERS_WITH_EMAIL),
            merged_away=count(CUSTOMERS_MERGED_AWAY),
            without_phone=count(CUSTOMERS_WITHOUT_PHONE),
        ),
        phones_released=count(PHONES_RELEASED),
        staff=StaffCounts(by_role=by(STAFF_BY_ROLE)),
        review_open=count(REVIEW_OPEN),
        bookings=BookingCounts(
            total=count(BOOKINGS_TOTAL), total_spent=str(read.get(BOOKINGS_SPENT, Decimal(0)).quantize(CENTS))
        ),
        total_balance=str(read.get(BALANCE_TOTAL, Decimal(0)).quantize(CENTS)),
    )
