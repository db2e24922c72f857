"""Bookings over HTTP: concurrent bookings on a brand-new phone, exact totals, idempotent retries."""

import itertools
import uuid
from decimal import Decimal
from urllib.parse import quote

import httpx
import pytest

from tests.integration.test_races import concurrently

pytestmark = pytest.mark.integration
_phones = itertools.count(9_300_000_000)


def test_50_concurrent_bookings_for_a_new_phone_make_one_customer_with_exact_totals(
    base_url: str, admin: httpx.Client
) -> None:
    digits = str(next(_phones))
    shapes = [digits, f"0{digits}", f"91{digits}", f"+91 {digits[:5]} {digits[5:]}", f"user_{digits}"]
    amounts = [Decimal("0.10") + Decimal(i) / 100 for i in range(50)]  # 0.10 .. 0.59
    responses = concurrently(
        50,
        lambda i: admin.post(
            f"{base_url}/bookings",
            json={"customer": shapes[i % len(shapes)], "service": "Milk 1L", "amount": str(amounts[i])},
            timeout=120,
        ),
    )
    assert [r.status_code for r in responses] == [201] * 50, [r.text for r in responses if r.status_code != 201][:2]
    assert len({r.json()["booking"]["customer_id"] for r in responses}) == 1
    assert sum(r.json()["customer_created"] for r in responses) == 1
    customer = admin.get(f"{base_url}/customers/{digits}").json()["customer"]
    assert customer["total_bookings"] == 50
    assert Decimal(customer["total_spent"]) == sum(amounts) == Decimal("17.25")
    history = admin.get(f"{base_url}/customers/{customer['customer_number']}/bookings", params={"limit": 100}).json()
    assert len(history["items"]) == 50 and history["next_cursor"] is None


def test_the_same_idempotency_key_sent_10_times_concurrently_books_once(base_url: str, admin: httpx.Client) -> None:
    digits, key = str(next(_phones)), str(uuid.uuid4())
    body = {"customer": digits, "service": "Haircut", "amount": "300.00"}
    responses = concurrently(
        10, lambda i: admin.post(f"{base_url}/bookings", json=body, headers={"Idempotency-Key": key}, timeout=120)
    )
    assert [r.status_code for r in responses] == [201] * 10, [r.text for r in responses][:2]
    assert len({r.json()["booking"]["booking_id"] for r in responses}) == 1
    customer = admin.get(f"{base_url}/customers/{digits}").json()["customer"]
    assert (customer["total_bookings"], customer["total_spent"]) == (1, "300.00")
    reused = admin.post(f"{base_url}/bookings", json=body | {"amount": "1.00"}, headers={"Idempotency-Key": key})
    assert (reused.status_code, reused.json()["error"]["code"]) == (422, "idempotency_key_reused")


def test_money_is_exact_and_bad_amounts_are_refused(api: httpx.Client) -> None:
    digits = str(next(_phones))
    for amount in ("0.10", 0.2):
        assert api.post("/bookings", json={"customer": digits, "service": "x", "amount": amount}).status_code == 201
    assert api.get(f"/customers/{digits}").json()["customer"]["total_spent"] == "0.30"
    for amount in (10.005, -1, "ten"):
        response = api.post("/bookings", json={"customer": digits, "service": "x", "amount": amount})
        assert (response.status_code, response.json()["error"]["code"], response.json()["error"]["field"]) == (
            422,
            "invalid_amount",
            "amount",
        )
    missing = api.post("/bookings", json={"customer": "CUST-unknown", "service": "x", "amount": 1})
    assert (missing.status_code, missing.json()["error"]["code"]) == (404, "customer_not_found")


def test_history_through_every_reference_and_cancel_adjusts_totals(api: httpx.Client) -> None:
    digits = str(next(_phones))
    made = [
        api.post("/bookings", json={"customer": digits, "service": "x", "amount": f"{i}.00"}).json() for i in (1, 2, 3)
    ]
    customer = api.get(f"/customers/{digits}").json()["customer"]
    expected = [b["booking"]["booking_id"] for b in made][::-1]
    for ref in (digits, f"user_{digits}", f"+91 {digits}", customer["customer_number"], customer["customer_id"]):
        items = api.get(f"/customers/{quote(ref, safe='')}/bookings").json()["items"]
        assert [b["booking_id"] for b in items] == expected, ref
    cancelled = api.patch(f"/bookings/{made[2]['booking']['booking_id']}", json={"status": "cancelled"})
    assert cancelled.status_code == 200 and cancelled.json()["booking"]["status"] == "cancelled"
    after = api.get(f"/customers/{digits}").json()["customer"]
    assert (after["total_bookings"], after["total_spent"]) == (2, "3.00")
    again = api.patch(f"/bookings/{made[2]['booking']['booking_id']}", json={"status": "completed"})
    assert (again.status_code, again.json()["error"]["code"]) == (409, "invalid_transition")
