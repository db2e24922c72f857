"""Who sees what, over HTTP (issue 17): each role signs in with its password and gets exactly its
fields; delivery persons and marketing staff never get a money field, in lists or single answers."""

from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from devserver.process import local_server, mint_token
from tests.integration.conftest import authorized

pytestmark = pytest.mark.integration
MONEY = {"balance", "previous_balance", "custom_product_prices", "total_spent", "total_bookings"}
DELIVERY = {
    "customer_id",
    "customer_number",
    "name",
    "phone",
    "address",
    "area",
    "map_link",
    "location",
    "house_image_url",
    "notes",
    "status",
}
MARKETING = {
    "customer_id",
    "customer_number",
    "name",
    "phone",
    "area",
    "status",
    "trial_start_date",
    "marketing_person_id",
    "created_at",
}


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, Path]]:
    data_dir = tmp_path_factory.mktemp("role-views")
    with local_server(data_dir) as url:
        yield url, data_dir


def signed_in(admin: httpx.Client, url: str, role: str, email: str) -> tuple[httpx.Client, str]:
    login = {"email": email, "password": "correct horse battery"}
    created = admin.post("/admin/staff", json={**login, "role": role, "name": role})
    assert created.status_code == 201, created.text
    with httpx.Client(base_url=url) as anyone:
        token = anyone.post("/auth/login", json=login).json()["token"]
    return authorized(token, url), created.json()["account"]["account_id"]


def test_each_role_gets_exactly_its_fields(server: tuple[str, Path]) -> None:
    url, data = server
    with authorized(mint_token(data, "admin"), url) as admin:
        delivery, delivery_id = signed_in(admin, url, "delivery_person", "kiran@example.com")
        marketing, marketing_id = signed_in(admin, url, "marketing_staff", "meera@example.com")
        with delivery, marketing:
            full = {
                "phone": "9811100001",
                "name": "Sita Kumar",
                "address": "12 MG Road",
                "area": "North",
                "map_link": "https://maps.example.com/?q=1,2",
                "house_image_url": "https://img.example.com/1.jpg",
                "location": {"lat": 12.5, "lng": 77.25, "accuracy_meters": 8},
                "notes": "blue gate",
                "custom_product_prices": {"milk-1l": "62.50"},
            }
            assert admin.post("/customers", json=full).status_code == 201
            assigned = admin.patch("/customers/9811100001", json={"delivery_person_id": delivery_id})
            assert assigned.status_code == 200
            adjusted = admin.post(
                "/admin/customers/9811100001/balance-adjustments",
                json={"amount": "-120.00", "reason": "November milk"},
                headers={"Idempotency-Key": "nov-1"},
            )
            assert adjusted.status_code == 201, adjusted.text

            # The delivery person: the delivery fields, in the list and the single answer; no money.
            page = delivery.get("/customers").json()
            assert [set(c) for c in page["items"]] == [DELIVERY]
            assert page["items"][0]["notes"] == "blue gate" and page["items"][0]["location"]["lat"] == 12.5
            one = delivery.get("/customers/9811100001").json()["customer"]
            assert set(one) == DELIVERY
            assert delivery.get("/customers/9811100001/ledger").status_code == 403
            assert delivery.post("/customers", json={"phone": "9811100009"}).status_code == 403

            # The marketing person: signs a customer up (theirs), lists and reads only theirs; no money.
            signed = marketing.post("/customers", json={"phone": "9811100002", "name": "Ravi", "status": "trial"})
            assert signed.status_code == 201 and set(signed.json()["customer"]) == MARKETING
            assert signed.json()["customer"]["marketing_person_id"] == marketing_id
            refused = marketing.post("/customers", json={"phone": "9811100003", "custom_product_prices": {"a": "1"}})
            assert (refused.status_code, refused.json()["error"]["field"]) == (403, "custom_product_prices")
            listed = marketing.get("/customers").json()["items"]
            assert [c["name"] for c in listed] == ["Ravi"] and set(listed[0]) == MARKETING
            assert marketing.get("/customers/9811100002").status_code == 200
            assert marketing.get("/customers/9811100001").status_code == 404  # not theirs
            assert marketing.get("/customers/9811100002/ledger").status_code == 403

            # The admin: everything, money included, and who signed the customer up.
            seen = admin.get("/customers/9811100002").json()["customer"]
            assert set(seen) >= MONEY and seen["marketing_person_id"] == marketing_id
            assert admin.get("/customers/9811100001").json()["customer"]["balance"] == "-120.00"
