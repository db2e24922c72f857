import re
from collections import Counter
from collections.abc import Callable, Iterator

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
from devserver.template import table_definition

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
