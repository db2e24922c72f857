"""The operational profile through the handlers: every field set by POST and PATCH, answered as
stored, in the CSV, and a clear 422 naming the field for anything out of shape."""

import csv
import io
import json
from typing import Any

import pytest

from customer_identity import runtime
from tests.unit.conftest import load_event

PROFILE = {
    "map_link": "https://maps.example.com/?q=12.97,77.59",
    "house_image_url": "https://photos.example.com/house/42.jpg",
    "location": {"lat": 12.9716, "lng": 77.5946, "accuracy_meters": 8.5},
    "trial_start_date": "2026-11-01",
    "marketing_person_name": "Ramesh",
    "notes": "Ring twice; dog friendly",
    "custom_product_prices": {"milk-1l": "56.50", "curd-500g": 40},
}


def body_event(name: str, body: dict[str, Any], **path: str) -> dict[str, Any]:
    event = load_event(name)
    event["body"] = json.dumps(body)
    if path:
        event["pathParameters"] = {**(event.get("pathParameters") or {}), **path}
        event["path"] = event["path"].replace("PL1", path.get("ref", "PL1"))
    return event


def test_post_sets_every_profile_field_and_every_answer_shows_it(invoke) -> None:
    status, body = invoke("create_customer", body_event("create_customer", {"phone": "9717619183", **PROFILE}))
    assert status == 201, body
    customer = body["customer"]
    for field in ("map_link", "house_image_url", "trial_start_date", "marketing_person_name", "notes"):
        assert customer[field] == PROFILE[field]
    assert customer["location"] == PROFILE["location"]
    assert customer["custom_product_prices"] == {"milk-1l": "56.50", "curd-500g": "40.00"}
    status, found = invoke("get_customer")
    assert status == 200 and found["customer"] == customer


def test_patch_sets_and_clears_profile_fields(invoke) -> None:
    invoke("create_customer", body_event("create_customer", {"phone": "9717619183"}))
    change = {"location": {"lat": -33.86, "lng": 151.21}, "notes": "Back gate", "custom_product_prices": {"a": "1"}}
    status, body = invoke("update_customer", body_event("update_customer", change, ref="PL1"))
    assert status == 200, body
    assert body["customer"]["location"] == {"lat": -33.86, "lng": 151.21, "accuracy_meters": None}
    assert body["customer"]["custom_product_prices"] == {"a": "1.00"}
    cleared = {"location": None, "notes": None, "custom_product_prices": None}
    status, body = invoke("update_customer", body_event("update_customer", cleared, ref="PL1"))
    assert status == 200
    assert body["customer"]["location"] is None and body["customer"]["notes"] is None
    assert body["customer"]["custom_product_prices"] == {}


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("map_link", "http://maps.example.com/x"),
        ("map_link", "javascript:alert(1)"),
        ("house_image_url", "https://"),
        ("location", {"lat": 91, "lng": 0}),
        ("location", {"lat": 0, "lng": -180.5}),
        ("location", {"lat": 0, "lng": 0, "accuracy_meters": -1}),
        ("location", {"lat": 0}),
        ("trial_start_date", "2026-02-30"),
        ("trial_start_date", "1 Nov 2026"),
        ("trial_start_date", 20261101),
        ("custom_product_prices", {"milk": "-1"}),
        ("custom_product_prices", {"milk": "1.005"}),
        ("custom_product_prices", {"milk": "1e3"}),
        ("custom_product_prices", {"": "1"}),
        ("notes", "a\u0000b"),
        ("marketing_person_id", "stf_nobody"),
    ],
)
def test_a_bad_profile_value_is_a_422_naming_the_field_and_writes_nothing(invoke, field: str, value: Any) -> None:
    status, body = invoke("create_customer", body_event("create_customer", {"phone": "9717619183", field: value}))
    assert status == 422, body
    assert body["error"]["field"].split(".")[0] == field
    status, _ = invoke("get_customer")
    assert status == 404  # nothing was created


def test_the_marketing_person_must_be_a_marketing_staff_account(invoke) -> None:
    seller = runtime.staff().ensure(email="seller@example.com", role="marketing_staff", name="Seller")
    driver = runtime.staff().ensure(email="driver@example.com", role="delivery_person", name="Driver")
    status, body = invoke(
        "create_customer",
        body_event("create_customer", {"phone": "9717619183", "marketing_person_id": driver.staff.account_id}),
    )
    assert (status, body["error"]["code"]) == (422, "invalid_marketing_person_id")
    seller_id = seller.staff.account_id
    status, body = invoke(
        "create_customer", body_event("create_customer", {"phone": "9717619183", "marketing_person_id": seller_id})
    )
    assert status == 201 and body["customer"]["marketing_person_id"] == seller_id
    status, body = invoke(
        "update_customer",
        body_event("update_customer", {"marketing_person_id": driver.staff.account_id}, ref="PL1"),
    )
    assert (status, body["error"]["code"]) == (422, "invalid_marketing_person_id")


def test_the_csv_carries_the_profile_with_the_location_as_two_columns(invoke) -> None:
    invoke("create_customer", body_event("create_customer", {"phone": "9717619183", **PROFILE}))
    result = runtime.customer_export().run(status=None, area=None)
    assert result.body is not None
    (row,) = csv.DictReader(io.StringIO(result.body.decode("utf-8-sig")))
    assert (row["location_lat"], row["location_lng"]) == ("12.9716", "77.5946")
    assert row["map_link"] == PROFILE["map_link"]
    assert row["trial_start_date"] == "2026-11-01"
    assert row["custom_product_prices"] == "curd-500g=40.00; milk-1l=56.50"
