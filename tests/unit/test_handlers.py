"""Each Lambda handler invoked in-process with its sample event from events/ (the sam local shape)."""

import importlib.util
import json
from types import ModuleType
from typing import Any

import pytest

from devserver.server import LambdaContext
from devserver.template import PROJECT_ROOT, Route, routes

EVENTS = PROJECT_ROOT / "events"


def load_event(name: str) -> dict[str, Any]:
    return json.loads((EVENTS / f"{name}.json").read_text())


def load_handler(route: Route) -> ModuleType:
    module_name = route.handler.rpartition(".")[0]
    spec = importlib.util.spec_from_file_location(f"_test_{route.function}", route.code_dir / f"{module_name}.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture
def invoke(aws: None, settings, monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setenv("TABLE_NAME", settings.table_name)
    from customer_identity import runtime
    from customer_identity import settings as settings_module

    settings_module.settings.cache_clear()
    runtime.customer_service.cache_clear()
    handlers = {route.code_dir.name: load_handler(route) for route in routes()}

    def call(name: str, event: dict[str, Any] | None = None) -> tuple[int, dict[str, Any]]:
        result = handlers[name].handler(event or load_event(name), LambdaContext(function_name=name))
        return result["statusCode"], json.loads(result["body"])

    yield call
    settings_module.settings.cache_clear()
    runtime.customer_service.cache_clear()


def test_every_route_has_a_sample_event_and_a_thin_handler() -> None:
    for route in routes():
        event = load_event(route.code_dir.name)
        assert (event["httpMethod"], event["resource"]) == (route.method, route.path)
        source = (route.code_dir / "app.py").read_text()
        assert len(source.splitlines()) < 45, f"{route.code_dir.name} handler is not thin"


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
