"""GET /admin/stats over HTTP: after a truly concurrent mixed workload (creates incl. same-phone races,
updates, bookings, cancellations, staff, sign-ins and credentials, merges and undos, opposite merges of
one pair racing) every figure equals a full scan of
the table, counted independently by tests/stats_oracle.py."""

import random
import re
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from decimal import Decimal
from pathlib import Path
from typing import Any

import httpx
import pytest

from devserver.process import local_server, mint_token
from tests.integration.conftest import UNLIMITED, authorized
from tests.stats_oracle import assert_monthly_match_scan, assert_stats_match_scan, local_table

pytestmark = pytest.mark.integration
THREADS = 12
STATUSES = ("trial", "active", "paused", "stopped")
AREAS = ("Indiranagar", "indiranagar ", "HSR  Layout", "Koramangala")


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, Path]]:
    data = tmp_path_factory.mktemp("stats-data")
    with local_server(data) as url:
        yield url, data


@pytest.fixture(scope="module")
def admin(served: tuple[str, Path]) -> Iterator[httpx.Client]:
    url, data = served
    with authorized(mint_token(data, "admin"), url) as client:
        yield client


def ok(response: httpx.Response, *statuses: int) -> dict[str, Any]:
    assert response.status_code in (statuses or (200, 201)), (response.status_code, response.text)
    return response.json()


def phone(i: int) -> str:
    return f"98700{i:05d}"


def test_only_admins_read_the_counts(served: tuple[str, Path], admin: httpx.Client) -> None:
    url, data = served
    with authorized(mint_token(data, "delivery_person"), url) as courier:
        assert courier.get("/admin/stats").status_code == 403
        assert courier.get("/admin/customer-numbers").status_code == 403
    with httpx.Client(base_url=url) as anonymous:
        assert anonymous.get("/admin/stats").status_code == 401


def test_every_figure_equals_a_scan_after_a_concurrent_mixed_workload(
    served: tuple[str, Path], admin: httpx.Client
) -> None:
    url, data = served
    rng = random.Random(10)
    anonymous = httpx.Client(base_url=url, timeout=120, limits=UNLIMITED)

    def customer_life(i: int) -> None:
        shape = rng.choice(["{}", "0{}", "+91 {}", "91{}"]).format(phone(i))
        body = {"phone": shape, "status": rng.choice(STATUSES), "area": rng.choice(AREAS)}
        if i % 3 == 0:
            body["email"] = f"life{i}@example.com"
        number = ok(admin.post("/customers", json=body))["customer"]["customer_number"]
        ok(admin.patch(f"/customers/{number}", json={"status": rng.choice(STATUSES), "area": rng.choice(AREAS)}))
        if i % 4 == 0:
            ok(admin.patch(f"/customers/{number}", json={"email": None if i % 3 == 0 else f"late{i}@example.com"}))
        booked = [
            ok(admin.post("/bookings", json={"customer": number, "service": "Wash", "amount": f"{i}.{k}5"}))
            for k in range(2)
        ]
        ok(admin.patch(f"/bookings/{booked[0]['booking']['booking_id']}", json={"status": "cancelled"}))
        ok(admin.patch(f"/bookings/{booked[1]['booking']['booking_id']}", json={"status": "completed"}))

    def same_phone_race(k: int) -> None:  # several threads per phone, in different shapes
        shapes = ["{}", "0{}", "+91 {}", "91{}"]
        ok(admin.post("/customers", json={"phone": shapes[k % 4].format(phone(902)), "area": "Race"}))
        ok(
            admin.post(
                "/bookings", json={"customer": shapes[(k + 1) % 4].format(phone(901)), "service": "X", "amount": "1.01"}
            )
        )

    def same_customer_updates(k: int) -> None:  # concurrent PATCHes of one customer
        ok(admin.patch(f"/customers/{phone(900)}", json={"status": STATUSES[k % 4], "area": AREAS[k % 4]}))

    def staff(k: int) -> None:
        role = ["delivery_person", "delivery_boy", "supplier", "marketing_staff", "admin"][k % 5]
        ok(admin.post("/admin/staff", json={"email": f"staff{k}@example.com", "role": role}))

    def sign_in_and_credentials(k: int) -> None:
        e164 = f"+9198711{k:05d}"
        ok(anonymous.post("/auth/otp/request", json={"phone": e164}), 202)
        text = ok(anonymous.get("/dev/outbox", params={"to": e164}))["messages"][0]["text"]
        code = re.search(r"\b(\d{6})\b", text).group(1)  # type: ignore[union-attr]
        token = ok(anonymous.post("/auth/otp/verify", json={"phone": e164, "code": code}))["token"]
        if k % 2 == 0:
            headers = {"Authorization": f"Bearer {token}"}
            email = f"cred{k}@example.com"
            body = {"email": email, "password": "correct horse battery"}
            ok(anonymous.put("/me/credentials", json=body, headers=headers), 202)  # the email waits for its proof
            text = ok(anonymous.get("/dev/outbox", params={"to": email}))["messages"][0]["text"]
            proof = re.search(r"confirmation token is (\S+)", text).group(1)  # type: ignore[union-attr]
            ok(anonymous.put("/me/credentials", json={"email_token": proof}, headers=headers))

    pairs = []
    for k in range(6):  # merged in the workload (odd ones undone again), each with a booking per customer
        pair = [ok(admin.post("/customers", json={"phone": phone(200 + 2 * k + j)}))["customer"] for j in (0, 1)]
        for j, customer in enumerate(pair):
            ok(admin.post("/bookings", json={"customer": customer["customer_id"], "service": "M", "amount": f"{j}.50"}))
        pairs.append(pair)

    def merge_and_maybe_undo(k: int) -> None:
        merged, survivor = pairs[k]
        merge = ok(admin.post(f"/admin/customers/{merged['customer_id']}/merge", json={"into": survivor["phone"]}))
        if k % 2:
            ok(admin.post(f"/admin/merges/{merge['merge']['merge_id']}/undo"))

    def race(forward: bool) -> None:  # pair 0 merged both ways at once: exactly one of them wins
        merged, survivor = pairs[0] if forward else pairs[0][::-1]
        ok(admin.post(f"/admin/customers/{merged['customer_id']}/merge", json={"into": survivor["phone"]}), 200, 409)

    tasks: list[Callable[[], None]] = [lambda i=i: customer_life(i) for i in range(16)]
    tasks += [lambda k=k: merge_and_maybe_undo(k) for k in range(1, 6)]
    tasks += [lambda: race(True), lambda: race(False)]
    tasks += [lambda k=k: same_phone_race(k) for k in range(8)]
    ok(admin.post("/customers", json={"phone": phone(900)}))
    tasks += [lambda k=k: same_customer_updates(k) for k in range(6)]
    tasks += [lambda k=k: staff(k) for k in range(5)]
    tasks += [lambda k=k: sign_in_and_credentials(k) for k in range(6)]
    rng.shuffle(tasks)
    with ThreadPoolExecutor(THREADS) as pool:
        list(pool.map(lambda task: task(), tasks))
    anonymous.close()

    stats = ok(admin.get("/admin/stats"))
    expected = assert_stats_match_scan(stats, *local_table(data))
    # every month too (the workload's months: all now; updates in it change statuses concurrently)
    months = assert_monthly_match_scan(ok(admin.get("/admin/stats/monthly")), *local_table(data))["months"]
    assert sum(month["customers_created"] for month in months) == 16 + 3 + 6 + 12
    # the workload made what it says: 16 lives + 3 shared phones + 6 sign-ins + 12 paired customers of
    # which 3 stay merged away (pairs 0, 2, 4); 16 + 8 + 12 bookings not cancelled
    assert expected["customers"]["total"] == 16 + 3 + 6 + 12 - 3 and expected["customers"]["with_login"] == 6
    assert expected["customers"]["merged_away"] == 3
    assert expected["bookings"]["total"] == 16 + 8 + 12
    assert expected["staff"]["by_role"]["supplier"] == expected["staff"]["by_role"]["marketing_staff"] == 1
    numbers = ok(admin.get("/admin/customer-numbers"))
    assert numbers == {"prefix": "PL", "next_number": 38, "next_customer_number": "PL38", "last_issued": "PL37"}


def test_the_total_balance_stays_exact_under_concurrent_adjustments_retries_merges_and_undos(
    served: tuple[str, Path], admin: httpx.Client
) -> None:
    """Adjustments (some retried at once with the same Idempotency-Key), merges moving balances and
    their undos, racing each other over HTTP: the total balance is the sum of the adjustments posted,
    every balance is the sum of its entries, and the stats equal a scan."""
    _, data = served
    rng = random.Random(17)
    before = Decimal(ok(admin.get("/admin/stats"))["total_balance"])
    pairs = []
    for k in range(8):
        prices = [{"milk-1l": "60.00"}, {"milk-1l": f"6{k}.50"}]  # differing prices: price_conflict items
        pair = [
            ok(admin.post("/customers", json={"phone": phone(500 + 2 * k + j), "custom_product_prices": prices[j]}))[
                "customer"
            ]
            for j in (0, 1)
        ]
        pairs.append(pair)
    posted: dict[str, Decimal] = {}  # Idempotency-Key -> amount: what must be in the ledger, once each

    def adjust(customer: dict[str, Any], key: str, amount: str) -> None:
        posted[key] = Decimal(amount)
        answer = admin.post(
            f"/admin/customers/{customer['customer_id']}/balance-adjustments",
            json={"amount": amount, "reason": "concurrent test"},
            headers={"Idempotency-Key": key},
        )
        ok(answer, 200, 201)

    def merge_and_maybe_undo(k: int) -> None:
        merged, survivor = pairs[k]
        merge = ok(admin.post(f"/admin/customers/{merged['customer_id']}/merge", json={"into": survivor["phone"]}))
        if k % 2:
            ok(admin.post(f"/admin/merges/{merge['merge']['merge_id']}/undo"), 200, 409)

    tasks: list[Callable[[], None]] = []
    for k, pair in enumerate(pairs):
        for j, customer in enumerate(pair):
            for n in range(3):
                amount = f"{rng.choice(['', '-'])}{rng.randint(1, 999)}.{rng.randint(0, 99):02d}"
                key = f"bal-{k}-{j}-{n}"
                tasks += [lambda c=customer, key=key, a=amount: adjust(c, key, a)] * (2 if n == 0 else 1)  # a retry
        tasks.append(lambda k=k: merge_and_maybe_undo(k))
    rng.shuffle(tasks)
    with ThreadPoolExecutor(THREADS) as pool:
        list(pool.map(lambda task: task(), tasks))

    stats = ok(admin.get("/admin/stats"))
    assert_stats_match_scan(stats, *local_table(data))  # each balance = its entries; total = every balance
    assert Decimal(stats["total_balance"]) - before == sum(posted.values(), Decimal(0))
    client, table = local_table(data)
    scanned = client.get_paginator("scan").paginate(
        TableName=table,
        FilterExpression="entity = :entry AND kind = :adjustment AND reason = :reason",
        ExpressionAttributeValues={
            ":entry": {"S": "ledger_entry"},
            ":adjustment": {"S": "adjustment"},
            ":reason": {"S": "concurrent test"},
        },
    )
    amounts = [Decimal(item["amount"]["N"]) for page in scanned for item in page["Items"]]
    assert sorted(amounts) == sorted(posted.values())  # each key posted exactly once, retries included
    conflicts = ok(admin.get("/admin/review", params={"reason": "price_conflict", "limit": 100}))["items"]
    assert len(conflicts) == 4  # the merges that stayed (even k); the undone ones dismissed theirs
