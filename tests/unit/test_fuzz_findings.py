"""Defects the fuzz stage (tests/fuzz, Schemathesis) found, each answered in the error shape now."""

import json

import pytest

from tests.unit.conftest import load_event


def booking(**fields: object) -> dict:
    event = load_event("create_booking")
    headers = {k: v for k, v in event["headers"].items() if k != "Idempotency-Key"}
    body = {"customer": "9717619183", "service": "Ironing", "amount": "10.00"} | fields
    return {**event, "headers": headers, "multiValueHeaders": None, "body": json.dumps(body)}


def test_a_booking_for_a_phone_shaped_reference_too_long_for_a_phone_is_a_422_not_a_500(invoke) -> None:
    status, body = invoke("create_booking", booking(customer="0" * 256))
    assert status == 422, body
    assert (body["error"]["code"], body["error"]["field"]) == ("invalid_phone", "customer")


@pytest.mark.parametrize("name", ["merge_customer", "create_customer", "update_booking"])
def test_a_missing_body_is_named_as_such_not_as_none(invoke, name: str) -> None:
    event = {**load_event(name), "body": None}
    status, body = invoke(name, event)
    assert (status, body["error"]["code"], body["error"]["field"]) == (422, "missing_field", None), body
    assert "None" not in body["error"]["message"] and "body" in body["error"]["message"]


@pytest.mark.parametrize(
    "name", ["list_customers", "list_staff", "list_merges", "list_review", "list_customer_bookings"]
)
def test_a_cursor_too_long_to_be_ours_is_a_400_invalid_cursor_like_any_other_cursor_we_did_not_issue(
    invoke, name: str
) -> None:
    event = load_event(name)
    query = {**(event.get("queryStringParameters") or {}), "cursor": "0" * 3000}
    event = {
        **event,
        "queryStringParameters": query,
        "multiValueQueryStringParameters": {k: [v] for k, v in query.items()},
    }
    status, body = invoke(name, event)
    assert (status, body["error"]["code"], body["error"]["field"]) == (400, "invalid_cursor", "cursor"), body


def test_a_rule_of_ours_reads_as_ours_without_pydantic_s_value_error_prefix(invoke) -> None:
    status, body = invoke("create_booking", booking(amount="1e2"))
    assert (status, body["error"]["code"]) == (422, "invalid_amount")
    assert body["error"]["message"].startswith("amount: must be"), body
