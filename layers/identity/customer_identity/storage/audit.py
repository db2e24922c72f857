"""Reads of the linkage audit: examples from the sparse linkage indexes, and the alias check's scan.

The alias check walks every marker with a parallel ``Scan`` (``Segment`` / ``TotalSegments``), one
page at a time; its state lives in the ``AUDIT#alias_check`` item. Each page's findings are added
with a write conditioned on the segment's cursor still being the one the page started from, so a
retried page (a Lambda retry, a crash between the scan and the write) is never counted twice.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from typing import Any

from boto3.dynamodb.types import TypeDeserializer, TypeSerializer

from customer_identity.storage import keys, table
from customer_identity.storage.entities import AliasItem, CustomerItem, StaffEmailItem, TableItem
from customer_identity.storage.hydrate import hydrated

DONE = "done"  # a segment's cursor once its last page was counted
_serializer, _deserializer = TypeSerializer(), TypeDeserializer()


def _index_query(index: keys.Index, hash_value: str, *, limit: int) -> list[CustomerItem]:
    answer = table.client().query(
        TableName=table.config().name,
        IndexName=index.name,
        KeyConditionExpression="#h = :h",
        ExpressionAttributeNames={"#h": index.hash_attribute},
        ExpressionAttributeValues={":h": {"S": hash_value}},
        Limit=limit,
    )
    return [table.from_raw(CustomerItem, raw) for raw in answer.get("Items", [])]


def missing_linkage_examples(missing: str, *, limit: int) -> list[CustomerItem]:
    """The ``limit`` lowest-numbered customers missing ``missing`` (a login or an email), with those
    missing both: one small query per partition of ``by_missing_linkage``."""
    found = [
        item
        for partition in keys.linkage_partitions(missing)
        for item in _index_query(keys.BY_MISSING_LINKAGE, partition, limit=limit)
    ]
    return sorted(found, key=lambda item: int(item.customer_number or 0))[:limit]


def claims(*, limit: int) -> tuple[int, list[CustomerItem]]:
    """How many customers are still claims (no number yet), and the oldest ``limit`` of them."""
    count = TableItem.by_number.count(keys.CLAIMS)
    return count, hydrated(_index_query(keys.BY_NUMBER, keys.CLAIMS, limit=limit))  # the index holds keys only


def markers_page(
    segment: int, total_segments: int, cursor: str | None, *, page_size: int
) -> tuple[list[AliasItem | StaffEmailItem], str | None, int]:
    """One page of a parallel scan over the markers: (markers, next cursor or None, items read)."""
    request: dict[str, Any] = {
        "TableName": table.config().name,
        "Segment": segment,
        "TotalSegments": total_segments,
        "Limit": page_size,
        "FilterExpression": "#e IN (:alias, :staff_email)",
        "ExpressionAttributeNames": {"#e": "entity"},
        "ExpressionAttributeValues": {":alias": {"S": "alias"}, ":staff_email": {"S": "staff_email"}},
    }
    if cursor:
        request["ExclusiveStartKey"] = json.loads(cursor)
    answer = table.client().scan(**request)
    markers = [TableItem.from_raw_data(raw) for raw in answer.get("Items", [])]
    last = answer.get("LastEvaluatedKey")
    found = [item for item in markers if isinstance(item, AliasItem | StaffEmailItem)]
    return found, json.dumps(last, sort_keys=True) if last else None, int(answer.get("ScannedCount", 0))


def items_at(item_keys: Iterable[keys.Key]) -> dict[keys.Key, TableItem]:
    """The items that exist at ``item_keys``, by key (strongly consistent batch reads)."""
    return {(item.pk, item.sk): item for item in table.batch_get(set(item_keys))}


def alias_check_state() -> dict[str, Any] | None:
    """The alias check's state item as plain values (None if no check ever ran)."""
    answer = table.client().get_item(TableName=table.config().name, Key=_key(keys.ALIAS_CHECK_KEY), ConsistentRead=True)
    raw = answer.get("Item")
    return {name: _deserializer.deserialize(value) for name, value in raw.items()} if raw else None


def start_alias_check(run: dict[str, Any], *, unless_running_since: float | None) -> bool:
    """Replace the state item by a new run; False if a run is going and progressed after the given time."""
    item = {name: _serializer.serialize(value) for name, value in run.items()}
    item.update(_key(keys.ALIAS_CHECK_KEY), entity={"S": "alias_check"})
    condition = "attribute_not_exists(pk) OR #state <> :running"
    values: dict[str, Any] = {":running": {"S": "running"}}
    if unless_running_since is not None:
        condition += " OR progressed_at < :stale"
        values[":stale"] = {"N": str(unless_running_since)}
    try:
        table.client().put_item(
            TableName=table.config().name,
            Item=item,
            ConditionExpression=condition,
            ExpressionAttributeNames={"#state": "state"},
            ExpressionAttributeValues=values,
        )
    except table.client().exceptions.ConditionalCheckFailedException:
        return False
    return True


def record_page(
    *,
    run_id: str,
    segment: int,
    expected_cursor: str,
    next_cursor: str,
    checked: int,
    dangling: int,
    mismatched: int,
    examples: list[dict[str, str]],
    now: float,
) -> int | None:
    """Count one page of ``segment`` once; the segments still going afterwards (None: already counted)."""
    cursor_name = keys.alias_check_cursor_attribute(segment)
    finished = next_cursor == DONE
    try:
        answer = table.client().update_item(
            TableName=table.config().name,
            Key=_key(keys.ALIAS_CHECK_KEY),
            UpdateExpression="SET #cursor = :next, #examples = :examples, progressed_at = :now "
            "ADD checked :checked, dangling :dangling, mismatched :mismatched, segments_left :left",
            ConditionExpression="run_id = :run AND #cursor = :expected",
            ExpressionAttributeNames={
                "#cursor": cursor_name,
                "#examples": keys.alias_check_examples_attribute(segment),
            },
            ExpressionAttributeValues={
                ":next": {"S": next_cursor},
                ":examples": {"S": json.dumps(examples)},
                ":now": {"N": str(now)},
                ":checked": {"N": str(checked)},
                ":dangling": {"N": str(dangling)},
                ":mismatched": {"N": str(mismatched)},
                ":left": {"N": "-1" if finished else "0"},
                ":run": {"S": run_id},
                ":expected": {"S": expected_cursor},
            },
            ReturnValues="ALL_NEW",
        )
    except table.client().exceptions.ConditionalCheckFailedException:
        return None
    return int(answer["Attributes"]["segments_left"]["N"])


def finish_alias_check(run_id: str, *, completed_at: str) -> None:
    """Mark the run completed (only once every segment is done)."""
    try:
        table.client().update_item(
            TableName=table.config().name,
            Key=_key(keys.ALIAS_CHECK_KEY),
            UpdateExpression="SET #state = :completed, completed_at = :at",
            ConditionExpression="run_id = :run AND segments_left = :zero",
            ExpressionAttributeNames={"#state": "state"},
            ExpressionAttributeValues={
                ":completed": {"S": "completed"},
                ":at": {"S": completed_at},
                ":run": {"S": run_id},
                ":zero": {"N": "0"},
            },
        )
    except table.client().exceptions.ConditionalCheckFailedException:
        return


def _key(key: keys.Key) -> dict[str, Any]:
    return {"pk": {"S": key[0]}, "sk": {"S": key[1]}}
