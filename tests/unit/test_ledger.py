"""Balances as an exact ledger: adjustments posted once per Idempotency-Key, the balance always the
sum of the entries, merges moving it as a pair of entries and undos reversing them, and the
business's total balance equal to a scan at every step."""

import json
from decimal import Decimal
from typing import Any

import boto3
import pytest

from customer_identity import runtime
from customer_identity.core.errors import CustomerNotFound, IdempotencyKeyReused
from customer_identity.core.models.ledger import BalanceAdjustment
from tests.stats_oracle import assert_stats_match_scan
from tests.unit.conftest import TABLE, Domain, load_event

ADMIN = "stf_unit_admin"


def adjust(amount: str, key: str, ref: str = "PL1", reason: str = "milk, November"):
    return runtime.ledger().adjust(ref, BalanceAdjustment(amount=amount, reason=reason), by=ADMIN, idempotency_key=key)


def balance(ref: str) -> Decimal:
    return runtime.ledger().page(ref, limit=100, cursor=None).balance


def stats_match_scan() -> dict[str, Any]:
    stats = runtime.dashboard()().model_dump(mode="json")
    return assert_stats_match_scan(stats, boto3.client("dynamodb", region_name="us-east-1"), TABLE)


def test_adjustments_post_entries_and_the_balance_is_their_exact_sum(domain: Domain) -> None:
    domain.create("9717619183")
    adjust("100.10", "k1")
    adjust("-0.30", "k2")
    adjust("0.20", "k3")
    page = runtime.ledger().page("PL1", limit=2, cursor=None)
    assert page.balance == Decimal("100.00")
    assert [str(entry.amount) for entry in page.items] == ["0.20", "-0.30"]  # newest first
    rest = runtime.ledger().page("PL1", limit=2, cursor=page.next_cursor)
    assert [str(entry.amount) for entry in rest.items] == ["100.10"] and rest.next_cursor is None
    assert all(entry.kind == "adjustment" and entry.created_by == ADMIN for entry in page.items + rest.items)
    assert domain.resolver.resolve("PL1").item.balance == Decimal("100.00")
    assert stats_match_scan()["total_balance"] == "100.00"


def test_a_retry_with_the_same_key_posts_nothing_more(domain: Domain) -> None:
    domain.create("9717619183")
    first = adjust("-120.50", "retry-me")
    again = adjust("-120.50", "retry-me")
    assert again.entry == first.entry
    assert balance("PL1") == Decimal("-120.50")
    with pytest.raises(IdempotencyKeyReused):
        adjust("-99.00", "retry-me")
    assert len(runtime.ledger().page("PL1", limit=100, cursor=None).items) == 1


def test_an_unknown_customer_is_not_found_and_nothing_is_posted(domain: Domain) -> None:
    with pytest.raises(CustomerNotFound):
        adjust("5", "k", ref="PL9")
    assert stats_match_scan()["total_balance"] == "0.00"


def test_a_merge_moves_the_balance_as_two_entries_and_its_undo_reverses_them(domain: Domain) -> None:
    domain.create("9717619183")
    domain.create("9811122233")
    adjust("250.00", "a", ref="PL1")
    adjust("-40.25", "b", ref="PL2")
    merge = runtime.merges().merge("PL1", "PL2", by=ADMIN)
    assert merge.moved.balance == Decimal("250.00")
    assert balance("PL2") == Decimal("209.75")
    merged = domain.resolver.resolve("PL1", follow_merges=False).item
    assert merged.balance == Decimal("0")
    kinds = [entry.kind for entry in runtime.ledger().page("PL2", limit=100, cursor=None).items]
    assert kinds == ["merge_in", "adjustment"]
    assert stats_match_scan()["total_balance"] == "209.75"  # unchanged by the merge
    runtime.merges().undo(merge.merge_id, by=ADMIN)
    assert balance("PL1") == Decimal("250.00")
    assert balance("PL2") == Decimal("-40.25")
    entries = runtime.ledger().page("PL1", limit=100, cursor=None).items
    assert [(entry.kind, str(entry.amount)) for entry in entries] == [
        ("reversal", "250.00"),
        ("merge_out", "-250.00"),
        ("adjustment", "250.00"),
    ]
    assert entries[0].reverses == entries[1].entry_id
    assert stats_match_scan()["total_balance"] == "209.75"  # unchanged by the undo


def test_a_merged_away_customer_takes_no_entry(domain: Domain) -> None:
    domain.create("9717619183")
    domain.create("9811122233")
    runtime.merges().merge("PL1", "PL2", by=ADMIN)
    adjust("10", "after-merge", ref="PL1")  # PL1 forwards to PL2: the entry lands on the survivor
    assert balance("PL2") == Decimal("10.00")
    assert domain.resolver.resolve("PL1", follow_merges=False).item.balance in (None, Decimal("0"))
    stats_match_scan()


def body_event(name: str, body: dict[str, Any] | None = None, **headers: str) -> dict[str, Any]:
    event = load_event(name)
    if body is not None:
        event["body"] = json.dumps(body)
    for header, value in headers.items():
        event["headers"][header] = value
        event["multiValueHeaders"][header] = [value]
    return event


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"amount": "0", "reason": "x"}, "amount"),
        ({"amount": "1.005", "reason": "x"}, "amount"),
        ({"amount": 5, "reason": "x"}, "amount"),
        ({"amount": "1e3", "reason": "x"}, "amount"),
        ({"amount": "5"}, "reason"),
        ({"amount": "5", "reason": "x", "extra": 1}, "extra"),
    ],
)
def test_a_bad_adjustment_is_a_422_naming_the_field(invoke, body: dict[str, Any], field: str) -> None:
    invoke("create_customer")
    status, answer = invoke("adjust_balance", body_event("adjust_balance", body))
    assert status == 422, answer
    assert answer["error"]["field"].split(".")[0] == field


def test_the_routes_answer_as_documented_and_only_admins_adjust(invoke) -> None:
    invoke("create_customer")
    status, answer = invoke("adjust_balance")
    assert status == 201 and answer["balance"] == "-120.50"
    status, again = invoke("adjust_balance")  # the sample's Idempotency-Key again
    assert status == 201 and again == answer
    status, page = invoke("get_customer_ledger")
    assert status == 200 and page["balance"] == "-120.50" and len(page["items"]) == 1
    status, found = invoke("get_customer")
    assert found["customer"]["balance"] == "-120.50"
    delivery = runtime.staff().ensure(email="driver@example.com", role="delivery_person", name="Driver")
    token = runtime.accounts().token_for(delivery, "local").token
    assert invoke("get_customer_ledger", token=token)[0] == 403
    assert invoke("adjust_balance", token=token)[0] == 403


def test_a_merge_of_differing_prices_keeps_the_survivors_and_names_every_difference(domain: Domain) -> None:
    domain.create("9717619183", custom_product_prices={"milk-1l": "62.00", "curd": "40", "paneer": "90.5"})
    domain.create("9811122233", custom_product_prices={"milk-1l": "60.00", "curd": "40.00", "ghee": "550"})
    merge = runtime.merges().merge("PL1", "PL2", by=ADMIN)
    survivor = runtime.lookup_reader().find("PL2").customer
    assert {k: str(v) for k, v in survivor.custom_product_prices.items()} == {
        "milk-1l": "60.00",
        "curd": "40.00",
        "ghee": "550.00",
    }
    page = runtime.review_queue_reader().page(reason="price_conflict", limit=10, cursor=None)
    assert [item.review_id for item in page.items] == [f"price_conflicts:{merge.merge_id}"]
    row = page.items[0].row
    assert isinstance(row, dict) and row["survivor_id"] == survivor.customer_id
    assert row["products"] == [  # curd agrees (40 = 40.00): not named
        {"product_id": "ghee", "survivor_price": "550.00", "merged_price": None},
        {"product_id": "milk-1l", "survivor_price": "60.00", "merged_price": "62.00"},
        {"product_id": "paneer", "survivor_price": None, "merged_price": "90.50"},
    ]
    assert stats_match_scan()["review_open"] == 1

    runtime.merges().undo(merge.merge_id, by=ADMIN)
    restored = runtime.lookup_reader().find("PL1").customer
    assert {k: str(v) for k, v in restored.custom_product_prices.items()} == {
        "milk-1l": "62.00",
        "curd": "40.00",
        "paneer": "90.50",
    }
    assert runtime.review_queue_reader().page(reason="price_conflict", limit=10, cursor=None).items == []
    dismissed = runtime.review_queue_reader().page(status="dismissed", limit=10, cursor=None).items
    assert [item.resolution.note for item in dismissed if item.resolution] == [
        "the merge was undone: each customer has its own prices again"
    ]
    assert stats_match_scan()["review_open"] == 0


def test_a_merge_of_agreeing_prices_writes_no_review_item(domain: Domain) -> None:
    domain.create("9717619183", custom_product_prices={"milk-1l": "62"})
    domain.create("9811122233", custom_product_prices={"milk-1l": "62.00"})
    runtime.merges().merge("PL1", "PL2", by=ADMIN)
    assert runtime.review_queue_reader().page(limit=10, cursor=None).items == []
