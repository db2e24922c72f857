"""Backfill throughput: rows/s of a whole local run (the real state machine definition on moto's
interpreter, the task handlers writing to the local DynamoDB engine) next to that engine's raw
``BatchWriteItem`` rate measured in the same run: as many items as the backfill wrote, with the same
number of writer threads, into a new table defined as the backfill's (stream included; ``--reference``
adds a run without the stream), on an engine of its own, each request asking for its consumed capacity
as the backfill's metered requests do; plus
DynamoDB requests and consumed write capacity per input row.

``python bench/backfill_bench.py [--persons 20000]`` (also part of ``make bench``).
"""

from __future__ import annotations

import argparse
import json
import os
import tempfile
import threading
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import botocore.client

from devserver import server
from devserver.dynamodb_local import local_client
from devserver.legacy_export import generate
from devserver.template import table_definition

WRITERS = 8


def raw_batch_write_rate(endpoint: str, items: int, *, stream: bool = True) -> float:
    """Items/s of ``BatchWriteItem`` (25 items a call) from ``WRITERS`` threads, into a new table defined
    as the backfill's (its indexes and, unless ``stream`` is False, its stream: the engine records a
    stream record for every write, as DynamoDB does for the deployed table)."""
    items = -(-items // 25) * 25  # whole batches
    client = local_client(endpoint)
    name = "raw-batch" if stream else "raw-batch-no-stream"
    client.create_table(TableName=name, **table_definition(stream=stream))
    batches = [
        [
            {"PutRequest": {"Item": {"pk": {"S": f"RAW#{i + j}"}, "sk": {"S": "X"}, "v": {"S": "x" * 200}}}}
            for j in range(25)
        ]
        for i in range(0, items, 25)
    ]

    def send(batch: list[dict[str, Any]]) -> None:
        pending = {name: batch}
        while pending:
            # asking what the backfill's metered requests ask (the engine computes it: ~10 % of its time)
            response = client.batch_write_item(RequestItems=pending, ReturnConsumedCapacity="INDEXES")
            pending = response.get("UnprocessedItems") or {}

    started = time.perf_counter()
    with ThreadPoolExecutor(WRITERS) as pool:
        list(pool.map(send, batches))
    return items / (time.perf_counter() - started)


class Meter:
    """Counts DynamoDB requests and sums the write capacity they report (every botocore client)."""

    def __init__(self) -> None:
        self.requests: Counter[str] = Counter()
        self.write_units = 0.0
        self.items_written = 0  # items a successful write request put, updated or deleted
        self.transactional_items = 0  # of which in a transaction (2 WRU per KB on AWS)
        self.index_units = 0.0  # what the engine reports for the indexes (x2 inside a transaction)
        self._lock = threading.Lock()
        self._original = botocore.client.BaseClient._make_api_call

    def __enter__(self) -> Meter:
        meter, original = self, self._original

        def call(client: Any, operation: str, params: dict[str, Any]) -> Any:
            if client.meta.service_model.service_name != "dynamodb":
                return original(client, operation, params)
            if operation in {"PutItem", "UpdateItem", "DeleteItem", "BatchWriteItem", "TransactWriteItems"}:
                params = {**params, "ReturnConsumedCapacity": "INDEXES"}
            response = original(client, operation, params)
            written = _items_written(operation, params, response)
            consumed = response.get("ConsumedCapacity")
            consumed = consumed if isinstance(consumed, list) else [consumed or {}]
            units = sum(c.get("CapacityUnits", 0) for c in consumed)
            index_units = sum(
                detail.get("CapacityUnits", 0)
                for c in consumed
                for detail in (c.get("GlobalSecondaryIndexes") or {}).values()
            )
            with meter._lock:
                meter.requests[operation] += 1
                meter.write_units += units if operation != "GetItem" else 0
                meter.items_written += written
                meter.transactional_items += written if operation == "TransactWriteItems" else 0
                meter.index_units += index_units if operation != "GetItem" else 0
            return response

        botocore.client.BaseClient._make_api_call = call  # type: ignore[method-assign]
        return self

    def __exit__(self, *_: object) -> None:
        botocore.client.BaseClient._make_api_call = self._original  # type: ignore[method-assign]


def _items_written(operation: str, params: dict[str, Any], response: dict[str, Any]) -> int:
    """Items a write request changed: every action of a committed transaction but its condition
    checks, every put or delete of a batch but those DynamoDB left unprocessed."""
    if operation in {"PutItem", "UpdateItem", "DeleteItem"}:
        return 1
    if operation == "TransactWriteItems":
        return sum(1 for action in params["TransactItems"] if "ConditionCheck" not in action)
    if operation == "BatchWriteItem":
        sent = sum(len(requests) for requests in params["RequestItems"].values())
        left = sum(len(requests) for requests in (response.get("UnprocessedItems") or {}).values())
        return sent - left
    return 0


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--persons", type=int, default=20000)
    parser.add_argument("--reference", action="store_true", help="also write the baseline without the stream")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        export, data = Path(folder) / "export", Path(folder) / "data"
        started = time.perf_counter()
        truth = generate(export, persons=args.persons, seed=5)
        generated = time.perf_counter() - started
        rows = truth["counts"]["rows_total"]
        os.environ.pop("DYNAMODB_ENDPOINT", None)
        engine, endpoint = server.resolve_endpoint(data)
        try:
            assert endpoint is not None
            env = server.configure_environment(endpoint, data)
            server.ensure_table(endpoint, env["TABLE_NAME"], env["AWS_REGION"])
            os.environ["POWERTOOLS_LOG_LEVEL"] = "ERROR"
            from devserver.backfill import run_local

            with Meter() as meter:
                started = time.perf_counter()
                status = run_local(export, dry_run=False, out=Path(folder) / "report", chunk_size=None)
                seconds = time.perf_counter() - started
            report = json.loads((Path(folder) / "report" / "backfill-report.json").read_text())
        finally:
            if engine is not None:
                engine.stop()
        # The baseline writes as many items as the backfill did (a table of the same size), on an
        # engine of its own started after the backfill's stopped (a table with a stream keeps the engine
        # busy after its writes: the next writer's transactions then time out waiting for its lock).
        os.environ.pop("DYNAMODB_ENDPOINT", None)  # the backfill's engine, stopped
        raw_engine, raw_endpoint = server.resolve_endpoint(Path(folder) / "raw")
        try:
            assert raw_endpoint is not None
            raw = raw_batch_write_rate(raw_endpoint, meter.items_written)
            raw_without_stream = (
                raw_batch_write_rate(raw_endpoint, meter.items_written, stream=False) if args.reference else None
            )
        finally:
            if raw_engine is not None:
                raw_engine.stop()
    assert status == 0 and report["rows_reported"] == rows
    rate = rows / seconds
    print(f"\n## Backfill, {args.persons} persons ({rows} input rows; export generated in {generated:.1f} s)\n")
    print("| measure | value | ratio to raw BatchWriteItem |")
    print("|---|---|---|")
    print(
        f"| raw BatchWriteItem of as many items, {WRITERS} threads, new table (baseline), items/s | {raw:.0f} | 1.00 |"
    )
    if raw_without_stream is not None:
        print(
            f"| (reference: the same into a table without the stream), items/s | {raw_without_stream:.0f} | "
            f"{raw_without_stream / raw:.2f} |"
        )
    items_rate = meter.items_written / seconds
    print(f"| backfill (plan + write + report), items written/s | {items_rate:.0f} | {items_rate / raw:.2f} |")
    per_row = meter.items_written / rows
    print(f"| backfill, input rows/s ({per_row:.2f} items per row) | {rate:.0f} | {rate / raw:.2f} |")
    print(f"| whole run, seconds (plan {report['timings']['plan_seconds']:.1f} s) | {seconds:.1f} | |")
    total = sum(meter.requests.values())
    print(f"| DynamoDB requests per input row | {total / rows:.3f} | |")
    print(
        f"| consumed write capacity units per input row (as the engine reports it) | {meter.write_units / rows:.3f} | |"
    )
    batched = meter.items_written - meter.transactional_items
    print(
        f"| items written per input row: in transactions / batched | {meter.transactional_items / rows:.3f} / "
        f"{batched / rows:.3f} | |"
    )
    print(f"| index write units per input row, as the engine reports them | {meter.index_units / rows:.3f} | |")
    print("\n| request | count |\n|---|---|")
    for operation, count in sorted(meter.requests.items()):
        print(f"| {operation} | {count} |")


if __name__ == "__main__":
    main()
