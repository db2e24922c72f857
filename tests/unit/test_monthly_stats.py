"""The figures per month (``GET /admin/stats/monthly``): each write counts in its month, in its own
transaction, and every month equals a recount from a scan of the table (tests/stats_oracle.py)."""

import json
from collections.abc import Callable
from decimal import Decimal
from pathlib import Path
from typing import Any

import boto3
import pytest

from customer_identity import runtime
from customer_identity.core.errors import InvalidInput
from customer_identity.core.models.bookings import NewBooking
from customer_identity.core.models.customers import CustomerChanges
from customer_identity.use_cases.backfill.steps import Backfill
from customer_identity.use_cases.identity import monthly_stats
from devserver.legacy_export import generate
from tests.stats_oracle import assert_monthly_match_scan
from tests.unit.conftest import TABLE, Domain, build_domain, load_event

NONE = {"trial": 0, "active": 0, "paused": 0, "stopped": 0}


def months(first: str, last: str) -> list[dict[str, Any]]:
    figures = monthly_stats.monthly(first, last).model_dump()
    assert_monthly_match_scan(figures, boto3.client("dynamodb", region_name="us-east-1"), TABLE)
    return figures["months"]


def at(monkeypatch: pytest.MonkeyPatch, when: str) -> None:
    """Every write from now on happens at ``when`` (the clocks of registration, updates and bookings)."""
    for module in ("registration", "customer_writes"):
        monkeypatch.setattr(f"customer_identity.use_cases.identity.{module}.utc_now", lambda: when)
    monkeypatch.setattr("customer_identity.use_cases.bookings.bookings.utc_now", lambda: when)


def test_creates_status_changes_and_bookings_count_in_the_month_they_happen(
    domain: Domain, monkeypatch: pytest.MonkeyPatch
) -> None:
    at(monkeypatch, "2026-01-10T08:00:00.000Z")
    domain.create("9800000001", status="trial")
    domain.create("9800000002")  # active by default
    first = domain.bookings.create(NewBooking(customer="PL1", service="Wash", amount=Decimal("249.50")))
    domain.bookings.create(NewBooking(customer="PL2", service="Iron", amount=Decimal("0.10")))
    at(monkeypatch, "2026-02-03T08:00:00.000Z")
    domain.profiles.update("PL1", CustomerChanges(status="active"))
    domain.profiles.update("PL2", CustomerChanges(status="paused", area="North"))
    domain.profiles.update("PL2", CustomerChanges(area="South"))  # no status change: counts nothing
    domain.bookings.set_status(first.booking.booking_id, "cancelled")  # leaves January's figures
    at(monkeypatch, "2026-03-28T08:00:00.000Z")
    domain.profiles.update("PL2", CustomerChanges(status="stopped"))
    domain.profiles.update("PL1", CustomerChanges(status="stopped"))
    domain.profiles.update("PL1", CustomerChanges(status="active"))  # came back the same month
    assert months("2025-12", "2026-04") == [
        {"month": "2025-12", "customers_created": 0, "became": NONE, "bookings": 0, "revenue": "0.00"},
        {
            "month": "2026-01",
            "customers_created": 2,
            "became": NONE | {"trial": 1, "active": 1},
            "bookings": 1,
            "revenue": "0.10",
        },
        {
            "month": "2026-02",
            "customers_created": 0,
            "became": NONE | {"active": 1, "paused": 1},
            "bookings": 0,
            "revenue": "0.00",
        },
        {
            "month": "2026-03",
            "customers_created": 0,
            "became": NONE | {"stopped": 2, "active": 1},
            "bookings": 0,
            "revenue": "0.00",
        },
        {"month": "2026-04", "customers_created": 0, "became": NONE, "bookings": 0, "revenue": "0.00"},
    ]


def test_a_merge_and_its_undo_change_no_month(domain: Domain, monkeypatch: pytest.MonkeyPatch) -> None:
    at(monkeypatch, "2026-05-01T00:00:00.000Z")
    domain.create("9800000001")
    domain.create("9800000002", status="trial")
    domain.bookings.create(NewBooking(customer="PL2", service="Wash", amount=Decimal("10.00")))
    before = months("2026-05", "2026-05")
    merges = runtime.merges()
    merged = merges.merge("PL2", "PL1", by="stf_test")
    assert months("2026-05", "2026-05") == before
    merges.undo(merged.merge_id, by="stf_test")
    assert months("2026-05", "2026-05") == before


def test_a_backfill_counts_each_legacy_customer_and_booking_in_its_own_month(
    aws: None, environment: Callable[..., None], tmp_path: Path
) -> None:
    build_domain()
    generate(tmp_path, persons=30, seed=11)
    backfill = Backfill(runtime.config(), writers=1)
    planned = backfill.plan({"source": str(tmp_path), "chunk_size": 15, "run_id": "monthly"})
    for chunk in json.loads(json.dumps(planned["chunks"])):
        backfill.write(chunk)
    figures = months("2017-01", "2026-12")
    assert sum(month["customers_created"] for month in figures) > 0
    assert len({month["month"] for month in figures if month["customers_created"]}) > 1


@pytest.mark.parametrize(
    ("first", "last", "field"),
    [("2026-05", "2026-04", "from"), ("2010-01", "2026-12", "to")],
)
def test_a_range_backwards_or_over_120_months_is_refused_naming_the_field(
    domain: Domain, first: str, last: str, field: str
) -> None:
    with pytest.raises(InvalidInput) as refused:
        monthly_stats.monthly(first, last)
    assert refused.value.field == field and refused.value.code == f"invalid_{field}"


def test_the_handler_answers_admins_the_range_and_refuses_a_malformed_month(domain: Domain, invoke) -> None:
    status, body = invoke("get_monthly_stats")
    assert status == 200 and [m["month"] for m in body["months"]][:2] == ["2026-01", "2026-02"]
    assert len(body["months"]) == 12
    event = load_event("get_monthly_stats")
    event["queryStringParameters"] = {"from": "2026-13"}
    event["multiValueQueryStringParameters"] = {"from": ["2026-13"]}
    status, body = invoke("get_monthly_stats", event)
    assert status == 422 and body["error"]["field"] == "from"
