"""The linkage audit's examples and the background alias check (moto)."""

from __future__ import annotations

from typing import Any

import pytest

from customer_identity import runtime
from customer_identity.core.errors import AliasCheckRunning
from customer_identity.core.models.accounts import NewStaff
from customer_identity.storage import audit as stored_audit
from customer_identity.storage import keys
from customer_identity.storage.entities import AliasItem, CustomerItem
from customer_identity.use_cases.admin.alias_check import AliasCheck
from tests.unit.conftest import Domain, reset_token_in


class Workers:
    """Lambda's asynchronous invocations, queued and then run one by one (with a short time budget)."""

    def __init__(self) -> None:
        self.queued: list[dict[str, Any]] = []
        self.check = AliasCheck(self.queued.append)

    def drain(self, *, remaining_ms: int = 10**6) -> int:
        invocations = 0
        while self.queued:
            event = self.queued.pop(0)
            invocations += 1
            if self.check.work(event["run_id"], event["segment"], remaining_ms=lambda: remaining_ms):
                self.queued.append(event)  # handed on, as the worker does
        return invocations


def test_a_fresh_table_has_no_alias_check_yet(domain: Domain) -> None:
    assert runtime.audit().report().aliases.state == "never_run"


def test_the_alias_check_counts_every_marker_and_finds_none_pointing_nowhere(domain: Domain) -> None:
    first = domain.create("9717619183", email="sita@example.com").customer
    domain.create("9717619184")
    domain.profiles.attach_legacy_ids(first.customer_id, ["user_9717619183", "CUST-7"])
    domain.staff.create(NewStaff(email="ravi@example.com", role="delivery_person"))
    workers = Workers()
    started = workers.check.start(by="stf_admin")
    assert started.state == "running"
    workers.drain()
    result = workers.check.latest()
    # 2 customers x (id + number) + 1 customer email + 2 legacy ids + 1 staff email
    assert (result.state, result.markers_checked, result.dangling, result.mismatched) == ("completed", 8, 0, 0)
    assert result.completed_at is not None


def test_the_alias_check_reports_dangling_and_mismatched_markers(domain: Domain) -> None:
    customer = domain.create("9717619183").customer
    AliasItem(
        *keys.number_key(999),
        kind="customer_number",
        customer_id="cus_gone",
        phone="+910000000000",
        created_at="2026-01-01T00:00:00Z",
    ).save()
    AliasItem(
        *keys.legacy_key("CUST-9"),
        kind="legacy_id",
        customer_id=customer.customer_id,
        phone=customer.phone,
        created_at="2026-01-01T00:00:00Z",
    ).save()
    workers = Workers()
    workers.check.start(by="stf_admin")
    workers.drain()
    result = workers.check.latest()
    assert (result.dangling, result.mismatched) == (1, 1)
    problems = {(example.marker, example.problem) for example in result.examples}
    assert problems == {("NUMBER#999", "customer_missing"), ("LEGACY#CUST-9", "customer_does_not_hold_it")}
    assert runtime.audit().report().aliases.dangling == 1


def test_a_segment_handed_on_page_by_page_counts_each_page_once(
    domain: Domain, monkeypatch: pytest.MonkeyPatch
) -> None:
    for n in range(30):
        domain.create(f"97176191{n:02d}")
    monkeypatch.setattr("customer_identity.use_cases.admin.alias_check.PAGE_SIZE", 7)
    workers = Workers()
    workers.check.start(by="stf_admin")
    invocations = workers.drain(remaining_ms=0)  # every invocation hands on after one page
    result = workers.check.latest()
    assert (result.state, result.markers_checked, result.dangling) == ("completed", 60, 0)
    assert invocations > 4  # the segments really were continued by new invocations


def test_a_retried_page_is_not_counted_twice(domain: Domain) -> None:
    workers = Workers()
    run = workers.check.start(by="stf_admin")
    assert run.run_id is not None

    def page() -> int | None:
        return stored_audit.record_page(
            run_id=run.run_id,
            segment=0,
            expected_cursor="",
            next_cursor="x",
            checked=5,
            dangling=0,
            mismatched=0,
            examples=[],
            now=0.0,
        )

    assert page() == 4
    assert page() is None  # the retry finds the cursor moved on
    assert workers.check.latest().markers_checked == 5


def test_a_second_check_cannot_start_while_one_runs(domain: Domain) -> None:
    workers = Workers()
    workers.check.start(by="stf_admin")
    with pytest.raises(AliasCheckRunning):
        workers.check.start(by="stf_admin")
    workers.drain()
    assert workers.check.start(by="stf_admin").state == "running"  # finished: a new one may start


def test_audit_examples_come_from_the_linkage_indexes(domain: Domain) -> None:
    no_login = domain.create("9717619183", name="Sita").customer
    with_email = domain.create("9717619184", email="ravi@example.com").customer
    report = runtime.audit().report()
    cannot = {example.customer_id for example in report.cannot_sign_in.examples}
    assert {no_login.customer_id, with_email.customer_id} <= cannot
    without_email = {example.customer_id for example in report.without_email.examples}
    assert no_login.customer_id in without_email and with_email.customer_id not in without_email
    assert report.without_number.count == 0
    assert [e.customer_number for e in report.cannot_sign_in.examples][:2] == ["PL1", "PL2"]


def test_a_create_in_flight_is_a_customer_without_a_number(domain: Domain) -> None:
    claim = CustomerItem(
        phone="+919717619199",
        customer_id="cus_claim",
        status="active",
        created_at="2026-01-01T00:00:00Z",
        updated_at="2026-01-01T00:00:00Z",
        pending_since=0,
    )
    claim.save()
    report = runtime.audit().report()
    assert report.without_number.count == 1
    assert [example.customer_id for example in report.without_number.examples] == ["cus_claim"]


def test_a_reset_by_sms_takes_the_customer_out_of_the_cannot_sign_in_examples(domain: Domain, outbox) -> None:
    customer = domain.create("9717619183", name="Sita").customer
    other = domain.create("9717619184", name="Ravi").customer
    assert {e.customer_id for e in runtime.audit().report().cannot_sign_in.examples} == {
        customer.customer_id,
        other.customer_id,
    }
    domain.forgot(email=None, phone="9717619183")
    domain.password_sign_in.reset(reset_token_in(outbox(customer.phone)), "a brand new password")
    report = runtime.audit().report()
    assert report.cannot_sign_in.count == 1
    assert [e.customer_id for e in report.cannot_sign_in.examples] == [other.customer_id]
    assert {e.customer_id for e in report.without_email.examples} == {customer.customer_id, other.customer_id}


def test_customers_of_a_deactivated_delivery_person_appear_in_the_audit(domain: Domain) -> None:
    from customer_identity.core.models.accounts import StaffChanges
    from customer_identity.core.models.customers import CustomerChanges

    admin = domain.staff.create(NewStaff(email="boss@example.com", role="admin"))
    rider = domain.staff.create(NewStaff(email="ravi@example.com", role="delivery_person"))
    customer = domain.create("9717619183").customer
    domain.profiles.update(customer.customer_id, CustomerChanges(delivery_person_id=rider.account_id), authorize=None)
    assert runtime.audit().report().deactivated_delivery_persons.items == []
    boss = runtime.sessions().authenticate(
        runtime.accounts().token_for(runtime.accounts().by_email("boss@example.com"), "pwd").token
    )
    runtime.staff_management().update(boss, rider.account_id, StaffChanges(active=False))
    stranded = runtime.audit().report().deactivated_delivery_persons.items
    assert [entry.delivery_person.account_id for entry in stranded] == [rider.account_id]
    assert [c.customer_id for c in stranded[0].customers.items] == [customer.customer_id]
    del admin
