"""The HTTP contract, through the local server and DynamoDB Local, with a real HTTP client."""

import itertools
from urllib.parse import quote

import httpx
import pytest

pytestmark = pytest.mark.integration
_phones = itertools.count(9_100_000_000)


def new_phone() -> str:
    return str(next(_phones))


def test_health(api: httpx.Client) -> None:
    response = api.get("/health")
    assert (response.status_code, response.json()) == (200, {"status": "ok"})


def test_create_then_find_returns_201_then_200_with_one_customer(api: httpx.Client) -> None:
    phone = new_phone()
    first = api.post("/customers", json={"phone": phone, "name": "Asha", "area": "Indiranagar"})
    again = api.post("/customers", json={"phone": f"+91 {phone[:5]} {phone[5:]}", "name": "Other"})
    assert first.status_code == 201 and first.json()["created"] is True
    assert again.status_code == 200 and again.json()["created"] is False
    assert again.json()["customer"] == first.json()["customer"]
    assert again.json()["ignored_fields"] == ["name"]
    customer = first.json()["customer"]
    assert set(customer) >= {
        "customer_id",
        "customer_number",
        "phone",
        "name",
        "email",
        "status",
        "address",
        "area",
        "created_at",
        "updated_at",
    }
    assert customer["customer_number"].startswith("PL") and customer["phone"] == f"+91{phone}"


def test_every_reference_resolves_through_the_url(api: httpx.Client) -> None:
    phone = new_phone()
    customer = api.post("/customers", json={"phone": phone, "email": f"x{phone}@example.com"}).json()["customer"]
    refs = {
        customer["customer_id"]: "customer_id",
        customer["customer_number"]: "customer_number",
        customer["customer_number"].lower(): "customer_number",
        phone: "phone",
        f"user_{phone}": "phone",
        f"+91 {phone[:5]} {phone[5:]}": "phone",
        f"0{phone}": "phone",
        f"X{phone}@Example.com": "email",
    }
    for ref, kind in refs.items():
        response = api.get(f"/customers/{quote(ref, safe='')}")
        assert response.status_code == 200, ref
        assert response.json()["resolved_from"] == kind
        assert response.json()["customer"]["customer_id"] == customer["customer_id"]
    missing = api.get("/customers/PL999999")
    assert missing.status_code == 404 and missing.json()["error"]["code"] == "customer_not_found"


def test_patch_changes_phone_keeps_identity_and_refuses_a_taken_phone(api: httpx.Client) -> None:
    old, new, other = new_phone(), new_phone(), new_phone()
    customer = api.post("/customers", json={"phone": old}).json()["customer"]
    api.post("/customers", json={"phone": other})
    patched = api.patch(f"/customers/{customer['customer_number']}", json={"phone": new, "status": "paused"})
    assert patched.status_code == 200
    body = patched.json()["customer"]
    assert (body["customer_id"], body["customer_number"], body["phone"], body["status"]) == (
        customer["customer_id"],
        customer["customer_number"],
        f"+91{new}",
        "paused",
    )
    assert api.get(f"/customers/{old}").status_code == 404
    taken = api.patch(f"/customers/{customer['customer_id']}", json={"phone": other})
    assert taken.status_code == 409
    assert taken.json()["error"] == {
        "code": "phone_taken",
        "message": taken.json()["error"]["message"],
        "field": "phone",
    }
    assert api.get(f"/customers/{new}").json()["customer"]["customer_id"] == customer["customer_id"]


def test_bad_input_is_a_clear_4xx_never_a_500(api: httpx.Client) -> None:
    cases = [
        (api.post("/customers", content=b"{", headers={"content-type": "application/json"}), 400, "malformed_json"),
        (api.post("/customers", json={"phone": "555-1234"}), 422, "invalid_phone"),
        (api.post("/customers", json={}), 422, "missing_field"),
        (
            api.post("/customers", content=b"phone=1", headers={"content-type": "application/x-www-form-urlencoded"}),
            415,
            "unsupported_media_type",
        ),
        (api.patch(f"/customers/{quote('PL999999')}", json={"name": "x"}), 404, "customer_not_found"),
        (api.patch("/customers/PL1", json={"status": "deleted"}), 422, "invalid_status"),
        (api.get("/customers", params={"limit": 500}), 422, "invalid_limit"),
        (api.get("/customers", params={"cursor": "garbage"}), 400, "invalid_cursor"),
        (api.put("/admin/customer-numbers", json={"next": 0}), 422, "invalid_next"),
        (api.delete("/customers"), 405, "method_not_allowed"),
        (api.get("/nowhere"), 404, "route_not_found"),
    ]
    for response, status, code in cases:
        assert (response.status_code, response.json()["error"]["code"]) == (status, code), response.text
        assert set(response.json()["error"]) == {"code", "message", "field"}


def test_listing_pages_through_a_filter_without_repeats(api: httpx.Client) -> None:
    area = f"Area {new_phone()}"
    created = [api.post("/customers", json={"phone": new_phone(), "area": area}).json()["customer"] for _ in range(5)]
    seen, cursor = [], None
    while True:
        params = {"area": area, "limit": 2} | ({"cursor": cursor} if cursor else {})
        page = api.get("/customers", params=params).json()
        seen += [c["customer_id"] for c in page["items"]]
        cursor = page["next_cursor"]
        if not cursor:
            break
    assert seen == [c["customer_id"] for c in created]


def test_openapi_document_and_swagger_ui_are_served(api: httpx.Client) -> None:
    document = api.get("/openapi.json").json()
    assert {"/health", "/customers", "/customers/{ref}", "/admin/customer-numbers"} <= set(document["paths"])
    swagger = api.get("/swagger")
    assert swagger.status_code == 200 and "swagger" in swagger.text.lower()
