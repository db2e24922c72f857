"""The table's connection, configured once per execution environment, and typed reads.

:func:`configure` fixes the table name, region and endpoint before the first request (PynamoDB's
``Meta``) and creates the one boto3 client used for the calls PynamoDB cannot express
(transactions with the old item on a failed condition, counter updates that write a computed
attribute name, the idempotency store). Configuring again with other values is refused: one
execution environment talks to one table.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

import boto3
from botocore.config import Config
from botocore.exceptions import BotoCoreError, ClientError, ReadTimeoutError
from botocore.exceptions import ConnectionError as EndpointUnreachable
from pynamodb.exceptions import DoesNotExist, PynamoDBException

from customer_identity.storage.entities import TableItem
from customer_identity.storage.keys import Key

CONDITION_FAILED = "ConditionalCheckFailedException"
# Errors that mean "try again shortly", never "your request is wrong".
TRANSIENT_CODES = frozenset(
    {
        "ProvisionedThroughputExceededException",
        "ThrottlingException",
        "RequestLimitExceeded",
        "TransactionConflictException",
        "TransactionInProgressException",
        "InternalServerError",
        "ServiceUnavailable",
        "LimitExceededException",
    }
)


@dataclass(frozen=True)
class TableConfig:
    name: str
    region: str
    endpoint: str | None


_config: TableConfig | None = None
_client: Any = None


def configure(name: str, region: str, endpoint: str | None) -> None:
    """Point the item classes and the client at one table (idempotent; a different table is refused)."""
    global _config, _client
    wanted = TableConfig(name, region, endpoint)
    if _config is not None:
        if _config != wanted:
            raise RuntimeError(f"the table is already configured as {_config}; refusing {wanted}")
        return
    TableItem.Meta.table_name, TableItem.Meta.region, TableItem.Meta.host = name, region, endpoint
    _client = None
    _config = wanted


def config() -> TableConfig:
    if _config is None:
        raise RuntimeError("storage.table.configure() was not called")
    return _config


def client() -> Any:
    """The boto3 DynamoDB client of this execution environment (created on first use)."""
    global _client
    if _client is None:
        current = config()
        _client = boto3.client(
            "dynamodb",
            region_name=current.region,
            endpoint_url=current.endpoint,
            config=Config(retries={"max_attempts": 3, "mode": "standard"}, tcp_keepalive=True),
        )
    return _client


def drop_client() -> None:
    """Close and forget the client (its pooled connections); the next call makes a new one. For a
    SnapStart snapshot, which must carry no connection (:mod:`customer_identity.runtime.snapshot_hooks`)."""
    global _client
    if _client is not None:
        _client.close()
    _client = None


def get[T: TableItem](cls: type[T], key: Key) -> T | None:
    """The item at ``key`` if it is a ``cls`` (strongly consistent), else None."""
    try:
        item = TableItem.get(*key, consistent_read=True)
    except DoesNotExist:
        return None
    return item if isinstance(item, cls) else None


def batch_get(item_keys: Iterable[Key]) -> list[TableItem]:
    """The items at ``item_keys`` that exist (one strongly consistent ``BatchGetItem``)."""
    return list(TableItem.batch_get(list(item_keys), consistent_read=True))


def from_raw[T: TableItem](cls: type[T], raw: dict[str, Any]) -> T:
    """An item in DynamoDB's wire format as the entity ``cls`` (TypeError if it is another entity)."""
    item = TableItem.from_raw_data(raw)
    if not isinstance(item, cls):
        raise TypeError(f"expected {cls.__name__}, got {type(item).__name__}")
    return item


def error_code(error: BaseException) -> str | None:
    """DynamoDB's error code behind a PynamoDB or botocore error."""
    if isinstance(error, PynamoDBException):
        return error.cause_response_code
    if isinstance(error, ClientError):
        return str(error.response.get("Error", {}).get("Code"))
    return None


def condition_failed(error: BaseException) -> bool:
    """True when a single-item write did not apply because its condition did not hold."""
    return error_code(error) == CONDITION_FAILED


def is_transient(error: BaseException) -> bool:
    """Throttling, conflicts, timeouts, a service hiccup: the request may succeed if retried."""
    if isinstance(error, EndpointUnreachable | ReadTimeoutError):
        return True
    if isinstance(error, PynamoDBException) and isinstance(error.cause, BotoCoreError):
        return True
    return error_code(error) in TRANSIENT_CODES
