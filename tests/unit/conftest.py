import importlib.util
import json
import re
from collections import Counter
from collections.abc import Callable, Iterator
from types import ModuleType
from typing import Any

import boto3
import pytest
from moto import mock_aws

from customer_identity import table
from customer_identity.accounts import AccountService
from customer_identity.customers import CustomerService
from customer_identity.notifications import OutboxSender, outbox_messages
from customer_identity.passwords import Passwords
from customer_identity.settings import Settings
from customer_identity.tokens import Tokens, signing_key
from devserver.server import LambdaContext
from devserver.template import PROJECT_ROOT, Route, routes, table_definition

TABLE = "identity-unit"
SIGNING_KEY = "unit-test-signing-key-" + "k" * 32
# Cheap argon2id parameters: the tests exercise the logic, not the cost.
TEST_ENVIRONMENT = {
    "TABLE_NAME": TABLE,
    "JWT_SIGNING_KEY": SIGNING_KEY,
    "NOTIFICATION_SENDER": "outbox",
    "PASSWORD_HASH_MEMORY_KIB": "1024",
    "PASSWORD_HASH_TIME_COST": "1",
    "CONTENTION_BUDGET_SECONDS": "5",
}


@pytest.fixture
def settings() -> Settings:
    return Settings.from_env({**TEST_ENVIRONMENT, "AWS_REGION": "us-east-1"})


@pytest.fixture
def aws() -> Iterator[None]:
    with mock_aws():
        boto3.client("dynamodb", region_name="us-east-1").create_table(TableName=TABLE, **table_definition())
        yield


@pytest.fixture
def service(aws: None, settings: Settings) -> CustomerService:
    return CustomerService(settings)


@pytest.fixture
def requests_made(service: CustomerService) -> Counter[str]:
    """DynamoDB operations sent from now on, counted by name (a botocore event hook)."""
    counts: Counter[str] = Counter()

    def count(model: object, **_: object) -> None:
        counts[model.name] += 1  # type: ignore[attr-defined]

    table.dynamodb_client().meta.events.register("before-call.dynamodb", count)
    return counts


@pytest.fixture
def accounts(service: CustomerService, settings: Settings) -> AccountService:
    passwords = Passwords(memory_kib=settings.password_hash_memory_kib, time_cost=settings.password_hash_time_cost)
    return AccountService(service, Tokens(signing_key(settings)), OutboxSender(), passwords)


@pytest.fixture
def outbox(aws: None) -> Callable[[str], str]:
    """The text of the newest message the outbox kept for an address."""

    def newest(to: str) -> str:
        messages = outbox_messages(to)
        assert messages, f"no message to {to}"
        return messages[0]["text"]

    return newest


def code_in(text: str) -> str:
    found = re.search(r"\b(\d{6})\b", text)
    assert found, text
    return found.group(1)


def reset_token_in(text: str) -> str:
    found = re.search(r"token is (\S+)", text)
    assert found, text
    return found.group(1)


EVENTS = PROJECT_ROOT / "events"
PLACEHOLDER = "Bearer <paste the output of: make -s token ROLE=admin>"


def load_event(name: str) -> dict[str, Any]:
    return json.loads((EVENTS / f"{name}.json").read_text())


def load_handler(route: Route) -> ModuleType:
    module_name = route.handler.rpartition(".")[0]
    spec = importlib.util.spec_from_file_location(f"_test_{route.function}", route.code_dir / f"{module_name}.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _clear_caches() -> None:
    from customer_identity import runtime
    from customer_identity import settings as settings_module

    settings_module.settings.cache_clear()
    for built in (
        runtime.customer_service,
        runtime.booking_service,
        runtime.idempotent_bookings,
        runtime.tokens,
        runtime.account_service,
    ):
        built.cache_clear()


@pytest.fixture
def invoke(aws: None, monkeypatch: pytest.MonkeyPatch):
    """Call a handler with its sample event (or another); the placeholder token becomes a real one."""
    for name, value in TEST_ENVIRONMENT.items():
        monkeypatch.setenv(name, value)
    _clear_caches()
    handlers = {route.code_dir.name: load_handler(route) for route in routes()}
    from customer_identity.runtime import tokens

    admin = tokens().issue(account_id="stf_unit_admin", role="admin", customer_id=None, method="local")

    def call(name: str, event: dict[str, Any] | None = None, token: str | None = None) -> tuple[int, dict[str, Any]]:
        event = json.loads(json.dumps(event or load_event(name)))
        headers = event.get("headers") or {}
        if headers.get("Authorization") == PLACEHOLDER:
            headers["Authorization"] = f"Bearer {token or admin}"
        result = handlers[name].handler(event, LambdaContext(function_name=name))
        return result["statusCode"], json.loads(result["body"])

    yield call
    _clear_caches()
