"""Phones over time: a released phone leaves its customer whole (id, number, bookings, balance, legacy
ids, reachable by every other identifier), goes to a dated history, and is free for a new customer
who gets the next number; the counters equal a scan at every step."""

from collections import Counter
from decimal import Decimal
from typing import Any

import boto3
import pytest

from customer_identity import runtime
from customer_identity.core.errors import CustomerNotFound, NoPhone
from customer_identity.core.models.bookings import NewBooking
from customer_identity.core.models.customers import CustomerChanges, NewCustomer
from customer_identity.core.models.ledger import BalanceAdjustment
from customer_identity.use_cases.sign_in.accounts import LoginAccount
from devserver.capacity import CapacityMeter
from tests.stats_oracle import assert_stats_match_scan
from tests.unit.conftest import TABLE, Domain
from tests.unit.test_ledger import body_event

ADMIN = "stf_unit_admin"


def stats_match_scan() -> dict[str, Any]:
    stats = runtime.dashboard()().model_dump(mode="json")
    return assert_stats_match_scan(stats, boto3.client("dynamodb", region_name="us-east-1"), TABLE)


def release(ref: str = "PL1"):
    return runtime.phone_releases().release(ref, reason="admin", by=ADMIN)


def test_a_released_customer_keeps_everything_but_its_phone(domain: Domain) -> None:
    domain.registration.find_or_create(NewCustomer(phone="9717619183", name="Asha", email="asha@example.com"))
    domain.profiles.attach_legacy_ids("PL1", ["CUST-1"])
    domain.bookings.create(NewBooking(customer="PL1", service="wash", amount="120.50"))
    runtime.ledger().adjust("PL1", BalanceAdjustment(amount="40.00", reason="credit"), by=ADMIN, idempotency_key="k")
    before = domain.resolver.resolve("PL1").item
    released = release()
    assert released.phone is None
    assert [(h.phone, h.reason) for h in released.phone_history] == [("+919717619183", "admin")]
    assert released.phone_history[0].held_from == before.created_at
    for ref in ("PL1", before.customer_id, "asha@example.com", "CUST-1"):
        found = domain.resolver.resolve(ref).item
        assert (found.customer_id, found.phone, found.total_bookings, found.balance) == (
            before.customer_id,
            None,
            1,
            Decimal("40.00"),
        )
    with pytest.raises(CustomerNotFound):
        domain.resolver.resolve("9717619183")
    # still bookable, editable and creditable by its other identifiers
    domain.bookings.create(NewBooking(customer="PL1", service="iron", amount="10.00"))
    domain.profiles.update("asha@example.com", CustomerChanges(name="Asha R"))
    runtime.ledger().adjust("PL1", BalanceAdjustment(amount="-5.00", reason="x"), by=ADMIN, idempotency_key="k2")
    again = domain.resolver.resolve("PL1").item
    assert (again.name, again.total_bookings, again.balance) == ("Asha R", 2, Decimal("35.00"))
    stats = stats_match_scan()
    assert stats["customers"]["without_phone"] == 1 and stats["phones_released"] == 1


def test_the_phone_is_free_for_a_new_customer_with_the_next_number(domain: Domain) -> None:
    domain.registration.find_or_create(NewCustomer(phone="9717619183"))
    domain.registration.find_or_create(NewCustomer(phone="9800000003"))
    release()
    created = domain.registration.find_or_create(NewCustomer(phone="9717619183", name="New owner"))
    assert created.created and created.customer.customer_number == "PL3"
    assert domain.resolver.resolve("PL1").item.phone is None
    history = runtime.phone_releases().history("9717619183")
    assert [(h.customer_number, h.held_until is None, h.reason) for h in history.holders] == [
        ("PL1", False, "admin"),
        ("PL3", True, None),
    ]
    stats = stats_match_scan()
    assert stats["customers"]["total"] == 3 and stats["customers"]["without_phone"] == 1


def test_a_customer_without_a_phone_cannot_release_again_and_can_take_a_phone_back(domain: Domain) -> None:
    domain.registration.find_or_create(NewCustomer(phone="9717619183"))
    release()
    with pytest.raises(NoPhone):
        release()
    domain.profiles.update("PL1", CustomerChanges(phone="9800000011"))
    assert domain.resolver.resolve("9800000011").item.customer_number == 1
    stats = stats_match_scan()
    assert stats["customers"]["without_phone"] == 0 and stats["phones_released"] == 1


def test_the_routes_answer_as_documented(invoke) -> None:
    invoke("create_customer")
    status, answer = invoke("release_phone")
    assert status == 200 and answer["customer"]["phone"] is None, answer
    assert answer["customer"]["phone_history"][0]["phone"] == "+919717619183"
    assert invoke("release_phone")[0] == 409
    status, history = invoke("get_phone_history")
    assert status == 200 and [h["customer_number"] for h in history["holders"]] == ["PL1"]
    delivery = runtime.staff().ensure(email="driver@example.com", role="delivery_person", name="Driver")
    token = runtime.accounts().token_for(delivery, "local").token
    assert invoke("release_phone", token=token)[0] == 403
    assert invoke("get_phone_history", token=token)[0] == 403
    assert invoke("release_my_phone", token=token)[0] == 403
    assert invoke("release_my_phone")[0] == 403  # an admin has no customer of its own


def test_a_customer_releases_its_own_phone(invoke) -> None:
    invoke("create_customer", body_event("create_customer", {"phone": "9800000003"}))
    own = runtime.resolver().resolve("9800000003").item
    token = runtime.accounts().token_for(LoginAccount(customer=own), "otp").token
    status, answer = invoke("release_my_phone", token=token)
    assert (
        status == 200 and answer["customer"]["customer_id"] == own.customer_id and answer["customer"]["phone"] is None
    )
    assert answer["customer"]["phone_history"][0]["reason"] == "self"
    status, me = invoke("get_me", token=token)
    assert status == 200 and me["customer"]["phone"] is None


def measured(action) -> Counter[str]:
    """The DynamoDB requests ``action`` sends, as devserver/capacity.py's meter counts them (bench/cost.py)."""
    meter = CapacityMeter()
    meter.install()
    try:
        action()
        return meter.requests()  # the service's requests (the meter's own size reads are not counted)
    finally:
        meter.uninstall()


def test_request_counts_of_a_release_and_of_the_recycling_check(domain: Domain, outbox) -> None:
    """docs/phones.md: a release by number is 2 GetItem + 1 TransactWriteItems; a code for a dormant
    customer costs the usual verify (2 UpdateItem of the code, 1 BatchGetItem) plus 1 PutItem."""
    from customer_identity.storage import keys as storage_keys
    from customer_identity.storage.entities import CustomerItem
    from tests.unit.conftest import TEST_IP, code_in

    domain.registration.find_or_create(NewCustomer(phone="9717619183", email="asha@example.com"))
    release_counts = measured(lambda: release("PL1"))
    assert release_counts == Counter({"GetItem": 2, "TransactWriteItems": 1}), release_counts
    domain.registration.find_or_create(NewCustomer(phone="9800000003"))
    CustomerItem(*storage_keys.phone_key("+919800000003")).update(
        actions=[CustomerItem.last_activity_at.set("2025-01-01T00:00:00.000Z")]
    )
    domain.phone_sign_in.request("+919800000003", source_ip=TEST_IP)
    code = code_in(outbox("+919800000003"))
    check_counts = measured(lambda: domain.phone_sign_in.verify("+919800000003", code))
    assert check_counts == Counter({"UpdateItem": 2, "BatchGetItem": 1, "PutItem": 1}), check_counts
    print(f"\nrelease: {dict(release_counts)}; recycling check: {dict(check_counts)}")


def test_a_phone_change_dates_the_old_holding_too(domain: Domain) -> None:
    domain.registration.find_or_create(NewCustomer(phone="9717619183"))
    moved = domain.profiles.update("PL1", CustomerChanges(phone="9800000011"))
    assert [(h.phone, h.reason) for h in moved.phone_history] == [("+919717619183", "changed")]
    holders = runtime.phone_releases().history("9717619183").holders
    assert [(h.customer_number, h.reason) for h in holders] == [("PL1", "changed")]
    assert runtime.phone_releases().history("9800000011").holders[0].held_from == moved.phone_history[0].held_until
    assert stats_match_scan()["phones_released"] == 1
