import importlib.util
import json
import re
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, nullcontext
from dataclasses import dataclass
from types import ModuleType
from typing import Any

import boto3
import botocore.client
import pytest
from moto import mock_aws

from customer_identity import runtime
from customer_identity.core.settings import Settings
from customer_identity.use_cases.admin.staff import Staff
from customer_identity.use_cases.bookings.bookings import Bookings
from customer_identity.use_cases.identity.listing import Listing
from customer_identity.use_cases.identity.numbering import Numbering
from customer_identity.use_cases.identity.profiles import Profiles
from customer_identity.use_cases.identity.registration import Registration
from customer_identity.use_cases.identity.resolution import Resolver
from customer_identity.use_cases.identity.views import Views
from customer_identity.use_cases.sign_in.accounts import Accounts
from customer_identity.use_cases.sign_in.credentials import Credentials
from customer_identity.use_cases.sign_in.notifications import outbox_messages
from customer_identity.use_cases.sign_in.password_resets import ResetDelivery, ResetRequests
from customer_identity.use_cases.sign_in.password_sign_in import PasswordSignIn
from customer_identity.use_cases.sign_in.phone_sign_in import PhoneSignIn
from devserver.server import LambdaContext
from devserver.template import PROJECT_ROOT, Function, functions, routes, table_definition

TABLE = "identity-unit"
TEST_IP = "192.0.2.10"  # the client address of requests made in-process (TEST-NET-1)
SIGNING_KEY = "unit-test-signing-key-" + "k" * 32
# Cheap argon2id parameters: the tests exercise the logic, not the cost.
TEST_ENVIRONMENT = {
    "TABLE_NAME": TABLE,
    "AWS_REGION": "us-east-1",
    "JWT_SIGNING_KEY": SIGNING_KEY,
    "NOTIFICATION_SENDER": "outbox",
    "PASSWORD_HASH_MEMORY_KIB": "1024",
    "PASSWORD_HASH_TIME_COST": "1",
    "CONTENTION_BUDGET_SECONDS": "5",
    "POWERTOOLS_METRICS_NAMESPACE": "CustomerIdentityTests",
    "POWERTOOLS_TRACE_DISABLED": "true",
    "EVENT_BUS_NAME": "customer-identity-events-prod",  # the template's, at the Stage default
    # Console backfill runs: the template's bucket and state machine (at the Stage default), on moto.
    "BACKFILL_BUCKET": "backfill-unit",
    "BACKFILL_STATE_MACHINE_ARN": "arn:aws:states:us-east-1:123456789012:stateMachine:customer-identity-backfill-prod",
}


@dataclass(frozen=True)
class Domain:
    """The use cases of one execution environment, as the composition root builds them."""

    settings: Settings
    views: Views
    registration: Registration
    resolver: Resolver
    reader: Resolver
    profiles: Profiles
    listing: Listing
    numbering: Numbering
    bookings: Bookings
    accounts: Accounts
    credentials: Credentials
    phone_sign_in: PhoneSignIn
    password_sign_in: PasswordSignIn
    reset_requests: ResetRequests
    reset_delivery: ResetDelivery
    staff: Staff

    def create(self, phone: str, **fields: object):
        from customer_identity.core.models.customers import NewCustomer

        return self.registration.find_or_create(NewCustomer(phone=phone, **fields))

    def forgot(self, *, email: str | None = None, phone: str | None = None, source_ip: str = TEST_IP) -> None:
        """POST /auth/password/forgot as deployed, in-process: the public checks, then the worker's delivery."""
        self.reset_delivery.deliver(self.reset_requests.prepare(email=email, phone=phone, source_ip=source_ip))


@pytest.fixture
def environment(monkeypatch: pytest.MonkeyPatch) -> Callable[..., None]:
    """Set the test environment (plus ``overrides``) and forget every object built from the last one."""

    def apply(**overrides: str) -> None:
        for name, value in {**TEST_ENVIRONMENT, **overrides}.items():
            monkeypatch.setenv(name, value)
        runtime.reset()

    apply()
    yield apply
    runtime.reset()


@pytest.fixture
def aws(environment: Callable[..., None], request: pytest.FixtureRequest) -> Iterator[None]:
    """moto, with the template's table; its stream only for tests marked ``stream`` (moto records
    one slowly)."""
    stream = request.node.get_closest_marker("stream") is not None
    with mock_aws():
        boto3.client("dynamodb", region_name="us-east-1").create_table(
            TableName=TABLE, **table_definition(stream=stream)
        )
        yield


def build_domain() -> Domain:
    return Domain(
        settings=runtime.config(),
        views=runtime.views(),
        registration=runtime.registration(),
        resolver=runtime.resolver(),
        reader=runtime.resolver_reader(),
        profiles=runtime.profiles(),
        listing=runtime.listing(),
        numbering=runtime.numbering(),
        bookings=runtime.bookings(),
        accounts=runtime.accounts(),
        credentials=runtime.credentials(),
        phone_sign_in=runtime.phone_sign_in(),
        password_sign_in=runtime.password_sign_in(),
        reset_requests=runtime.reset_requests(),
        reset_delivery=runtime.reset_delivery(),
        staff=runtime.staff(),
    )


@pytest.fixture
def domain(aws: None) -> Domain:
    return build_domain()


@pytest.fixture
def requests_made(domain: Domain, monkeypatch: pytest.MonkeyPatch) -> Counter[str]:
    """DynamoDB operations sent from now on by any client, counted by name."""
    counts: Counter[str] = Counter()
    original = botocore.client.BaseClient._make_api_call

    def counted(client: Any, operation: str, params: dict[str, Any]) -> Any:
        if client.meta.service_model.service_name == "dynamodb":
            counts[operation] += 1
        return original(client, operation, params)

    monkeypatch.setattr(botocore.client.BaseClient, "_make_api_call", counted)
    return counts


@pytest.fixture
def on_call(monkeypatch: pytest.MonkeyPatch) -> Callable[[str, Callable[[], object]], None]:
    """``on_call(operation, action)``: run ``action`` once, right after the next DynamoDB ``operation``
    answers (to stage a concurrent request, or a crash, at an exact point)."""
    original = botocore.client.BaseClient._make_api_call
    pending: dict[str, Callable[[], object]] = {}

    def call(client: Any, operation: str, params: dict[str, Any]) -> Any:
        response = original(client, operation, params)
        action = pending.pop(operation, None)
        if action is not None:
            action()
        return response

    monkeypatch.setattr(botocore.client.BaseClient, "_make_api_call", call)
    return lambda operation, action: pending.__setitem__(operation, action)


WRITE_OPERATIONS = frozenset(
    {"PutItem", "UpdateItem", "DeleteItem", "BatchWriteItem", "TransactWriteItems", "CreateTable", "UpdateTable"}
)


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


def email_token_in(text: str) -> str:
    found = re.search(r"confirmation token is (\S+)", text)
    assert found, text
    return found.group(1)


def set_email(domain: Domain, outbox, caller, address: str):
    """Ask for ``address`` and confirm it with the token sent there (the only way an email becomes a login)."""
    from customer_identity.core.models.accounts import CredentialsChange

    domain.credentials.change(caller, CredentialsChange(email=address))
    return domain.credentials.change(caller, CredentialsChange(email_token=email_token_in(outbox(address))))


def reset_token_in(text: str) -> str:
    found = re.search(r"token is (\S+)", text)
    assert found, text
    return found.group(1)


EVENTS = PROJECT_ROOT / "events"
PLACEHOLDER = "Bearer <paste the output of: make -s token ROLE=admin>"


def load_event(name: str) -> dict[str, Any]:
    return json.loads((EVENTS / f"{name}.json").read_text())


def load_handler(route: Function) -> ModuleType:
    module_name = route.handler.rpartition(".")[0]
    spec = importlib.util.spec_from_file_location(f"_test_{route.function}", route.code_dir / f"{module_name}.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def real_staff_token(role: str = "admin") -> str:
    """A token of a staff account of ``role`` that exists (staff tokens are checked against their account)."""
    account = runtime.staff().ensure(email=f"unit-{role.replace('_', '-')}@example.com", role=role, name=f"Unit {role}")
    return runtime.accounts().token_for(account, "local").token


def session_token(account_id: str, role: str = "customer") -> str:
    """A token of a live session of ``account_id`` (which need not exist: role checks come first)."""
    from customer_identity.use_cases.sign_in.session_store import Client

    store = runtime.session_store()
    kind = "customer" if role == "customer" else "staff"
    session = store.new_session(account_id=account_id, kind=kind, role=role, method="otp", client=Client())
    store.open(session)
    return store.pair(session, account_id if kind == "customer" else None).access_token


def real_admin_token() -> str:
    return real_staff_token("admin")


class LambdaQueue:
    """Lambda's asynchronous invocations, queued in-process instead of sent (``queued``: function name and
    event); calling it runs every queued one with its function's handler, as Lambda would soon after."""

    def __init__(self) -> None:
        self.queued: list[tuple[str, dict[str, Any]]] = []
        # Wraps each run with the function's name (a test recording which function sends what sets it).
        self.around: Callable[[str], AbstractContextManager[object]] = lambda _: nullcontext()
        self._functions = {function.function: function for function in functions()}
        self._loaded: dict[str, ModuleType] = {}

    def __call__(self) -> int:
        ran = 0
        while self.queued:
            name, event = self.queued.pop(0)
            if name not in self._loaded:
                self._loaded[name] = load_handler(self._functions[name])
            with self.around(name):
                self._loaded[name].handler(event, LambdaContext(function_name=name))
            ran += 1
        return ran


@pytest.fixture
def lambda_queue(aws: None, monkeypatch: pytest.MonkeyPatch) -> LambdaQueue:
    queue = LambdaQueue()
    original = botocore.client.BaseClient._make_api_call

    def call(client: Any, operation: str, params: dict[str, Any]) -> Any:
        if client.meta.service_model.service_name != "lambda" or operation != "Invoke":
            return original(client, operation, params)
        assert params["InvocationType"] == "Event", params
        queue.queued.append((params["FunctionName"], json.loads(params["Payload"])))
        return {"StatusCode": 202}

    monkeypatch.setattr(botocore.client.BaseClient, "_make_api_call", call)
    return queue


@pytest.fixture
def invoke(aws: None, lambda_queue: LambdaQueue):
    """Call a handler with its sample event (or another); the placeholder token becomes a real one.
    Asynchronous invocations it makes run right after it answers (``lambda_queue``)."""
    handlers = {route.code_dir.name: load_handler(route) for route in routes()}
    # Every token is checked against its session: this admin and its session exist.
    account = runtime.staff().ensure(email="unit-admin@example.com", role="admin", name="Unit admin")
    admin = runtime.accounts().token_for(account, "local").token

    def call(name: str, event: dict[str, Any] | None = None, token: str | None = None) -> tuple[int, dict[str, Any]]:
        event = json.loads(json.dumps(event or load_event(name)))
        headers = event.get("headers") or {}
        if headers.get("Authorization") == PLACEHOLDER:
            headers["Authorization"] = f"Bearer {token or admin}"
        result = handlers[name].handler(event, LambdaContext(function_name=name))
        lambda_queue()
        return result["statusCode"], json.loads(result["body"])

    call.admin_token = admin  # type: ignore[attr-defined]
    call.admin_id = account.staff.account_id  # type: ignore[attr-defined,union-attr]
    return call
