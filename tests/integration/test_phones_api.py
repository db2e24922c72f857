"""Phones over time over HTTP against the local server: junk phones refused by every route; a released
phone re-used by a new person (the next number; the old customer keeps everything); a dormant
customer's phone code opening nothing until proof, "I am new" giving a fresh customer and a review
item; 32 concurrent sign-ins on a released phone, and 32 concurrent "I am new", giving one customer."""

import itertools
import re
import threading
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any
from urllib.parse import quote

import httpx
import pytest

from devserver.process import local_server, mint_token
from tests.integration.conftest import UNLIMITED, authorized
from tests.stats_oracle import assert_stats_match_scan, local_table

pytestmark = pytest.mark.integration
_phones = itertools.count(9_720_000_001)
LONG_AGO = "2025-01-01T00:00:00.000Z"


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, Path]]:
    data = tmp_path_factory.mktemp("phones-data")
    with local_server(data) as url:
        yield url, data


@pytest.fixture(scope="module")
def admin(served: tuple[str, Path]) -> Iterator[httpx.Client]:
    url, data = served
    with authorized(mint_token(data, "admin"), url) as client:
        yield client


@pytest.fixture
def anonymous(served: tuple[str, Path]) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=served[0], timeout=120, limits=UNLIMITED) as client:
        yield client


def new_phone() -> str:
    return f"+91{next(_phones)}"


def concurrently(count: int, request: Any) -> list[httpx.Response]:
    barrier = threading.Barrier(count)

    def run(i: int) -> httpx.Response:
        barrier.wait()
        return request(i)

    with ThreadPoolExecutor(count) as pool:
        return list(pool.map(run, range(count)))


def code_for(client: httpx.Client, to: str) -> str:
    if to.startswith("+"):
        assert client.post("/auth/otp/request", json={"phone": to}).status_code == 202
    messages = client.get("/dev/outbox", params={"to": to}).json()["messages"]
    found = re.search(r"\b(\d{6})\b", messages[0]["text"])
    assert found
    return found.group(1)


def verify(client: httpx.Client, phone: str) -> httpx.Response:
    return client.post("/auth/otp/verify", json={"phone": phone, "code": code_for(client, phone)})


def age(data: Path, phone: str) -> None:
    """Time passing: the phone's customer idle since long before PHONE_RECYCLE_DAYS (test setup only)."""
    client, table = local_table(data)
    client.update_item(
        TableName=table,
        Key={"pk": {"S": f"PHONE#{phone}"}, "sk": {"S": "CUSTOMER"}},
        UpdateExpression="SET last_activity_at = :t, updated_at = :t",
        ExpressionAttributeValues={":t": {"S": LONG_AGO}},
    )


def next_number(admin: httpx.Client) -> int:
    return admin.get("/admin/customer-numbers").json()["next_number"]


def scan_agrees(admin: httpx.Client, data: Path) -> dict[str, Any]:
    return assert_stats_match_scan(admin.get("/admin/stats").json(), *local_table(data))


@pytest.mark.parametrize("junk", ["0000000000", "9999999999", "1234567890", "98765", "+91 99999 99999"])
def test_junk_phones_are_refused_by_every_route(admin: httpx.Client, anonymous: httpx.Client, junk: str) -> None:
    someone = admin.post("/customers", json={"phone": new_phone()}).json()["customer"]
    answers = {
        "create": (admin.post("/customers", json={"phone": junk}), "phone"),
        "update": (admin.patch(f"/customers/{someone['customer_number']}", json={"phone": junk}), "phone"),
        "book": (admin.post("/bookings", json={"customer": junk, "service": "x", "amount": "1.00"}), "customer"),
        "code": (anonymous.post("/auth/otp/request", json={"phone": junk}), "phone"),
        "verify": (anonymous.post("/auth/otp/verify", json={"phone": junk, "code": "123456"}), "phone"),
    }
    for route, (answer, field) in answers.items():
        assert answer.status_code == 422, (route, answer.text)
        assert answer.json()["error"]["code"] == "phone_not_allowed" and answer.json()["error"]["field"] == field


def test_a_released_phone_gives_a_new_person_a_new_customer_and_the_old_one_keeps_everything(
    served: tuple[str, Path], admin: httpx.Client, anonymous: httpx.Client
) -> None:
    phone = new_phone()
    old = admin.post("/customers", json={"phone": phone, "name": "Old Owner", "email": f"old{phone[-4:]}@example.com"})
    old = old.json()["customer"]
    booked = admin.post("/bookings", json={"customer": phone, "service": "wash", "amount": "120.50"})
    assert booked.status_code == 201
    ref = old["customer_number"]
    released = admin.post(f"/admin/customers/{ref}/release-phone", json={"note": "number disconnected"})
    assert released.status_code == 200, released.text
    assert released.json()["customer"]["phone"] is None
    assert admin.post(f"/admin/customers/{ref}/release-phone", json={}).status_code == 409
    assert admin.get(f"/customers/{quote(phone, safe='')}").status_code == 404
    expected = next_number(admin)
    signed_in = verify(anonymous, phone)
    assert signed_in.status_code == 200, signed_in.text
    fresh = signed_in.json()
    assert fresh["created"] is True and fresh["customer"]["customer_number"] == f"PL{expected}"
    assert fresh["customer"]["name"] is None and fresh["customer"]["total_bookings"] == 0
    for reference in (ref, old["customer_id"], old["email"]):
        kept = admin.get(f"/customers/{quote(reference, safe='')}").json()["customer"]
        assert (kept["customer_id"], kept["phone"], kept["total_bookings"], kept["total_spent"]) == (
            old["customer_id"],
            None,
            1,
            "120.50",
        )
    history = admin.get(f"/admin/phone-history/{quote(phone, safe='')}").json()
    assert [(h["customer_number"], h["held_until"] is None) for h in history["holders"]] == [
        (ref, False),
        (f"PL{expected}", True),
    ]
    scan_agrees(admin, served[1])


def test_32_concurrent_sign_ins_on_a_released_phone_yield_one_customer(
    served: tuple[str, Path], admin: httpx.Client, anonymous: httpx.Client
) -> None:
    phone = new_phone()
    old = admin.post("/customers", json={"phone": phone}).json()["customer"]
    assert admin.post(f"/admin/customers/{old['customer_number']}/release-phone", json={}).status_code == 200
    expected = next_number(admin)
    code = code_for(anonymous, phone)
    shapes = [phone, phone[3:], f"0{phone[3:]}", f"user_{phone[3:]}", f"{phone[:3]} {phone[3:8]} {phone[8:]}"]

    def sign_in_or_create(i: int) -> httpx.Response:
        if i % 4 == 0:  # one of these gets past the code; the rest are told it is used
            return anonymous.post("/auth/otp/verify", json={"phone": phone, "code": code})
        if i % 4 == 1:
            return admin.post("/bookings", json={"customer": shapes[i % 5], "service": "x", "amount": "1.00"})
        return admin.post("/customers", json={"phone": shapes[i % 5]})

    answers = concurrently(32, sign_in_or_create)
    ok = [answer for answer in answers if answer.status_code in (200, 201)]
    assert {a.status_code for a in answers} <= {200, 201, 401}, [a.text for a in answers if a.status_code >= 500]
    ids = {(a.json().get("customer") or {}).get("customer_id") for a in ok if "customer" in a.json()}
    ids |= {a.json()["booking"]["customer_id"] for a in ok if "booking" in a.json()}
    assert len(ids) == 1 and old["customer_id"] not in ids
    signed = [a.json() for a in answers if a.status_code == 200 and "token" in a.json()]
    assert len(signed) == 1
    customer = admin.get(f"/customers/{quote(phone, safe='')}").json()["customer"]
    assert customer["customer_id"] in ids and customer["customer_number"] == f"PL{expected}"
    assert admin.get(f"/customers/{old['customer_number']}").json()["customer"]["phone"] is None
    assert next_number(admin) == expected + 1  # one number taken, none lost
    scan_agrees(admin, served[1])


def test_a_dormant_customer_is_not_opened_until_proof_and_i_am_new_gives_a_fresh_customer(
    served: tuple[str, Path], admin: httpx.Client, anonymous: httpx.Client
) -> None:
    data = served[1]
    phone = new_phone()
    first = verify(anonymous, phone).json()
    with authorized(first["token"], str(anonymous.base_url)) as me:
        assert (
            me.patch(f"/customers/{first['customer']['customer_number']}", json={"name": "Asha Old"}).status_code == 200
        )
        assert me.put("/me/credentials", json={"password": "correct horse battery"}).status_code == 200
    bare = new_phone()
    admin.post("/customers", json={"phone": bare})
    age(data, phone)
    age(data, bare)
    challenge = verify(anonymous, phone)
    other = verify(anonymous, bare)
    assert challenge.status_code == other.status_code == 202
    shown = challenge.json()
    assert set(shown) == set(other.json()) == {"status", "challenge", "expires_in", "proofs"}
    assert {k: v for k, v in shown.items() if k != "challenge"} == {
        k: v for k, v in other.json().items() if k != "challenge"
    }
    assert "Asha" not in challenge.text
    wrong = anonymous.post("/auth/recycled/prove", json={"challenge": shown["challenge"], "password": "not the one!"})
    assert wrong.status_code == 401
    proven = anonymous.post(
        "/auth/recycled/prove", json={"challenge": shown["challenge"], "password": "correct horse battery"}
    )
    assert proven.status_code == 200 and proven.json()["customer"]["name"] == "Asha Old"
    # the bare one: "the number is mine now", sent 32 times at once with one challenge
    expected = next_number(admin)
    token = other.json()["challenge"]
    answers = concurrently(32, lambda i: anonymous.post("/auth/recycled/new", json={"challenge": token}))
    assert sorted(a.status_code for a in answers) == [201] + [401] * 31
    fresh = next(a.json() for a in answers if a.status_code == 201)
    assert fresh["created"] and fresh["customer"]["customer_number"] == f"PL{expected}"
    items = admin.get("/admin/review", params={"reason": "phone_recycled"}).json()["items"]
    assert [item["row"]["phone"] for item in items] == [bare]
    history = admin.get(f"/admin/phone-history/{quote(bare, safe='')}").json()["holders"]
    assert [h["reason"] for h in history] == ["recycled", None]
    stats = scan_agrees(admin, data)
    assert stats["phones_released"] >= 1
