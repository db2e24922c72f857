"""The dashboard counters through the real use cases (moto): each rule moves exactly the counts it
names, in the write's own transaction, and every figure equals a scan of the table afterwards."""

import json
import time
from collections.abc import Callable
from decimal import Decimal
from pathlib import Path
from typing import Any

import boto3
import pytest

from customer_identity import runtime
from customer_identity.core.models.accounts import CredentialsChange, NewStaff
from customer_identity.core.models.bookings import NewBooking
from customer_identity.core.models.customers import CustomerChanges
from customer_identity.storage import keys
from customer_identity.storage.entities import CustomerItem
from customer_identity.use_cases.backfill.steps import Backfill
from customer_identity.use_cases.identity import stats
from devserver.legacy_export import generate
from tests.stats_oracle import assert_stats_match_scan
from tests.unit.conftest import (
    TABLE,
    TEST_IP,
    Domain,
    build_domain,
    code_in,
    load_event,
    reset_token_in,
    session_token,
    set_email,
)


def current(domain: Domain) -> dict[str, Any]:
    """``/admin/stats`` as the use case answers it, checked against a scan of the table."""
    figures = stats.totals().model_dump()
    assert_stats_match_scan(figures, boto3.client("dynamodb", region_name="us-east-1"), TABLE)
    return figures


def customers(domain: Domain) -> dict[str, Any]:
    return current(domain)["customers"]


def signed_in(domain: Domain, outbox: Callable[[str], str], phone: str):
    domain.phone_sign_in.request(phone, source_ip=TEST_IP)
    verified = domain.phone_sign_in.verify(phone, code_in(outbox(phone)))
    return verified, domain.accounts.tokens.verify(verified.token)


def test_an_empty_table_counts_nothing(domain: Domain) -> None:
    assert current(domain) == {
        "customers": {
            "total": 0,
            "by_status": {},
            "by_area": {},
            "with_login": 0,
            "with_email": 0,
            "merged_away": 0,
            "without_phone": 0,
        },
        "staff": {"by_role": {}},
        "review_open": 0,
        "phones_released": 0,
        "bookings": {"total": 0, "total_spent": "0.00"},
        "total_balance": "0.00",
    }


def test_a_create_counts_the_customer_its_status_area_and_email_and_a_find_counts_nothing(domain: Domain) -> None:
    domain.create("9800000001", area="  Indira  Nagar ", email="a@example.com", status="trial")
    domain.create("9800000002", area="indira nagar")
    domain.create("09800000001", area="Elsewhere")  # the same phone: found, not counted again
    assert customers(domain) == {
        "total": 2,
        "by_status": {"active": 1, "trial": 1},
        "by_area": {"indira nagar": 2},
        "with_login": 0,
        "with_email": 1,
        "merged_away": 0,
        "without_phone": 0,
    }


def test_the_contended_path_counts_the_customer_once_when_it_gets_its_number(domain: Domain, on_call) -> None:
    domain.create("9800000001")
    on_call("BatchGetItem", lambda: domain.create("9800000003"))  # the counter moves after this read
    assert domain.create("9800000002", status="paused").customer.customer_number == "PL3"
    assert customers(domain)["total"] == 3 and customers(domain)["by_status"] == {"active": 2, "paused": 1}


def test_a_claim_counts_nowhere_until_whoever_adopts_it_gives_it_its_number(domain: Domain) -> None:
    CustomerItem(
        customer_id="cus_abandoned",
        phone="+919800000009",
        status="active",
        area="Koramangala",
        created_at="2026-01-01T00:00:00.000Z",
        updated_at="2026-01-01T00:00:00.000Z",
        pending_since=time.time() - 3600,
        revision=1,
    ).save()
    assert customers(domain)["total"] == 0
    assert domain.create("9800000009").created is False  # adopted and finalized by this write
    assert customers(domain)["total"] == 1 and customers(domain)["by_area"] == {"koramangala": 1}


def test_updates_move_status_area_and_email_counts_and_a_phone_change_moves_none(domain: Domain) -> None:
    domain.create("9800000001", area="North", email="a@example.com")
    domain.profiles.update("PL1", CustomerChanges(status="stopped", area="South"))
    assert customers(domain)["by_status"] == {"stopped": 1} and customers(domain)["by_area"] == {"south": 1}
    domain.profiles.update("PL1", CustomerChanges(email=None, area=None))
    assert customers(domain)["with_email"] == 0 and customers(domain)["by_area"] == {}
    domain.profiles.update("PL1", CustomerChanges(email="b@example.com", phone="9800000002"))
    assert customers(domain) == {
        "total": 1,
        "by_status": {"stopped": 1},
        "by_area": {},
        "with_login": 0,
        "with_email": 1,
        "merged_away": 0,
        "without_phone": 0,
    }


def test_a_verified_phone_is_a_login_once_and_credentials_add_the_email(domain: Domain, outbox) -> None:
    verified, principal = signed_in(domain, outbox, "+919800000001")
    assert verified.created and customers(domain)["with_login"] == 1
    signed_in(domain, outbox, "+919800000001")  # verified again: still one login
    domain.credentials.change(principal, CredentialsChange(password="a long password"))
    set_email(domain, outbox, principal, "c@example.com")
    assert customers(domain)["with_login"] == 1 and customers(domain)["with_email"] == 1


def test_a_reset_by_sms_proves_the_phone_and_counts_a_login(domain: Domain, outbox) -> None:
    domain.create("9800000001")
    assert customers(domain)["with_login"] == 0
    domain.forgot(email=None, phone="9800000001")
    domain.password_sign_in.reset(reset_token_in(outbox("+919800000001")), "a brand new password")
    assert customers(domain)["with_login"] == 1


def test_staff_count_by_canonical_role(domain: Domain) -> None:
    domain.staff.create(NewStaff(email="d1@example.com", role="delivery_boy"))
    domain.staff.create(NewStaff(email="d2@example.com", role="delivery_person"))
    domain.staff.create(NewStaff(email="s@example.com", role="supplier"))
    assert current(domain)["staff"] == {"by_role": {"delivery_person": 2, "supplier": 1}}


def test_bookings_count_until_cancelled_with_their_exact_amounts(domain: Domain) -> None:
    first = domain.bookings.create(NewBooking(customer="9800000001", service="Wash", amount=Decimal("249.50")))
    domain.bookings.create(NewBooking(customer="9800000001", service="Iron", amount=Decimal("0.10")))
    domain.bookings.create(NewBooking(customer="PL1", service="Fold", amount=Decimal("100")))
    assert current(domain)["bookings"] == {"total": 3, "total_spent": "349.60"}
    domain.bookings.set_status(first.booking.booking_id, "completed")
    assert current(domain)["bookings"] == {"total": 3, "total_spent": "349.60"}
    domain.bookings.set_status(first.booking.booking_id, "cancelled")
    assert current(domain)["bookings"] == {"total": 2, "total_spent": "100.10"}
    assert customers(domain)["total"] == 1  # created by the first booking


def test_the_counters_are_spread_over_shards_and_summed(domain: Domain) -> None:
    for i in range(40):
        domain.create(f"98000001{i:02d}")
    shards = boto3.client("dynamodb", region_name="us-east-1").batch_get_item(
        RequestItems={
            TABLE: {"Keys": [{"pk": {"S": pk}, "sk": {"S": sk}} for pk, sk in map(keys.stats_key, range(16))]}
        }
    )["Responses"][TABLE]
    assert len(shards) > 1 and sum(int(s["customers.total"]["N"]) for s in shards) == 40
    assert current(domain)["customers"]["total"] == 40


def test_the_stats_and_numbering_handlers_answer_admins_only(domain: Domain, invoke) -> None:
    domain.create("9800000001")
    status, body = invoke("get_stats")
    assert status == 200 and body["customers"]["total"] == 1 and body["bookings"]["total_spent"] == "0.00"
    status, body = invoke("get_customer_numbers")
    assert (status, body) == (
        200,
        {"next_number": 2, "next_customer_number": "PL2", "last_issued": "PL1", "prefix": "PL"},
    )
    customer = session_token("cus_x")
    for name in ("get_stats", "get_customer_numbers"):
        assert invoke(name, load_event(name), token=customer)[0] == 403


def test_numbering_before_any_customer(domain: Domain) -> None:
    assert domain.numbering.overview().model_dump() == {
        "next_number": 1,
        "next_customer_number": "PL1",
        "last_issued": None,
        "prefix": "PL",
    }


def test_a_backfill_its_crash_resume_and_rerun_leave_the_counters_equal_to_a_scan(
    aws: None, environment: Callable[..., None], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    domain = build_domain()
    generate(tmp_path, persons=40, seed=7)
    domain.create("+919999000001", area="Before")  # a customer the API made before the run
    backfill = Backfill(runtime.config(), writers=1)  # moto in-process is not thread-safe

    def run(run_id: str) -> dict[str, Any]:
        planned = backfill.plan({"source": str(tmp_path), "chunk_size": 15, "run_id": run_id})
        for chunk in json.loads(json.dumps(planned["chunks"])):
            backfill.write(chunk)
        return planned

    monkeypatch.setenv("BACKFILL_FAIL_AFTER_PERSONS", "3")
    with pytest.raises(Exception, match="injected"):
        run("first")
    first = current(domain)  # mid-run: what is written is counted, nothing else
    monkeypatch.delenv("BACKFILL_FAIL_AFTER_PERSONS")
    run("first")  # resumed
    resumed = current(domain)
    assert resumed["customers"]["total"] > first["customers"]["total"]
    assert resumed["bookings"]["total"] > 0 and resumed["review_open"] > 0 and resumed["staff"]["by_role"]
    run("second")  # a rerun: every person is linked to the customer the first run made
    assert current(domain) == resumed
