"""Each Lambda handler invoked in-process with its sample event from events/ (the sam local shape)."""

import json

from devserver.template import routes
from tests.unit.conftest import code_in, load_event, reset_token_in


def test_every_route_has_a_sample_event_and_a_thin_handler() -> None:
    for route in routes():
        event = load_event(route.code_dir.name)
        assert (event["httpMethod"], event["resource"]) == (route.method, route.path)
        source = (route.code_dir / "app.py").read_text()
        assert len(source.splitlines()) < 50, f"{route.code_dir.name} handler is not thin"
        public = route.path == "/health" or route.path.startswith("/auth/")
        assert ("Authorization" in event["headers"]) != public, route.path


def test_sample_events_run_against_their_handlers(invoke) -> None:
    assert invoke("health") == (200, {"status": "ok"})
    status, body = invoke("create_customer")
    assert status == 201 and body["customer"]["customer_number"] == "PL1"
    status, body = invoke("get_customer")
    assert status == 200 and body["resolved_from"] == "phone"
    status, body = invoke("update_customer")
    assert status == 200 and body["customer"]["name"] == "Asha R."
    status, body = invoke("list_customers")
    assert status == 200 and [c["customer_number"] for c in body["items"]] == ["PL1"]
    status, body = invoke("set_next_customer_number")
    assert status == 200 and body["next_customer_number"] == "PL24"
    status, body = invoke("create_booking")
    assert status == 201 and body["booking"]["customer_number"] == "PL1" and body["booking"]["amount"] == "249.50"
    booking_id = body["booking"]["booking_id"]
    assert invoke("create_booking")[1]["booking"]["booking_id"] == booking_id  # same Idempotency-Key
    status, body = invoke("list_customer_bookings")
    assert status == 200 and [b["booking_id"] for b in body["items"]] == [booking_id]
    event = load_event("update_booking")
    event = event | {"path": f"/bookings/{booking_id}", "pathParameters": {"booking_id": booking_id}}
    status, body = invoke("update_booking", event)
    assert status == 200 and body["booking"]["status"] == "completed"


def test_account_sample_events_run_against_their_handlers(invoke, outbox) -> None:
    assert invoke("request_otp") == (
        202,
        {"status": "accepted", "message": "If this number can receive SMS, a sign-in code is on its way."},
    )
    verify = load_event("verify_otp")
    verify["body"] = json.dumps({"phone": "+919717619183", "code": code_in(outbox("+919717619183"))})
    status, body = invoke("verify_otp", verify)
    assert status == 200 and body["created"] is True and body["customer"]["customer_number"] == "PL1"
    customer_token = body["token"]
    status, body = invoke("set_credentials", token=customer_token)
    assert status == 200 and body["account"]["email"] == "asha@example.com" and body["account"]["has_password"]
    status, body = invoke("login")
    assert status == 200 and body["token_type"] == "Bearer"
    status, body = invoke("get_me", token=body["token"])
    assert status == 200 and body["customer"]["customer_number"] == "PL1" and body["account"]["role"] == "customer"
    assert invoke("forgot_password")[0] == 202
    reset = load_event("reset_password")
    reset["body"] = json.dumps({"token": reset_token_in(outbox("asha@example.com")), "password": "a new long password"})
    assert invoke("reset_password", reset)[0] == 200
    status, body = invoke("create_staff")
    assert status == 201 and body["account"]["role"] == "delivery_person"
    status, body = invoke("get_me")  # the admin token of the placeholder
    assert status == 401  # its account was never created: tokens name real accounts


def test_protected_handlers_refuse_requests_without_a_valid_token(invoke) -> None:
    for route in routes():
        name = route.code_dir.name
        event = load_event(name)
        if "Authorization" not in event["headers"]:
            continue
        for header in (None, "Bearer not-a-jwt", "Basic dXNlcjpwYXNz"):
            headers = {k: v for k, v in event["headers"].items() if k != "Authorization"}
            if header:
                headers["Authorization"] = header
            status, body = invoke(name, {**event, "headers": headers, "body": "{not json"})
            assert (status, body["error"]["code"]) == (401, "unauthenticated"), (name, header)


def test_bad_input_gets_a_4xx_naming_the_field(invoke) -> None:
    event = load_event("create_customer")
    cases = [
        ("{not json", 400, "malformed_json", None),
        ('{"phone": "555-1234"}', 422, "invalid_phone", "phone"),
        ('{"name": "x"}', 422, "missing_field", "phone"),
        ('{"phone": "9717619183", "email": "nope"}', 422, "invalid_email", "email"),
        ('{"phone": "9717619183", "status": "gone"}', 422, "invalid_status", "status"),
        ('{"phone": "9717619183", "colour": "red"}', 422, "unknown_field", "colour"),
        ('{"phone": 9717619183}', 422, "invalid_phone", "phone"),
        ("[]", 400, "malformed_json", None),
    ]
    for body, status, code, field in cases:
        got_status, got = invoke("create_customer", {**event, "body": body})
        assert (got_status, got["error"]["code"], got["error"]["field"]) == (status, code, field), body
        assert got["error"]["message"]
    form = {**event, "headers": {**event["headers"], "Content-Type": "application/x-www-form-urlencoded"}}
    assert invoke("create_customer", form)[0] == 415
    status, body = invoke("get_customer")
    assert (status, body["error"]["code"]) == (404, "customer_not_found")
