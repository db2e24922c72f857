"""Change events locally: ``make run`` publishes the table's stream with the Lambda's own code.

A child process (``python -m devserver.events``, killed by the kernel with the server) reads the
stream of DynamoDB Local (``DescribeStream``, ``GetShardIterator``, ``GetRecords``), rebuilds each
record as Lambda delivers it, and hands the batch to the same ``Publisher`` as
``PublishEventsFunction``, whose sink here is :class:`EventLog`: ``<data dir>/events/events.jsonl``,
one event a line, appended and fsynced, an event whose ``event_id`` is already there skipped. Only
then is the shard's position checkpointed (``checkpoint.json``, written and renamed), so a
``kill -9`` at any point repeats at most the last batch, and the log keeps one line per event.
Stream records themselves survive a ``kill -9`` of DynamoDB Local (measured: docs/events.md).

``GET /dev/events?after=<cursor>`` reads the log (the cursor is a line count). With
``EVENTS_WEBHOOK_URL`` set, a thread of the child process POSTs each event there in log order (so
in order per customer), retrying each until it is answered 2xx, and remembers how far it got
(``webhook.json``).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs

import boto3
from botocore.exceptions import BotoCoreError, ClientError

from devserver.dynamodb_local import _die_with_parent

JSON = {"Content-Type": "application/json"}
PAGE = 500
IDLE_SECONDS = 0.02  # between polls of a shard with nothing new
DESCRIBE_SECONDS = 2.0  # how often the stream's shards are listed again
EVENTS_DIR = "events"


def _write_atomically(path: Path, text: str) -> None:
    temporary = path.with_suffix(".tmp")
    with temporary.open("w") as handle:
        handle.write(text)
        handle.flush()
        os.fsync(handle.fileno())
    temporary.replace(path)


class EventLog:
    """The local server's event store and the publisher's sink."""

    def __init__(self, folder: Path) -> None:
        folder.mkdir(parents=True, exist_ok=True)
        self.path = folder / "events.jsonl"
        self.ids: set[str] = set()
        self.count = 0
        if self.path.exists():
            text = self.path.read_text()
            if not text.endswith("\n"):  # a kill -9 mid-append: that batch was not checkpointed, it comes again
                text = text[: text.rfind("\n") + 1]
                with self.path.open("r+") as handle:
                    handle.truncate(len(text.encode()))
            for line in text.splitlines():
                self.ids.add(json.loads(line)["event_id"])
                self.count += 1
        self.lock = threading.Condition()

    def send(self, events: list[dict[str, Any]]) -> list[int]:
        stored_at = time.time()
        fresh = []
        for event in events:
            if event["event_id"] not in self.ids:
                self.ids.add(event["event_id"])
                fresh.append(json.dumps({**event, "stored_at": stored_at}, ensure_ascii=False) + "\n")
        if fresh:
            with self.path.open("a") as handle:
                handle.write("".join(fresh))
                handle.flush()
                os.fsync(handle.fileno())
            with self.lock:
                self.count += len(fresh)
                self.lock.notify_all()
        return []


def read_events(folder: Path, after: int, limit: int = PAGE) -> tuple[list[dict[str, Any]], int]:
    """The events logged after the first ``after``, and the cursor that follows them."""
    path = folder / "events.jsonl"
    if not path.exists():
        return [], after
    found: list[dict[str, Any]] = []
    with path.open() as handle:
        for index, line in enumerate(handle):
            if index >= after and line.endswith("\n"):  # a line being written is read next time
                found.append(json.loads(line))
                if len(found) >= limit:
                    break
    return found, after + len(found)


def events_response(folder: Path, query: str) -> tuple[int, dict[str, str], bytes]:
    """``GET /dev/events?after=<cursor>``: up to 500 events after the cursor, oldest first."""
    raw = (parse_qs(query).get("after") or ["0"])[-1]
    if not raw.isdigit():
        message = "after must be a cursor from next_cursor"
        body = {"error": {"code": "invalid_cursor", "message": message, "field": "after"}}
        return 400, JSON, json.dumps(body).encode()
    events, cursor = read_events(folder, int(raw))
    for event in events:
        event.pop("stored_at", None)
    return 200, JSON, json.dumps({"events": events, "next_cursor": str(cursor)}).encode()


def lambda_record(record: dict[str, Any]) -> dict[str, Any]:
    """A ``GetRecords`` record as Lambda's DynamoDB event delivers it (creation time in epoch seconds)."""
    body = dict(record["dynamodb"])
    created = body.get("ApproximateCreationDateTime")
    if created is not None and not isinstance(created, int | float):
        body["ApproximateCreationDateTime"] = created.timestamp()
    return {**record, "eventSource": "aws:dynamodb", "dynamodb": body}


class StreamReader:
    """Reads every shard of a table's stream from its checkpoint and publishes what it reads."""

    def __init__(self, dynamodb: Any, streams: Any, table_name: str, folder: Path, publisher: Any) -> None:
        self.dynamodb, self.streams, self.table_name = dynamodb, streams, table_name
        self.checkpoint_path = folder / "checkpoint.json"
        self.checkpoint: dict[str, str] = (
            json.loads(self.checkpoint_path.read_text()) if self.checkpoint_path.exists() else {}
        )
        self.publisher = publisher
        self.iterators: dict[str, str] = {}
        self.arn: str | None = None
        self.shards: list[str] = []
        self.described_at: float | None = None
        self.finished: set[str] = set()

    def poll(self) -> int:
        """One pass over every shard: the number of records published. The stream and its shards are
        described again at most every :data:`DESCRIBE_SECONDS` (an idle poll is one ``GetRecords``)."""
        if self.described_at is None or time.monotonic() - self.described_at > DESCRIBE_SECONDS:
            self.arn = self.dynamodb.describe_table(TableName=self.table_name)["Table"].get("LatestStreamArn")
            self.shards = (
                [
                    shard["ShardId"]
                    for shard in self.streams.describe_stream(StreamArn=self.arn)["StreamDescription"]["Shards"]
                ]
                if self.arn
                else []
            )
            self.described_at = time.monotonic()
        done = 0
        for shard_id in self.shards:  # parents are listed before their children
            if shard_id not in self.finished:
                done += self._poll_shard(self.arn, shard_id)
        return done

    def _poll_shard(self, arn: str, shard_id: str) -> int:
        iterator = self.iterators.get(shard_id)
        if iterator is None:
            last = self.checkpoint.get(shard_id)
            position = (
                {"ShardIteratorType": "AFTER_SEQUENCE_NUMBER", "SequenceNumber": last}
                if last
                else {"ShardIteratorType": "TRIM_HORIZON"}
            )
            iterator = self.streams.get_shard_iterator(StreamArn=arn, ShardId=shard_id, **position)["ShardIterator"]
        answer = self.streams.get_records(ShardIterator=iterator, Limit=1000)
        records = [lambda_record(record) for record in answer["Records"]]
        failed = self.publisher.publish(records) if records else []
        if failed:  # published up to the failed record: read again from there next time
            published = [r["dynamodb"]["SequenceNumber"] for r in records]
            index = published.index(failed[0])
            if index:
                self._save(shard_id, published[index - 1])
            self.iterators.pop(shard_id, None)
            return index
        if records:
            self._save(shard_id, records[-1]["dynamodb"]["SequenceNumber"])
        if answer.get("NextShardIterator"):
            self.iterators[shard_id] = answer["NextShardIterator"]
        else:  # a closed shard, read to its end
            self.finished.add(shard_id)
        return len(records)

    def _save(self, shard_id: str, sequence: str) -> None:
        self.checkpoint[shard_id] = sequence
        _write_atomically(self.checkpoint_path, json.dumps(self.checkpoint))


class Webhook(threading.Thread):
    """POSTs each logged event to ``url`` in log order, each retried until answered 2xx."""

    def __init__(self, url: str, folder: Path, log: EventLog) -> None:
        super().__init__(daemon=True, name="events-webhook")
        self.url, self.folder, self.log = url, folder, log
        self.state = folder / "webhook.json"
        self.position = json.loads(self.state.read_text())["delivered"] if self.state.exists() else 0

    def run(self) -> None:
        import httpx

        with httpx.Client(timeout=10) as client:
            while True:
                with self.log.lock:
                    self.log.lock.wait_for(lambda: self.log.count > self.position, timeout=1)
                events, _ = read_events(self.folder, self.position, limit=100)
                for event in events:
                    event.pop("stored_at", None)
                    self._deliver(client, event)
                    self.position += 1
                    _write_atomically(self.state, json.dumps({"delivered": self.position}))

    def _deliver(self, client: Any, event: dict[str, Any]) -> None:
        delay = 0.1
        while True:
            try:
                if client.post(self.url, json=event).is_success:
                    return
            except Exception as error:  # noqa: BLE001 (a consumer that is down is retried, whatever failed)
                print(f"events webhook: {error!r}; retrying", file=sys.stderr, flush=True)
            time.sleep(delay)
            delay = min(delay * 2, 5.0)


def run(folder: Path) -> None:
    """The child process: poll the stream until the server dies."""
    from customer_identity import runtime
    from customer_identity.use_cases.events.publisher import Publisher

    settings = runtime.config()
    log = EventLog(folder)
    options = {"endpoint_url": settings.dynamodb_endpoint, "region_name": settings.aws_region}
    reader = StreamReader(
        boto3.client("dynamodb", **options),
        boto3.client("dynamodbstreams", **options),
        settings.table_name,
        folder,
        Publisher(runtime.event_catalogue(), log),
    )
    if os.environ.get("EVENTS_WEBHOOK_URL"):
        Webhook(os.environ["EVENTS_WEBHOOK_URL"], folder, log).start()
    while True:
        try:
            if not reader.poll():
                time.sleep(IDLE_SECONDS)
        except (BotoCoreError, ClientError) as error:  # DynamoDB Local stopping, or a shard gone: read again
            print(f"events: {error!r}; polling again", file=sys.stderr, flush=True)
            reader.iterators.clear()
            reader.described_at = None
            time.sleep(0.5)


def start(data_dir: Path) -> subprocess.Popen[bytes]:
    """Start the poller for the table the environment names; it dies with this process."""
    return subprocess.Popen(
        [sys.executable, "-m", "devserver.events", str(data_dir / EVENTS_DIR)], preexec_fn=_die_with_parent()
    )


if __name__ == "__main__":
    run(Path(sys.argv[1]))
