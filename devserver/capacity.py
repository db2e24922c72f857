"""DynamoDB capacity consumed by the service, summed from every call (``bench/cost.py``, its unit test).

:class:`CapacityMeter` hooks botocore's events on every DynamoDB client the service uses, through
public APIs only: the storage layer's boto3 client (made from boto3's default session, whose
``events`` every later client copies) and PynamoDB's own botocore client (reached from PynamoDB's
``pre_dynamodb_send`` signal, whose sender is the connection; signals need ``blinker``).

* ``before-parameter-build.dynamodb.*`` asks for ``ReturnConsumedCapacity=INDEXES`` on every call
  whose input accepts it (so the table and each index are reported apart);
* ``after-call.dynamodb.*`` records, per call, the read and write units the endpoint reported,
  the part of them that is indexes, and for writes the table's own write units computed from
  AWS's documented rules and the items' sizes (read, unmetered and timed apart, before and after):
  1 unit per KB of the larger size, at least 1, x2 in a transaction; a failed condition costs the
  existing item; a ``ConditionCheck`` counts as a transactional write of the checked item.

Why computed: moto reports constants (0.5 or 1 per call, nothing for transactions). DynamoDB Local
reports sizes, each index, the transactional x2 and the eventually consistent half, but rounds a
transaction's items together instead of each item (a 5-item transaction of small items: 4 units,
where AWS charges 10), counts a ``ConditionCheck`` as 0 and reports nothing for an error. So
``docs/cost.md`` takes reads and index writes as DynamoDB Local reports them, and the table's own
write units as computed here.
"""

from __future__ import annotations

import json
import math
import time
from collections import Counter
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

READS = frozenset({"GetItem", "BatchGetItem", "Query", "Scan", "TransactGetItems"})
WRITES = frozenset({"PutItem", "UpdateItem", "DeleteItem", "TransactWriteItems"})
KEY = ("pk", "sk")  # the table's key (template.yaml)


@dataclass
class Call:
    operation: str
    partitions: list[str]  # the pk of every item the call names (to tell, e.g., outbox writes apart)
    reported_read: float = 0.0
    reported_write: float = 0.0
    reported_index: float = 0.0  # the part of reported_write that is global secondary indexes
    table_write: float | None = None  # computed from item sizes (writes only)
    error: str | None = None

    @property
    def read(self) -> float:
        return self.reported_read

    @property
    def write(self) -> float:
        """The table's part computed, the indexes' part as reported."""
        if self.table_write is None:
            return self.reported_write
        return self.table_write + self.reported_index


@dataclass
class CapacityMeter:
    calls: list[Call] = field(default_factory=list)
    asked: int = 0  # calls on which the meter set ReturnConsumedCapacity
    active: bool = True  # uninstall() turns the hooks already copied into clients into no-ops
    overhead_ms: float = 0.0  # time the meter itself spent reading item sizes (to subtract)
    overhead_cpu_ms: float = 0.0
    own_reads: int = 0  # GetItem calls the meter made itself (unmetered)
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
        if not self.active or "ReturnConsumedCapacity" not in model.input_shape.members:
            return
        params["ReturnConsumedCapacity"] = "INDEXES"
        context["cost_params"] = params  # for _record, which sees the response only
        self.asked += 1
        if model.name in WRITES:  # the items as they are before the write, for their sizes
            context["cost_before"] = {
                _frozen(key): self._item(table, key) for table, key, _ in written(model.name, params)
            }

    def _record(self, parsed: dict[str, Any], model: Any, context: dict[str, Any], **_: Any) -> None:
        operation = model.name
        if not self.active or "cost_params" not in context:
            return
        params = context["cost_params"]
        call = Call(operation, partitions(operation, params))
        call.error = parsed.get("Error", {}).get("Code")
        for consumed in _as_list(parsed.get("ConsumedCapacity")):
            units = float(consumed.get("CapacityUnits", 0))
            indexes = sum(
                float(detail.get("CapacityUnits", 0))
                for kind in ("GlobalSecondaryIndexes", "LocalSecondaryIndexes")
                for detail in (consumed.get(kind) or {}).values()
            )
            if operation in READS:
                call.reported_read += units  # an index query's units are reads, never index writes
            else:
                call.reported_write += units
                call.reported_index += indexes
        if operation in WRITES:
            call.table_write = self._table_write(operation, params, context["cost_before"], call.error)
        self.calls.append(call)

    def _table_write(self, operation: str, params: dict[str, Any], before: dict[Any, Any], error: str | None) -> float:
        """Write units of the table's own items by AWS's rules (indexes apart): per item, 1 per KB of
        the larger of its sizes before and after, at least 1; x2 in a transaction, where a
        ``ConditionCheck`` counts as a write of the checked item. A failed condition still costs
        the existing item's size (at least 1); a cancelled transaction is counted as nothing."""
        if operation == "TransactWriteItems" and error:
            return 0.0
        factor = 2 if operation == "TransactWriteItems" else 1
        units = 0
        for table, key, action in written(operation, params):
            old = before.get(_frozen(key))
            if error or action in ("Delete", "ConditionCheck"):
                new = None
            elif action == "Put":
                new = params.get("Item") if operation == "PutItem" else _put_item(params, key)
            else:
                new = self._item(table, key)
            size = max(item_size(old or {}), item_size(new or {}))
            units += factor * max(1, math.ceil(size / 1024))
        return float(units)

    def _item(self, table: str | None, key: dict[str, Any] | None) -> dict[str, Any] | None:
        if not table or not key:
            return None
        started, cpu = time.perf_counter(), time.process_time()
        if self._reader is None:
            import boto3

            from customer_identity.storage import table as storage

            current = storage.config()
            # A session of its own: its client is not metered.
            self._reader = boto3.session.Session().client(
                "dynamodb", region_name=current.region, endpoint_url=current.endpoint
            )
        item = self._reader.get_item(TableName=table, Key=key, ConsistentRead=True).get("Item")
        self.own_reads += 1
        self.overhead_ms += (time.perf_counter() - started) * 1000
        self.overhead_cpu_ms += (time.process_time() - cpu) * 1000
        return item

    # -- reading ----------------------------------------------------------------------------------

    def clear(self) -> None:
        self.calls.clear()
        self.overhead_ms = self.overhead_cpu_ms = 0.0

    def requests(self) -> Counter[str]:
        return Counter(call.operation for call in self.calls)


def _as_list(consumed: Any) -> list[dict[str, Any]]:
    if not consumed:
        return []
    return consumed if isinstance(consumed, list) else [consumed]


def written(operation: str, params: dict[str, Any]) -> list[tuple[str, dict[str, Any], str]]:
    """(table, key, action) of every item a write names; action: Put, Update, Delete, ConditionCheck."""
    if "TransactItems" in params:
        found = []
        for entry in params["TransactItems"]:
            (action, body), *_ = entry.items()
            found.append((body["TableName"], body.get("Key") or _key_of(body["Item"]), action))
        return found
    if operation == "PutItem":
        return [(params["TableName"], _key_of(params["Item"]), "Put")]
    return [(params["TableName"], params["Key"], "Delete" if operation == "DeleteItem" else "Update")]


def _key_of(item: dict[str, Any]) -> dict[str, Any]:
    return {name: item[name] for name in KEY if name in item}


def _put_item(params: dict[str, Any], key: dict[str, Any]) -> dict[str, Any] | None:
    for entry in params["TransactItems"]:
        body = entry.get("Put")
        if body and _key_of(body["Item"]) == key:
            return body["Item"]
    return None


def _frozen(key: dict[str, Any]) -> tuple[Any, ...]:
    return tuple(sorted((name, json.dumps(value, sort_keys=True)) for name, value in key.items()))


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
