"""Race safety proven with truly concurrent HTTP requests against the local server and DynamoDB Local."""

import threading
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import httpx
import pytest

pytestmark = pytest.mark.integration


def concurrently(count: int, request: Any) -> list[httpx.Response]:
    """Run ``request(i)`` on ``count`` threads released together by a barrier."""
    barrier = threading.Barrier(count)

    def run(i: int) -> httpx.Response:
        barrier.wait()
        return request(i)

    with ThreadPoolExecutor(count) as pool:
        return list(pool.map(run, range(count)))


def test_64_concurrent_creates_of_one_phone_in_mixed_shapes_yield_one_customer(
    base_url: str, admin: httpx.Client
) -> None:
    shapes = [
        "9717600001",
        "09717600001",
        "919717600001",
        "+91 97176 00001",
        "97176-00001",
        " 9717600001 ",
        "user_9717600001",
        "+919717600001",
    ]
    responses = concurrently(
        64, lambda i: admin.post(f"{base_url}/customers", json={"phone": shapes[i % len(shapes)]}, timeout=120)
    )
    assert all(r.status_code < 500 for r in responses), [r.text for r in responses if r.status_code >= 500]
    assert sorted(r.status_code for r in responses) == [200] * 63 + [201]
    assert len({r.json()["customer"]["customer_id"] for r in responses}) == 1
    listed = admin.get(f"{base_url}/customers", params={"limit": 100}).json()["items"]
    assert [c["phone"] for c in listed].count("+919717600001") == 1


def test_200_concurrent_creates_get_exactly_pl1_to_pl200(fresh_url: str, fresh_admin: httpx.Client) -> None:
    responses = concurrently(
        200, lambda i: fresh_admin.post(f"{fresh_url}/customers", json={"phone": f"98{i:08d}"}, timeout=120)
    )
    assert [r.status_code for r in responses] == [201] * 200, [r.text for r in responses if r.status_code != 201][:3]
    numbers = sorted(int(r.json()["customer"]["customer_number"][2:]) for r in responses)
    assert numbers == list(range(1, 201))
    by_phone = {r.json()["customer"]["phone"]: r.json()["customer"]["customer_number"] for r in responses}
    assert len(by_phone) == 200


def test_setting_the_next_number_then_creating_concurrently_continues_from_it(
    fresh_url: str, fresh_admin: httpx.Client
) -> None:
    fresh_admin.post(f"{fresh_url}/customers", json={"phone": "9800000001"})
    assert fresh_admin.put(f"{fresh_url}/admin/customer-numbers", json={"next": 1}).status_code == 409
    response = fresh_admin.put(f"{fresh_url}/admin/customer-numbers", json={"next": 24})
    assert response.status_code == 200 and response.json()["next_customer_number"] == "PL24"
    responses = concurrently(
        20, lambda i: fresh_admin.post(f"{fresh_url}/customers", json={"phone": f"97{i:08d}"}, timeout=120)
    )
    numbers = sorted(int(r.json()["customer"]["customer_number"][2:]) for r in responses)
    assert numbers == list(range(24, 44))
