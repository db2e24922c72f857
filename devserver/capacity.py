"""DynamoDB capacity consumed by the service, summed from every call (``bench/cost.py``, its unit test).

:class:`CapacityMeter` hooks botocore's events on every DynamoDB client the service uses, through
public APIs only: the storage layer's boto3 client (made from boto3's default session, whose
``events`` every later client copies) and PynamoDB's own botocore client (reached from PynamoDB's
``pre_dynamodb_send`` signal, whose sender is the connection; signals need ``blinker``).

* ``before-parameter-build.dynamodb.*`` asks for ``ReturnConsumedCapacity=INDEXES`` on every call
  whose input accepts it (so the table and each index are reported apart);
* ``after-call.dynamodb.*`` records, per call, the units the endpoint reported (read or write by
  the operation), and what it did not report but AWS charges (computed from AWS's documented rules):

  - a failed conditional ``PutItem``/``UpdateItem``/``DeleteItem`` (AWS: it still consumes write
    units for the existing item's size, at least 1; no endpoint reports an error's capacity);
  - a ``ConditionCheck`` inside ``TransactWriteItems``, which DynamoDB Local counts as 0: taken as a
    transactional write of the checked item (2 units per KB, at least 2), as measured on AWS by a
    third party (AWS's documentation does not say).

  ``computed_*`` holds those; ``reported_*`` what the endpoint said. moto reports constants (0.5 or 1
  per call, nothing for transactions); DynamoDB Local reports sizes, indexes and the transactional
  ×2, so the figures of ``docs/cost.md`` come from DynamoDB Local.
"""

from __future__ import annotations

import math
from collections import Counter
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

READS = frozenset({"GetItem", "BatchGetItem", "Query", "Scan", "TransactGetItems"})
SINGLE_WRITES = frozenset({"PutItem", "UpdateItem", "DeleteItem"})
CONDITION_FAILED = "ConditionalCheckFailedException"


@dataclass
class Call:
    operation: str
    partitions: list[str]  # the pk of every item the call names (to tell, e.g., outbox writes apart)
    reported_read: float = 0.0
    reported_write: float = 0.0
    reported_index: float = 0.0  # the part of reported_* that is global secondary indexes
    computed_write: float = 0.0
    error: str | None = None

    @property
    def read(self) -> float:
        return self.reported_read

    @property
    def write(self) -> float:
        return self.reported_write + self.computed_write


@dataclass
class CapacityMeter:
    calls: list[Call] = field(default_factory=list)
    asked: int = 0  # calls on which the meter set ReturnConsumedCapacity
    active: bool = True  # uninstall() turns the hooks already copied into clients into no-ops
    _clients: set[int] = field(default_factory=set)
    _reader: Any = None  # a client of its own, not metered, to read an item's size

    # -- installing -------------------------------------------------------------------------------

    def attach(self, client: Any) -> None:
        """Meter one botocore/boto3 client (idempotent)."""
        if id(client) in self._clients:
            return
        self._clients.add(id(client))
        self._hook(client.meta.events)

    def install(self) -> None:
        """Meter every DynamoDB client the service creates from now on, and PynamoDB's."""
        import boto3
        from pynamodb.signals import pre_dynamodb_send

        if boto3.DEFAULT_SESSION is None:
            boto3.setup_default_session()
        self._hook(boto3.DEFAULT_SESSION.events)  # type: ignore[union-attr]
        pre_dynamodb_send.connect(self._on_pynamodb_send, weak=False)
        from customer_identity.storage import table

        try:
            table.config()
        except RuntimeError:
            return  # not configured yet: its client will come from the session hooked above
        self.attach(table.client())  # made before install(): it did not copy the session's hooks

    def uninstall(self) -> None:
        import boto3
        from pynamodb.signals import pre_dynamodb_send

        self.active = False
        pre_dynamodb_send.disconnect(self._on_pynamodb_send)
        if boto3.DEFAULT_SESSION is not None:
            boto3.DEFAULT_SESSION.events.unregister("before-parameter-build.dynamodb", self._ask)
            boto3.DEFAULT_SESSION.events.unregister("after-call.dynamodb", self._record)

    def _on_pynamodb_send(self, sender: Any, **_: Any) -> None:
        self.attach(sender.client)

    def _hook(self, events: Any) -> None:
        events.register("before-parameter-build.dynamodb", self._ask, unique_id=f"cost-ask-{id(self)}")
        events.register("after-call.dynamodb", self._record, unique_id=f"cost-record-{id(self)}")

    # -- the hooks --------------------------------------------------------------------------------

    def _ask(self, params: dict[str, Any], model: Any, context: dict[str, Any], **_: Any) -> None:
        if self.active and "ReturnConsumedCapacity" in model.input_shape.members:
            params["ReturnConsumedCapacity"] = "INDEXES"
            context["cost_params"] = params  # for _record, which sees the response only
            self.asked += 1

    def _record(self, parsed: dict[str, Any], model: Any, context: dict[str, Any], **_: Any) -> None:
        operation = model.name
        if not self.active or "cost_params" not in context:
            return
        params = context.get("cost_params") or {}
        call = Call(operation, partitions(operation, params))
        error = parsed.get("Error", {}).get("Code")
        call.error = error
        for consumed in _as_list(parsed.get("ConsumedCapacity")):
            units = float(consumed.get("CapacityUnits", 0))
            indexes = sum(
                float(detail.get("CapacityUnits", 0))
                for kind in ("GlobalSecondaryIndexes", "LocalSecondaryIndexes")
                for detail in (consumed.get(kind) or {}).values()
            )
            if operation in READS:
                call.reported_read += units
            else:
                call.reported_write += units
            call.reported_index += indexes
        if operation in SINGLE_WRITES and error == CONDITION_FAILED:
            old = parsed.get("Item") or self._item(params.get("TableName"), params.get("Key") or _key(params))
            call.computed_write += max(1, math.ceil(item_size(old) / 1024)) if old else 1
        if operation == "TransactWriteItems" and not error:
            for action in params.get("TransactItems", []):
                check = action.get("ConditionCheck")
                if check:
                    item = self._item(check["TableName"], check["Key"])
                    call.computed_write += 2 * max(1, math.ceil(item_size(item or {}) / 1024))
        self.calls.append(call)

    def _item(self, table: str | None, key: dict[str, Any] | None) -> dict[str, Any] | None:
        if not table or not key:
            return None
        if self._reader is None:
            import boto3

            from customer_identity.storage import table as storage

            current = storage.config()
            # A session of its own: its client is not metered.
            self._reader = boto3.session.Session().client(
                "dynamodb", region_name=current.region, endpoint_url=current.endpoint
            )
        return self._reader.get_item(TableName=table, Key=key, ConsistentRead=True).get("Item")

    # -- reading ----------------------------------------------------------------------------------

    def clear(self) -> None:
        self.calls.clear()

    def requests(self) -> Counter[str]:
        return Counter(call.operation for call in self.calls)


def _as_list(consumed: Any) -> list[dict[str, Any]]:
    if not consumed:
        return []
    return consumed if isinstance(consumed, list) else [consumed]


def _key(params: dict[str, Any]) -> dict[str, Any] | None:
    item = params.get("Item")
    if not item:
        return None
    return {name: item[name] for name in ("pk", "sk") if name in item}


def partitions(operation: str, params: dict[str, Any]) -> list[str]:
    """The ``pk`` of every item a call names (queries: the key condition's value)."""
    found: list[str] = []

    def add(item: dict[str, Any] | None) -> None:
        if item and "pk" in item and "S" in item["pk"]:
            found.append(item["pk"]["S"])

    add(params.get("Key"))
    add(params.get("Item"))
    for action in params.get("TransactItems", []):
        for body in action.values():
            add(body.get("Key") or body.get("Item"))
    for request in (params.get("RequestItems") or {}).values():
        if isinstance(request, dict):
            for key in request.get("Keys", []):
                add(key)
        else:
            for write in request:
                for body in write.values():
                    add(body.get("Key") or body.get("Item"))
    if operation == "Query":
        for value in (params.get("ExpressionAttributeValues") or {}).values():
            if "S" in value:
                found.append(value["S"])
                break
    return found


def item_size(item: dict[str, Any]) -> int:
    """An item's size by AWS's rules: each attribute's name (UTF-8 bytes) plus its value's size."""
    return sum(len(name.encode()) + _value_size(value) for name, value in item.items())


def _value_size(value: dict[str, Any]) -> int:
    (kind, data), *_ = value.items()
    if kind == "S":
        return len(data.encode())
    if kind == "N":
        return _number_size(data)
    if kind == "B":
        return len(data)
    if kind in ("BOOL", "NULL"):
        return 1
    if kind in ("SS",):
        return sum(len(s.encode()) for s in data)
    if kind == "NS":
        return sum(_number_size(n) for n in data)
    if kind == "BS":
        return sum(len(b) for b in data)
    if kind == "L":
        return 3 + sum(1 + _value_size(v) for v in data)
    if kind == "M":
        return 3 + sum(1 + len(k.encode()) + _value_size(v) for k, v in data.items())
    raise ValueError(f"unknown DynamoDB type {kind}")


def _number_size(text: str) -> int:
    """About 1 byte per 2 significant digits, plus 1 (AWS: "approximately")."""
    digits = Decimal(text).normalize().as_tuple().digits
    return math.ceil(len(digits) / 2) + 1
