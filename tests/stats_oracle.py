"""The oracle for ``GET /admin/stats``: every figure recomputed from a full scan of the raw table.

Written out from the documented counting rules (docs/api.md, docs/data-model.md), deliberately not from
``use_cases.stats``, so a mistake in either shows up as a difference. Items are DynamoDB's raw
attribute-value maps (``{"status": {"S": "active"}}``), as a ``Scan`` returns them.

``RULES`` maps an item's ``entity`` to the function that adds what it counts; tests of later
features (merges, review resolutions) add or wrap rules there if what they write needs one.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from decimal import Decimal
from typing import Any

type Raw = dict[str, dict[str, Any]]


class Tally:
    """Counts as a scan finds them."""

    def __init__(self) -> None:
        self.customers = 0
        self.by_status: Counter[str] = Counter()
        self.by_area: Counter[str] = Counter()
        self.with_login = 0
        self.with_email = 0
        self.merged_away = 0
        self.without_phone = 0
        self.phones_released = 0
        self.staff_by_role: Counter[str] = Counter()
        self.review_open = 0
        self.bookings = 0
        self.spent = Decimal(0)
        self.balance = Decimal(0)
        # per month (YYYY-MM): {"created": n, "became#<status>": n, "bookings": n, "revenue": Decimal}
        self.months: dict[str, Counter[str]] = {}

    def month(self, timestamp: str) -> Counter[str]:
        return self.months.setdefault(timestamp[:7], Counter())

    def monthly_response(self, months: list[str]) -> dict[str, Any]:
        """The shape ``GET /admin/stats/monthly`` answers with for ``months``."""
        empty: Counter[str] = Counter()
        return {
            "months": [
                {
                    "month": month,
                    "customers_created": self.months.get(month, empty)["created"],
                    "became": {
                        status: self.months.get(month, empty)[f"became#{status}"]
                        for status in ("trial", "active", "paused", "stopped")
                    },
                    "bookings": self.months.get(month, empty)["bookings"],
                    "revenue": f"{Decimal(self.months.get(month, empty)['revenue']):.2f}",
                }
                for month in months
            ]
        }

    def as_response(self) -> dict[str, Any]:
        """The shape ``GET /admin/stats`` answers with (maps without zero counts)."""
        return {
            "customers": {
                "total": self.customers,
                "by_status": _non_zero(self.by_status),
                "by_area": _non_zero(self.by_area),
                "with_login": self.with_login,
                "with_email": self.with_email,
                "merged_away": self.merged_away,
                "without_phone": self.without_phone,
            },
            "staff": {"by_role": _non_zero(self.staff_by_role)},
            "review_open": self.review_open,
            "phones_released": self.phones_released,
            "bookings": {"total": self.bookings, "total_spent": f"{self.spent:.2f}"},
            "total_balance": f"{self.balance:.2f}",
        }


def text(item: Raw, name: str) -> str | None:
    value = item.get(name)
    return value.get("S") if value else None


def number(item: Raw, name: str) -> Decimal | None:
    value = item.get(name)
    return Decimal(value["N"]) if value and "N" in value else None


def count_customer(item: Raw, tally: Tally) -> None:
    # The business's total balance is every customer's balance summed, merged away or not (the
    # service counts ledger entries instead: ledger_mismatches checks that the two agree per customer).
    tally.balance += number(item, "balance") or Decimal(0)
    if number(item, "customer_number") is None:
        return  # a claim (a create between claiming the phone and taking its number): not a customer yet
    created_at = text(item, "created_at") or ""
    tally.month(created_at)["created"] += 1  # created, whether merged away since or not
    # Every status it entered, in the month it did (docs/data-model.md): the first in the month it was
    # created; a customer written before the history existed has only its present status, then.
    history = [entry.partition(":") for entry in (text(item, "status_history") or "").split()]
    if not history:
        history = [(created_at[:7], ":", text(item, "status") or "")]
    for month, _, status in history:
        tally.month(month)[f"became#{status}"] += 1
    if text(item, "merged_into"):
        tally.merged_away += 1
        return
    tally.customers += 1
    tally.by_status[text(item, "status") or ""] += 1
    area = text(item, "area")
    if area:
        tally.by_area[" ".join(area.split()).casefold()] += 1  # as listings group areas
    if text(item, "password_hash") or text(item, "phone_verified_at"):
        tally.with_login += 1
    if text(item, "email"):
        tally.with_email += 1
    if not text(item, "phone"):  # released: it lives under CUSTOMER#<id>
        tally.without_phone += 1


def count_staff(item: Raw, tally: Tally) -> None:
    if not text(item, "deactivated_at"):
        tally.staff_by_role[text(item, "role") or ""] += 1


def count_booking(item: Raw, tally: Tally) -> None:
    if text(item, "status") != "cancelled":
        tally.bookings += 1
        tally.spent += number(item, "amount") or Decimal(0)
        month = tally.month(text(item, "created_at") or "")
        month["bookings"] += 1
        month["revenue"] += number(item, "amount") or Decimal(0)  # type: ignore[assignment]  # exact Decimal


def count_review(item: Raw, tally: Tally) -> None:
    if text(item, "status") == "open":
        tally.review_open += 1


RULES: dict[str, Callable[[Raw, Tally], None]] = {
    "customer": count_customer,
    "staff": count_staff,
    "booking": count_booking,
    "review": count_review,
    "phone_history": lambda item, tally: setattr(tally, "phones_released", tally.phones_released + 1),
}


def scan(client: Any, table: str) -> list[Raw]:
    """Every item of the table (strongly consistent, all pages)."""
    items: list[Raw] = []
    request: dict[str, Any] = {"TableName": table, "ConsistentRead": True}
    while True:
        page = client.scan(**request)
        items += page["Items"]
        if "LastEvaluatedKey" not in page:
            return items
        request["ExclusiveStartKey"] = page["LastEvaluatedKey"]


def ledger_mismatches(items: list[Raw]) -> dict[str, tuple[Decimal, Decimal]]:
    """Customers whose ``balance`` is not the sum of their ledger entries: {customer_id: (balance, sum)}."""
    balances = {
        text(i, "customer_id"): number(i, "balance") or Decimal(0) for i in items if text(i, "entity") == "customer"
    }
    sums: Counter[str] = Counter()
    for item in items:
        if text(item, "entity") == "ledger_entry":
            sums[text(item, "customer_id") or ""] += number(item, "amount") or Decimal(0)  # type: ignore[assignment]
    return {
        customer: (balance, Decimal(sums.get(customer, 0)))
        for customer, balance in balances.items()
        if customer and balance != sums.get(customer, 0)
    }


def tally_of(items: list[Raw]) -> Tally:
    tally = Tally()
    for item in items:
        rule = RULES.get(text(item, "entity") or "")
        if rule is not None:
            rule(item, tally)
    return tally


def expected_stats(items: list[Raw]) -> dict[str, Any]:
    return tally_of(items).as_response()


def assert_monthly_match_scan(monthly: dict[str, Any], client: Any, table: str) -> dict[str, Any]:
    """Compare every month of ``monthly`` (``GET /admin/stats/monthly``) with a scan of ``table``."""
    tally = tally_of(scan(client, table))
    expected = tally.monthly_response([month["month"] for month in monthly["months"]])
    assert monthly == expected, (monthly, expected)
    counted = {month for month, figures in tally.months.items() if any(figures.values())}
    assert counted <= {month["month"] for month in monthly["months"]}, f"months outside the range: {sorted(counted)}"
    return expected


def assert_stats_match_scan(stats: dict[str, Any], client: Any, table: str) -> dict[str, Any]:
    """Compare every figure of ``stats`` with a scan of ``table``; the expected figures."""
    items = scan(client, table)
    expected = expected_stats(items)
    assert stats == expected, _difference(stats, expected)
    assert ledger_mismatches(items) == {}
    return expected


def local_table(data_dir: Any) -> tuple[Any, str]:
    """(a client of the DynamoDB Local that the local server over ``data_dir`` is using, the table name)."""
    import os

    from devserver.dynamodb_local import local_client
    from devserver.server import running_server_endpoint

    endpoint = running_server_endpoint(data_dir)
    assert endpoint, "the local server records its DynamoDB endpoint"
    client = local_client(endpoint)
    return client, os.environ.get("TABLE_NAME", "customer-identity")


def _non_zero(counts: Counter[str]) -> dict[str, int]:
    return {key: value for key, value in sorted(counts.items()) if value}


def _difference(actual: dict[str, Any], expected: dict[str, Any], path: str = "") -> str:
    lines = []
    for key in sorted(set(actual) | set(expected)):
        a, e = actual.get(key), expected.get(key)
        if isinstance(a, dict) and isinstance(e, dict):
            lines.append(_difference(a, e, f"{path}{key}."))
        elif a != e:
            lines.append(f"{path}{key}: stats {a!r} != scan {e!r}")
    return "\n".join(line for line in lines if line)
