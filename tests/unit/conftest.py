from collections import Counter
from collections.abc import Iterator

import boto3
import pytest
from moto import mock_aws

from customer_identity import table
from customer_identity.customers import CustomerService
from customer_identity.settings import Settings
from devserver.template import table_definition

TABLE = "identity-unit"


@pytest.fixture
def settings() -> Settings:
    return Settings(table_name=TABLE, aws_region="us-east-1", contention_budget_seconds=5)


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
