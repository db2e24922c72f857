"""Who sees what (issue 17): delivery persons get the delivery fields of their customers and no money;
marketing staff find-or-create customers who become theirs, list and read only those, and never see
money; admins get everything. Through the handlers, with real staff tokens."""

import json
from typing import Any

from customer_identity import runtime
from tests.unit.conftest import load_event, real_staff_token

MONEY = {"balance", "previous_balance", "custom_product_prices", "total_spent", "total_bookings"}
DELIVERY_FIELDS = {
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
FULL_PROFILE = {
    "name": "Asha Rao",
    "address": "12 Lake Road",
    "area": "Indiranagar",
    "map_link": "https://maps.example.com/?q=12.97,77.64",
    "house_image_url": "https://img.example.com/h/1.jpg",
    "location": {"lat": 12.97, "lng": 77.64, "accuracy_meters": 5},
    "notes": "ring twice",
    "custom_product_prices": {"milk-1l": "62.00"},
}


def account_id(role: str) -> str:
    return (
        runtime.staff().ensure(email=f"unit-{role.replace('_', '-')}@example.com", role=role, name="x").staff.account_id
    )


def create(invoke, body: dict[str, Any], token: str | None = None) -> tuple[int, dict[str, Any]]:
    return invoke("create_customer", load_event("create_customer") | {"body": json.dumps(body)}, token=token)


def listing(invoke, token: str, **query: str) -> tuple[int, dict[str, Any]]:
    event = load_event("list_customers") | {
        "queryStringParameters": query or None,
        "multiValueQueryStringParameters": None,
    }
    return invoke("list_customers", event, token=token)


def get(invoke, ref: str, token: str) -> tuple[int, dict[str, Any]]:
    event = load_event("get_customer")
    event = {**event, "path": f"/customers/{ref}", "pathParameters": {"ref": ref}}
    return invoke("get_customer", event, token=token)


def test_a_delivery_person_sees_the_delivery_fields_of_their_customers_and_no_money(invoke, domain) -> None:
    token = real_staff_token("delivery_person")
    status, created = create(invoke, {"phone": "9717619183", **FULL_PROFILE})
    assert status == 201
    ref = created["customer"]["customer_id"]
    patch = load_event("update_customer") | {
        "path": f"/customers/{ref}",
        "pathParameters": {"ref": ref},
        "body": json.dumps({"delivery_person_id": account_id("delivery_person")}),
    }
    assert invoke("update_customer", patch)[0] == 200
    create(invoke, {"phone": "9811122233", "name": "Not theirs"})
    status, page = listing(invoke, token)
    assert status == 200
    [seen] = page["items"]
    assert set(seen) == DELIVERY_FIELDS and not MONEY & set(seen)
    assert (seen["name"], seen["notes"], seen["location"]["lat"]) == ("Asha Rao", "ring twice", 12.97)
    status, one = get(invoke, ref, token)
    assert status == 200 and set(one["customer"]) == DELIVERY_FIELDS
    assert get(invoke, "PL2", token)[0] == 404  # not theirs: as if it did not exist
    admin_view = get(invoke, ref, invoke.admin_token)[1]["customer"]
    assert set(admin_view) >= MONEY  # admins see everything


def test_a_marketing_person_signs_customers_up_as_theirs_and_lists_only_those(invoke, domain) -> None:
    token, me = real_staff_token("marketing_staff"), account_id("marketing_staff")
    status, created = create(invoke, {"phone": "9717619183", "name": "Ravi", "area": "Koramangala"}, token=token)
    assert status == 201
    assert created["customer"]["marketing_person_id"] == me and not MONEY & set(created["customer"])
    assert create(invoke, {"phone": "9811122233", "name": "Walk-in"})[0] == 201  # an admin's, no marketing person
    status, again = create(invoke, {"phone": "+91 97176 19183"}, token=token)
    assert (status, again["created"], again["customer"]["customer_number"]) == (200, False, "PL1")
    status, page = listing(invoke, token)
    assert status == 200 and [c["customer_number"] for c in page["items"]] == ["PL1"]
    assert not MONEY & set(page["items"][0])
    assert [c["customer_number"] for c in listing(invoke, token, q="rav")[1]["items"]] == ["PL1"]
    assert listing(invoke, token, status="paused")[1]["items"] == []
    assert get(invoke, "PL1", token)[0] == 200
    assert get(invoke, "PL2", token)[0] == 404
    admin = get(invoke, "PL1", invoke.admin_token)[1]["customer"]
    assert admin["marketing_person_id"] == me  # the admin sees who signed the customer up


def test_a_marketing_person_may_not_set_money_or_sign_up_for_someone_else(invoke, domain) -> None:
    token = real_staff_token("marketing_staff")
    for field, value in (
        ("custom_product_prices", {"milk-1l": "1.00"}),
        ("marketing_person_name", "Someone"),
        ("marketing_person_id", "stf_someone_else"),
    ):
        status, body = create(invoke, {"phone": "9717619183", field: value}, token=token)
        assert (status, body["error"]["field"]) == (403, field)
    assert listing(invoke, invoke.admin_token)[1]["items"] == []  # nothing was written


def test_suppliers_neither_create_nor_list_customers(invoke, domain) -> None:
    token = real_staff_token("supplier")
    assert create(invoke, {"phone": "9717619183"}, token=token)[0] == 403
    assert listing(invoke, token)[0] == 403


def test_an_admin_filters_by_delivery_person_and_no_one_else_may(invoke, domain) -> None:
    rider = account_id("delivery_person")
    for phone in ("9717619183", "9811122233", "9822233344"):
        create(invoke, {"phone": phone})
    for ref in ("PL1", "PL3"):
        patch = load_event("update_customer") | {
            "path": f"/customers/{ref}",
            "pathParameters": {"ref": ref},
            "body": json.dumps({"delivery_person_id": rider}),
        }
        assert invoke("update_customer", patch)[0] == 200
    status, page = listing(invoke, invoke.admin_token, delivery_person_id=rider)
    assert status == 200 and [c["customer_number"] for c in page["items"]] == ["PL1", "PL3"]
    assert "balance" in page["items"][0]  # an admin's view, money included
    status, refused = listing(invoke, real_staff_token("marketing_staff"), delivery_person_id=rider)
    assert (status, refused["error"]["field"]) == (403, "delivery_person_id")
    assert listing(invoke, real_staff_token("delivery_person"), delivery_person_id=rider)[0] == 200  # themselves
