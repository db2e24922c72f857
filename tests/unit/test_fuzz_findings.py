"""Defects the fuzz stage (tests/fuzz, Schemathesis) found, each answered in the error shape now."""

import json

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
