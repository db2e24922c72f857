"""CORS for browser frontends: headers only for the configured origins, none when there are none."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from customer_identity.core.errors import ConfigurationError
from customer_identity.core.settings import load_settings
from devserver.server import LambdaContext
from devserver.template import routes
from tests.unit.conftest import load_event, load_handler

ALLOWED = "https://app.example.com"
ROUTES = {route.code_dir.name: route for route in routes()}


def answer(name: str, origin: str | None, **changes: Any) -> dict[str, Any]:
    event = load_event(name) | changes
    if origin is not None:
        event["headers"] = event["headers"] | {"Origin": origin}
        event["multiValueHeaders"] = event["multiValueHeaders"] | {"Origin": [origin]}
    module = load_handler(ROUTES[name])  # built now: CORS is read at cold start
    return module.handler(event, LambdaContext(function_name=name))


def cors(result: dict[str, Any]) -> dict[str, str]:
    merged = {k: ",".join(v) for k, v in (result.get("multiValueHeaders") or {}).items()} | result["headers"]
    return {k: v for k, v in merged.items() if k.lower().startswith("access-control-")}


def preflight(origin: str) -> dict[str, Any]:
    from customer_identity.api import preflight_handler

    event = load_event("create_customer") | {"httpMethod": "OPTIONS", "body": None}
    event["headers"] = {"Origin": origin, "Access-Control-Request-Method": "POST"}
    return preflight_handler(event, LambdaContext(function_name="cors_preflight"))


def test_with_no_origins_configured_nothing_is_added(aws: None, environment: Callable[..., None]) -> None:
    for origin in (ALLOWED, "https://evil.example"):
        assert cors(answer("health", origin)) == {}
        assert cors(answer("get_me", origin)) == {}  # a 401 too
        assert preflight(origin)["statusCode"] == 204 and cors(preflight(origin)) == {}


def test_an_allowed_origin_is_echoed_without_credentials_and_another_gets_nothing(
    aws: None, environment: Callable[..., None]
) -> None:
    environment(ALLOWED_ORIGINS=f"{ALLOWED}, https://admin.example.com")
    for name in ("health", "get_me", "create_customer"):  # 200, and 401s the edge answers itself
        headers = cors(answer(name, ALLOWED))
        assert headers["Access-Control-Allow-Origin"] == ALLOWED, name
        assert "Access-Control-Allow-Credentials" not in headers
        assert cors(answer(name, "https://evil.example")) == {}, name
        assert cors(answer(name, None)) == {}, name
    unsupported = answer("health", ALLOWED, headers={"Origin": ALLOWED, "Content-Type": "text/plain"}, body="x")
    assert unsupported["headers"]["Access-Control-Allow-Origin"] == ALLOWED
    allowed = preflight(ALLOWED)
    assert allowed["statusCode"] == 204
    assert cors(allowed)["Access-Control-Allow-Origin"] == ALLOWED
    assert set(cors(allowed)["Access-Control-Allow-Methods"].split(",")) == {"GET", "POST", "PUT", "PATCH", "DELETE"}
    assert {"Idempotency-Key", "X-Requested-With"} <= set(cors(allowed)["Access-Control-Allow-Headers"].split(","))
    assert cors(preflight("https://evil.example")) == {}


@pytest.mark.parametrize("value", ["*", "https://app.example.com/", "app.example.com", "https://*.example.com"])
def test_an_origin_list_with_a_wildcard_or_a_path_stops_the_cold_start(value: str) -> None:
    with pytest.raises(ConfigurationError, match="ALLOWED_ORIGINS"):
        load_settings(allowed_origins=value)
