"""Each Lambda handler invoked in-process with its sample event from events/ (the sam local shape)."""

import json

import pytest

from devserver.template import routes
from tests.unit.conftest import code_in, email_token_in, load_event, reset_token_in


@pytest.mark.parametrize("route", routes(), ids=lambda route: route.code_dir.name)
def test_every_route_has_a_sample_event_and_a_thin_handler(route) -> None:
    event = load_event(route.code_dir.name)
    # One sample per function: a function with two routes (the console's /console and its files) has one of them.
    same_function = {(r.method, r.path) for r in routes() if r.code_dir == route.code_dir}
    assert (event["httpMethod"], event["resource"]) in same_function
    source = (route.code_dir / "app.py").read_text()
    assert len(source.splitlines()) < 50, f"{route.code_dir.name} handler is not thin"
    public = route.path == "/health" or route.path.startswith(("/auth/", "/console"))
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
    assert invoke("set_credentials", token=customer_token)[0] == 202  # the email waits for its proof
    confirm = load_event("set_credentials")
    confirm["body"] = json.dumps({"email_token": email_token_in(outbox("asha@example.com"))})
    status, body = invoke("set_credentials", confirm, token=customer_token)
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
    assert status == 200 and body["account"]["role"] == "admin" and body["account"]["active"] is True


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


@pytest.mark.parametrize(
    ("body", "status", "code", "field"),
    [
        ("{not json", 400, "malformed_json", None),
        ('{"phone": "555-1234"}', 422, "invalid_phone", "phone"),
        ('{"name": "x"}', 422, "missing_field", "phone"),
        ('{"phone": "9717619183", "email": "nope"}', 422, "invalid_email", "email"),
        ('{"phone": "9717619183", "status": "gone"}', 422, "invalid_status", "status"),
        ('{"phone": "9717619183", "colour": "red"}', 422, "unknown_field", "colour"),
        ('{"phone": 9717619183}', 422, "invalid_phone", "phone"),
        ("[]", 400, "malformed_json", None),
    ],
)
def test_bad_input_gets_a_4xx_naming_the_field(invoke, body: str, status: int, code: str, field: str | None) -> None:
    got_status, got = invoke("create_customer", {**load_event("create_customer"), "body": body})
    assert (got_status, got["error"]["code"], got["error"]["field"]) == (status, code, field)
    assert got["error"]["message"]


def test_a_body_that_is_not_json_is_refused_with_415_and_nothing_is_created(invoke) -> None:
    event = load_event("create_customer")
    form = {**event, "headers": {**event["headers"], "Content-Type": "application/x-www-form-urlencoded"}}
    assert invoke("create_customer", form)[0] == 415
    status, body = invoke("get_customer")
    assert (status, body["error"]["code"]) == (404, "customer_not_found")


def failing(monkeypatch, operation: str, code: str) -> None:
    """Every DynamoDB ``operation`` fails with ``code`` (as AWS would answer it)."""
    import botocore.client
    from botocore.exceptions import ClientError

    original = botocore.client.BaseClient._make_api_call

    def call(client, name, params):
        if name == operation:
            raise ClientError({"Error": {"Code": code, "Message": "injected"}}, name)
        return original(client, name, params)

    monkeypatch.setattr(botocore.client.BaseClient, "_make_api_call", call)


def raw_invoke(invoke, name: str) -> dict:
    """The whole proxy response (status, headers, body) of a handler called with its sample event."""
    from devserver.server import LambdaContext
    from tests.unit.conftest import PLACEHOLDER, load_handler

    route = next(route for route in routes() if route.code_dir.name == name)
    event = load_event(name)
    if event["headers"].get("Authorization") == PLACEHOLDER:
        event["headers"]["Authorization"] = f"Bearer {invoke.admin_token}"
    result = load_handler(route).handler(event, LambdaContext(function_name=name))
    headers = {k.lower(): v for k, v in (result.get("headers") or {}).items()}
    headers |= {k.lower(): ", ".join(v) for k, v in (result.get("multiValueHeaders") or {}).items()}
    return {"status": result["statusCode"], "headers": headers, "body": json.loads(result["body"])}


def test_throttling_answers_503_busy_with_retry_after_and_writes_nothing(invoke, monkeypatch) -> None:
    failing(monkeypatch, "TransactWriteItems", "ProvisionedThroughputExceededException")
    answer = raw_invoke(invoke, "create_customer")
    assert answer["status"] == 503 and answer["headers"]["retry-after"] == "1"
    assert answer["body"]["error"]["code"] == "busy"
    monkeypatch.undo()
    assert invoke("get_customer")[0] == 404


def test_an_unexpected_failure_answers_500_internal_in_the_error_shape_with_a_correlation_id(
    invoke, monkeypatch, caplog
) -> None:
    failing(monkeypatch, "BatchGetItem", "ValidationException")
    answer = raw_invoke(invoke, "create_customer")
    error = answer["body"]["error"]
    assert answer["status"] == 500 and error["code"] == "internal" and error["field"] is None
    assert error["correlation_id"] == load_event("create_customer")["requestContext"]["requestId"]
    failures = [record for record in caplog.records if record.getMessage() == "unexpected error"]
    assert len(failures) == 1 and failures[0].levelname == "ERROR"
    assert "ValidationException" in str(failures[0].exc_info[1])  # logged once, with its stack


def test_audit_sample_events_run_against_their_handlers(invoke) -> None:
    invoke("create_customer")
    status, body = invoke("get_audit")
    assert status == 200 and body["customers_total"] == 1 and body["aliases"]["state"] == "never_run"
    assert body["cannot_sign_in"]["count"] == 1 and body["without_number"]["count"] == 0


def test_the_alias_check_worker_ignores_a_run_that_is_not_the_latest(aws) -> None:
    from devserver.server import LambdaContext
    from devserver.template import functions
    from tests.unit.conftest import load_handler

    worker = load_handler(next(f for f in functions() if f.function == "AuditAliasCheckFunction"))
    result = worker.handler(load_event("audit_alias_check"), LambdaContext(function_name="AuditAliasCheckFunction"))
    assert result["handed_on"] is False
