"""Change events: what they add per create and per merge, and how long a commit takes to become an event.

Run by ``bench/benchmark.py`` (``--only events`` runs this part alone):

1. the service's own DynamoDB requests and write units for a create and for a merge (with 3
   bookings moved) on a table without its stream, then on the same table with the stream enabled
   (DynamoDB Local, in-process, through the use cases, metered by ``devserver.capacity``): the
   stream is not a table write, so the difference is what the events cost the write path;
2. what the publisher then does for those writes: its DynamoDB requests (customer-number
   look-ups) and the events it puts (``PutEvents`` entries), per create and per merge;
3. through ``make run``'s server: the delay from a create's answer (and from its request) to its
   event being stored by the local publisher, median and p99.
"""

from __future__ import annotations

import json
import os
import statistics
import tempfile
import time
from collections import Counter
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from decimal import Decimal
from pathlib import Path
from typing import Any

import boto3
import httpx

from devserver import dynamodb_local, template
from devserver.capacity import CapacityMeter
from devserver.process import local_server, mint_token

TABLE = "events-bench"


class Counting:
    """A sink that counts the events (as PutEvents entries would be)."""

    def __init__(self) -> None:
        self.entries: Counter[str] = Counter()

    def send(self, events: list[dict[str, Any]]) -> list[int]:
        self.entries.update(event["type"] for event in events)
        return []


def _stream_records(client: Any, streams: Any, after: dict[str, str]) -> list[dict[str, Any]]:
    from devserver.events import lambda_record

    arn = client.describe_table(TableName=TABLE)["Table"]["LatestStreamArn"]
    found = []
    for shard in streams.describe_stream(StreamArn=arn)["StreamDescription"]["Shards"]:
        position = (
            {"ShardIteratorType": "AFTER_SEQUENCE_NUMBER", "SequenceNumber": after[shard["ShardId"]]}
            if shard["ShardId"] in after
            else {"ShardIteratorType": "TRIM_HORIZON"}
        )
        iterator = streams.get_shard_iterator(StreamArn=arn, ShardId=shard["ShardId"], **position)["ShardIterator"]
        while iterator:
            answer = streams.get_records(ShardIterator=iterator, Limit=1000)
            found += [lambda_record(record) for record in answer["Records"]]
            for record in answer["Records"]:
                after[shard["ShardId"]] = record["dynamodb"]["SequenceNumber"]
            if not answer["Records"]:
                break
            iterator = answer.get("NextShardIterator")
    return found


def write_costs(runs: int) -> dict[str, dict[str, float]]:
    """Per create and per merge: requests and write units without and with the stream, and the
    publisher's requests and events."""
    folder = tempfile.TemporaryDirectory()
    ddb = dynamodb_local.start(Path(folder.name))
    env = template.function_environment()
    env.pop("JWT_SIGNING_KEY_SECRET", None)
    env.update(
        TABLE_NAME=TABLE,
        AWS_REGION="us-east-1",
        DYNAMODB_ENDPOINT=ddb.endpoint,
        JWT_SIGNING_KEY="bench-signing-key-" + "k" * 32,
        NOTIFICATION_SENDER="outbox",
        POWERTOOLS_TRACE_DISABLED="true",
    )
    os.environ.update(env)
    client = boto3.client("dynamodb", endpoint_url=ddb.endpoint, region_name="us-east-1")
    streams = boto3.client("dynamodbstreams", endpoint_url=ddb.endpoint, region_name="us-east-1")
    client.create_table(TableName=TABLE, **template.table_definition(stream=False))
    from customer_identity import runtime
    from customer_identity.core.models.bookings import NewBooking
    from customer_identity.core.models.customers import NewCustomer

    runtime.reset()
    meter = CapacityMeter()
    meter.install()
    results: dict[str, dict[str, float]] = {}
    positions: dict[str, str] = {}
    merges_written: list[dict[str, Any]] = []  # the stream records of the measured merges
    phone = iter(range(10**6))

    def create() -> Any:
        return (
            runtime.registration().find_or_create(NewCustomer(phone=f"97{next(phone):08d}", name="Bench Name")).customer
        )

    def merge() -> None:
        merged, survivor = create(), create()
        for _ in range(3):
            runtime.bookings().create(NewBooking(customer=merged.customer_number, service="x", amount=Decimal("2.50")))
        if positions:  # the stream is on: what the set-up wrote is not the merge's
            _stream_records(client, streams, positions)
        meter.clear()
        runtime.merges().merge(merged.customer_number, survivor.customer_number, by="stf_bench")
        if positions:
            merges_written.extend(_stream_records(client, streams, positions))

    def measured(operation: Callable[[], object], label: str) -> None:
        requests = writes = 0.0
        for _ in range(runs):
            meter.clear()
            operation()
            requests += len(meter.calls)
            writes += sum(
                call.write
                for call in meter.calls
                if call.operation in ("PutItem", "UpdateItem", "DeleteItem", "TransactWriteItems", "BatchWriteItem")
            )
        results[label] = {"requests": requests / runs, "write_units": writes / runs}

    try:
        create()  # the counter exists
        measured(create, "create, no stream")
        measured(merge, "merge (3 bookings moved), no stream")
        client.update_table(TableName=TABLE, StreamSpecification=template.table_definition()["StreamSpecification"])
        measured(create, "create, stream")
        _publisher_cost(results, "create", _stream_records(client, streams, positions), meter, runs)
        measured(merge, "merge (3 bookings moved), stream")
        _publisher_cost(results, "merge (3 bookings moved)", merges_written, meter, runs)
    finally:
        meter.uninstall()
        ddb.stop()
        folder.cleanup()
    return results


def _publisher_cost(
    results: dict[str, dict[str, float]], label: str, records: list[dict[str, Any]], meter: CapacityMeter, runs: int
) -> None:
    from customer_identity import runtime
    from customer_identity.use_cases.events.catalogue import Catalogue
    from customer_identity.use_cases.events.publisher import Publisher

    sink = Counting()
    identity = runtime.identity_builders
    catalogue = Catalogue(identity.views(), identity.views().numbers, runtime.event_builders._number_of)
    meter.clear()
    Publisher(catalogue, sink).publish(records)  # a cold publisher: it looks every number up once
    results[f"{label}: publisher"] = {
        "requests": len(meter.calls) / runs,
        "records": len(records) / runs,
        "events": sum(sink.entries.values()) / runs,
        "kinds": dict(sink.entries),  # type: ignore[dict-item]
    }


def commit_to_event(creates: int, clients: int) -> dict[str, float]:
    """Milliseconds from a create's answer (and from its request) to its event stored locally."""
    with tempfile.TemporaryDirectory() as data, local_server(Path(data)) as url:
        token = mint_token(Path(data), "admin")
        http = httpx.Client(base_url=url, timeout=60, headers={"Authorization": f"Bearer {token}"})
        http.post("/customers", json={"phone": "9600000000"})  # warm one environment
        timings: dict[str, tuple[float, float]] = {}

        def send(i: int) -> None:
            started = time.time()
            answer = http.post("/customers", json={"phone": f"96{i:08d}"})
            timings[answer.json()["customer"]["customer_id"]] = (started, time.time())

        with ThreadPoolExecutor(clients) as pool:
            list(pool.map(send, range(1, creates + 1)))
        log = Path(data) / "events" / "events.jsonl"
        deadline = time.monotonic() + 60
        stored: dict[str, float] = {}
        while len(stored) < creates and time.monotonic() < deadline:
            time.sleep(0.2)
            stored = {
                event["customer_id"]: event["stored_at"]
                for event in map(json.loads, log.read_text().splitlines())
                if event["type"] == "customer.created" and event["customer_id"] in timings
            }
    after_answer = sorted((stored[c] - timings[c][1]) * 1000 for c in stored)
    after_request = sorted((stored[c] - timings[c][0]) * 1000 for c in stored)
    p99 = max(0, round(len(after_answer) * 0.99) - 1)
    return {
        "events": len(stored),
        "creates": creates,
        "after_answer_median": statistics.median(after_answer),
        "after_answer_p99": after_answer[p99],
        "after_request_median": statistics.median(after_request),
        "after_request_p99": after_request[p99],
    }


def report(runs: int = 10, creates: int = 300, clients: int = 4) -> None:
    costs = write_costs(runs)
    print(f"\n## Change events: added cost per write (DynamoDB Local, in-process, mean of {runs})\n")
    print("| write | DynamoDB requests | write units | ratio of write units to no stream |")
    print("|---|---|---|---|")
    for kind in ("create", "merge (3 bookings moved)"):
        base, streamed = costs[f"{kind}, no stream"], costs[f"{kind}, stream"]
        ratio = streamed["write_units"] / base["write_units"]
        print(f"| {kind}, no stream (baseline) | {base['requests']:.1f} | {base['write_units']:.1f} | 1.00 |")
        print(f"| {kind}, with the stream | {streamed['requests']:.1f} | {streamed['write_units']:.1f} | {ratio:.2f} |")
    print("\n| publisher, per write | stream records | DynamoDB requests (number look-ups) | events put |")
    print("|---|---|---|---|")
    for kind in ("create", "merge (3 bookings moved)"):
        found = costs[f"{kind}: publisher"]
        kinds = ", ".join(f"{name} x{count / runs:g}" for name, count in sorted(found["kinds"].items()))
        print(f"| {kind} | {found['records']:.1f} | {found['requests']:.1f} | {found['events']:.1f}: {kinds} |")
    delay = commit_to_event(creates, clients)
    print(
        f"\n## Commit to event, make run ({delay['creates']} creates, {clients} clients, "
        f"{delay['events']} events; the local publisher polls the stream every 20 ms when idle)\n"
    )
    print("| from | median ms | p99 ms |")
    print("|---|---|---|")
    for label, key in (
        ("the create's answer (committed, acknowledged)", "after_answer"),
        ("its request", "after_request"),
    ):
        print(f"| {label} | {delay[key + '_median']:.1f} | {delay[key + '_p99']:.1f} |")
