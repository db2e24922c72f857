"""Merges over real HTTP on DynamoDB Local: a round trip with a crash midway, concurrent merges, sign-in."""

import itertools
import re
import threading
from concurrent.futures import ThreadPoolExecutor
from decimal import Decimal
from pathlib import Path
from typing import Any

import httpx
import pytest

from devserver.process import local_server
from devserver.server import local_signing_key, running_server_endpoint
from tests.integration.conftest import authorized

pytestmark = pytest.mark.integration

_phones = itertools.count(9_450_000_001)
BOOKINGS = 110  # more than one transaction can move (100 operations): several batches


def new_phone() -> str:
    return f"+91{next(_phones)}"


def customer(api: httpx.Client, **fields: Any) -> dict[str, Any]:
    response = api.post("/customers", json={"phone": new_phone(), **fields})
    assert response.status_code == 201, response.text
    return response.json()["customer"]


def book_many(api: httpx.Client, ref: str, amounts: list[str]) -> None:
    def one(amount: str) -> None:
        response = api.post("/bookings", json={"customer": ref, "service": "Ironing", "amount": amount})
        assert response.status_code == 201, response.text

    with ThreadPoolExecutor(8) as pool:
        list(pool.map(one, amounts))


def merges_of(api: httpx.Client, ref: str) -> list[dict[str, Any]]:
    response = api.get("/admin/merges", params={"customer": ref})
    assert response.status_code == 200, response.text
    return response.json()["items"]


def test_merge_and_undo_round_trip_exactly_even_after_a_crash_midway(
    api: httpx.Client, data_dir: Path, admin_token: str, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    merged = customer(api, name="Sita Kumar", email=f"sita.{next(_phones)}@example.com", area="Indiranagar")
    survivor = customer(api, name="Sita K")
    amounts = [f"{i % 7}.{i % 100:02d}" for i in range(BOOKINGS)]
    book_many(api, merged["customer_number"], amounts)
    book_many(api, survivor["customer_number"], ["10.00", "0.01"])
    cancelled = api.get(f"/customers/{merged['customer_number']}/bookings", params={"limit": 1}).json()["items"][0]
    assert api.patch(f"/bookings/{cancelled['booking_id']}", json={"status": "cancelled"}).status_code == 200
    merged_before = api.get(f"/customers/{merged['customer_id']}")
    survivor_before = api.get(f"/customers/{survivor['customer_id']}").json()
    expected_count = BOOKINGS - 1 + 2
    expected_spent = sum((Decimal(a) for a in amounts), Decimal("10.01")) - Decimal(cancelled["amount"])

    # A server whose merges fail after 2 batches (60 bookings), like a Lambda that timed out.
    monkeypatch.setenv("MERGE_FAIL_AFTER_BATCHES", "2")
    monkeypatch.setenv("JWT_SIGNING_KEY", local_signing_key(data_dir))  # the shared server's tokens work there
    endpoint = running_server_endpoint(data_dir)
    with local_server(tmp_path / "faulty", endpoint=endpoint) as url, authorized(admin_token, url) as faulty:
        crashed = faulty.post(f"/admin/customers/{merged['phone']}/merge", json={"into": survivor["phone"]})
    assert crashed.status_code == 500, crashed.text
    [moving] = merges_of(api, merged["customer_id"])
    assert moving["state"] == "moving" and moving["moved"]["bookings"] == 60
    midway = api.get(f"/customers/{merged['customer_number']}").json()
    assert midway["resolved_from"] == "merged" and midway["customer"]["customer_id"] == survivor["customer_id"]
    history = api.get(f"/customers/{survivor['customer_number']}/bookings", params={"limit": 100}).json()["items"]
    assert len(history) == 62  # the survivor's 2 and the 60 moved so far; its totals count exactly those
    live = [b for b in history if b["status"] != "cancelled"]
    assert midway["customer"]["total_bookings"] == len(live)
    assert Decimal(midway["customer"]["total_spent"]) == sum(Decimal(b["amount"]) for b in live)

    again = api.post(f"/admin/customers/{merged['customer_number']}/merge", json={"into": survivor["customer_id"]})
    assert again.status_code == 409 and again.json()["error"]["code"] == "customer_merged_away"
    [done] = merges_of(api, survivor["customer_number"])
    assert (done["state"], done["moved"]["bookings"], done["merge_id"]) == ("completed", BOOKINGS, moving["merge_id"])
    for ref in (merged["customer_id"], merged["customer_number"], merged["phone"], merged["email"]):
        found = api.get(f"/customers/{ref}").json()
        assert found["resolved_from"] == "merged" and found["customer"]["customer_id"] == survivor["customer_id"]
        assert found["customer"]["total_bookings"] == expected_count
        assert Decimal(found["customer"]["total_spent"]) == expected_spent
    listed = api.get("/customers", params={"area": "Indiranagar", "limit": 100}).json()["items"]
    assert merged["customer_id"] not in {c["customer_id"] for c in listed}

    undone = api.post(f"/admin/merges/{done['merge_id']}/undo")
    assert undone.status_code == 200 and undone.json()["merge"]["state"] == "undone", undone.text
    after = api.get(f"/customers/{merged['customer_id']}")
    assert after.content == merged_before.content  # byte-equal, updated_at included
    assert api.get(f"/customers/{survivor['customer_id']}").json() == survivor_before
    history = api.get(f"/customers/{merged['customer_id']}/bookings", params={"limit": 100}).json()
    assert {b["customer_id"] for b in history["items"]} == {merged["customer_id"]} and history["next_cursor"]
    twice = api.post(f"/admin/merges/{done['merge_id']}/undo")
    assert twice.status_code == 409 and twice.json()["error"]["code"] == "merge_already_undone"


def test_concurrent_merges_of_one_pair_in_both_directions_have_exactly_one_winner(api: httpx.Client) -> None:
    first, second = customer(api), customer(api)
    book_many(api, first["customer_number"], ["1.00"] * 5)
    book_many(api, second["customer_number"], ["2.00"] * 3)
    threads = 12
    barrier = threading.Barrier(threads)

    def merge(i: int) -> httpx.Response:
        source, target = (first, second) if i % 2 else (second, first)
        barrier.wait()
        return api.post(f"/admin/customers/{source['customer_id']}/merge", json={"into": target["customer_number"]})

    with ThreadPoolExecutor(threads) as pool:
        responses = list(pool.map(merge, range(threads)))
    codes = sorted(r.status_code for r in responses)
    assert codes == [200] + [409] * (threads - 1), [r.text for r in responses if r.status_code not in (200, 409)]
    winner = next(r.json()["merge"] for r in responses if r.status_code == 200)
    refused = {r.json()["error"]["code"] for r in responses if r.status_code == 409}
    assert refused <= {"customer_merged_away", "survivor_merged_away"}
    assert winner["state"] == "completed"
    for ref in (first["customer_id"], second["customer_id"]):
        found = api.get(f"/customers/{ref}").json()["customer"]
        assert found["customer_id"] == winner["survivor"]
        assert (found["total_bookings"], found["total_spent"]) == (8, "11.00")
    assert [m["merge_id"] for m in merges_of(api, first["customer_id"])] == [winner["merge_id"]]


def test_the_merged_customers_login_signs_in_as_the_survivor(
    api: httpx.Client, anonymous: httpx.Client, base_url: str
) -> None:
    phone = new_phone()
    assert anonymous.post("/auth/otp/request", json={"phone": phone}).status_code == 202
    code = re.search(
        r"code is (\d{6})", anonymous.get("/dev/outbox", params={"to": phone}).json()["messages"][0]["text"]
    )
    assert code
    signed_in = anonymous.post("/auth/otp/verify", json={"phone": phone, "code": code.group(1)}).json()
    email = f"merged.{next(_phones)}@example.com"
    with authorized(signed_in["token"], base_url) as me:
        credentials = me.put("/me/credentials", json={"email": email, "password": "correct horse battery"})
        assert credentials.status_code == 202, credentials.text  # the email waits for proof of its inbox
        text = anonymous.get("/dev/outbox", params={"to": email}).json()["messages"][0]["text"]
        proof = re.search(r"confirmation token is (\S+)", text)
        assert proof
        confirmed = me.put("/me/credentials", json={"email_token": proof.group(1)})
        assert confirmed.status_code == 200, confirmed.text
    survivor = customer(api)
    merge = api.post(f"/admin/customers/{email}/merge", json={"into": survivor["customer_number"]})
    assert merge.status_code == 200, merge.text

    login = anonymous.post("/auth/login", json={"email": email, "password": "correct horse battery"})
    assert login.status_code == 200, login.text
    with authorized(login.json()["token"], base_url) as me:
        assert me.get("/me").json()["customer"]["customer_id"] == survivor["customer_id"]
    assert anonymous.post("/auth/otp/request", json={"phone": phone}).status_code == 202
    code = re.search(
        r"code is (\d{6})", anonymous.get("/dev/outbox", params={"to": phone}).json()["messages"][0]["text"]
    )
    assert code
    verified = anonymous.post("/auth/otp/verify", json={"phone": phone, "code": code.group(1)})
    assert verified.status_code == 200 and verified.json()["customer"]["customer_id"] == survivor["customer_id"]
    with authorized(verified.json()["token"], base_url) as me:
        assert me.get("/me").json()["account"]["account_id"] == survivor["customer_id"]
