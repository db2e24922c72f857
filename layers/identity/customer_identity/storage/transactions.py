"""All-or-nothing writes: one ``TransactWriteItems`` (at most 100 operations) with labelled operations.

Operations are sent in the order they were added, so DynamoDB's cancellation reasons (one per
operation, in request order) map back to their labels by construction. Every conditioned
operation asks for the item that blocked it (``ReturnValuesOnConditionCheckFailure=ALL_OLD``).
Conditions are boto3 condition objects (``Attr("pk").not_exists()``, ``Attr("revision").eq(3)``).
"""

from __future__ import annotations

from typing import Any

from boto3.dynamodb.conditions import ConditionBase, ConditionExpressionBuilder
from boto3.dynamodb.types import TypeSerializer
from botocore.exceptions import ClientError

from customer_identity.storage import table
from customer_identity.storage.entities import TableItem
from customer_identity.storage.keys import Key

MAX_OPERATIONS = 100
CONDITION_FAILED = "ConditionalCheckFailed"
_serializer = TypeSerializer()


class TransactionCancelled(Exception):
    """A transaction changed nothing; ``reasons`` maps each operation's label to its reason code."""

    def __init__(self, reasons: dict[str, dict[str, Any]]) -> None:
        super().__init__({label: reason.get("Code") for label, reason in reasons.items()})
        self.reasons = reasons

    def failed(self, label: str) -> bool:
        """True when the condition of the operation ``label`` did not hold."""
        return self.reasons.get(label, {}).get("Code") == CONDITION_FAILED

    def old_item[T: TableItem](self, label: str, cls: type[T]) -> T | None:
        """The item that made ``label``'s condition fail, as it was (None if it did not exist)."""
        raw = self.reasons.get(label, {}).get("Item")
        return table.from_raw(cls, raw) if raw else None


def _key(key: Key) -> dict[str, Any]:
    return {"pk": {"S": key[0]}, "sk": {"S": key[1]}}


class Transaction:
    def __init__(self) -> None:
        self._operations: list[dict[str, Any]] = []
        self._labels: list[str] = []

    def __len__(self) -> int:
        return len(self._operations)

    def _add(self, label: str, kind: str, body: dict[str, Any], condition: ConditionBase | None) -> None:
        if label in self._labels:
            raise ValueError(f"duplicate transaction label {label!r}")
        body = {"TableName": table.config().name, **body}
        if condition is not None:
            built = ConditionExpressionBuilder().build_expression(condition)
            body["ConditionExpression"] = built.condition_expression
            _merge(body, built.attribute_name_placeholders, built.attribute_value_placeholders)
            body["ReturnValuesOnConditionCheckFailure"] = "ALL_OLD"
        self._labels.append(label)
        self._operations.append({kind: body})

    def put(self, label: str, item: TableItem, condition: ConditionBase | None = None) -> None:
        self._add(label, "Put", {"Item": item.serialize()}, condition)

    def update(
        self,
        label: str,
        key: Key,
        *,
        set_values: dict[str, Any] | None = None,
        add_values: dict[str, Any] | None = None,
        remove: tuple[str, ...] = (),
        condition: ConditionBase | None = None,
    ) -> None:
        """``SET`` attributes to values, ``ADD`` numbers to attributes, ``REMOVE`` attributes."""
        names: dict[str, str] = {}
        values: dict[str, Any] = {}
        clauses = []
        for verb, pairs, separator in (("SET", set_values or {}, " = "), ("ADD", add_values or {}, " ")):
            parts = []
            for attribute, value in pairs.items():
                index = len(names)
                names[f"#u{index}"], values[f":u{index}"] = attribute, value
                parts.append(f"#u{index}{separator}:u{index}")
            if parts:
                clauses.append(f"{verb} {', '.join(parts)}")
        if remove:
            start = len(names)
            names.update({f"#u{start + i}": attribute for i, attribute in enumerate(remove)})
            clauses.append("REMOVE " + ", ".join(f"#u{start + i}" for i in range(len(remove))))
        body = {"Key": _key(key), "UpdateExpression": " ".join(clauses)}
        _merge(body, names, values)
        self._add(label, "Update", body, condition)

    def delete(self, label: str, key: Key, condition: ConditionBase | None = None) -> None:
        self._add(label, "Delete", {"Key": _key(key)}, condition)

    def check(self, label: str, key: Key, condition: ConditionBase) -> None:
        """Require ``condition`` on the item at ``key`` without writing it."""
        self._add(label, "ConditionCheck", {"Key": _key(key)}, condition)

    def commit(self) -> None:
        if len(self._operations) > MAX_OPERATIONS:
            raise ValueError(f"a transaction holds at most {MAX_OPERATIONS} operations")
        try:
            table.client().transact_write_items(TransactItems=self._operations)
        except ClientError as error:
            reasons = error.response.get("CancellationReasons")
            if table.error_code(error) != "TransactionCanceledException" or not reasons:
                raise  # throttling, validation, network: not a lost race
            raise TransactionCancelled(dict(zip(self._labels, reasons, strict=True))) from error


def _merge(body: dict[str, Any], names: dict[str, str], values: dict[str, Any]) -> None:
    if names:
        body.setdefault("ExpressionAttributeNames", {}).update(names)
    if values:
        serialized = {name: _serializer.serialize(value) for name, value in values.items()}
        body.setdefault("ExpressionAttributeValues", {}).update(serialized)
