"""The embedded DynamoDB emulator: moto's server over real HTTP, serialized and persisted to a file.

moto applies a ``TransactWriteItems`` without a lock and rolls a failed one back by restoring a
copy of the whole table, which would undo writes made meanwhile by other threads. DynamoDB itself
is linearizable per item, so the emulator runs one DynamoDB request at a time (the HTTP server is
still threaded: concurrent clients connect and queue as they would against the real service).
Because requests are serialized, transactions here check every condition before writing and, if
a write fails midway, restore just the items they touched, instead of copying the whole table on
every call (which made each contended transaction cost milliseconds per stored item).

Run: ``python -m devserver.emulator --port 0 --state .local/dynamodb.json``; it prints
``READY <port>`` once it serves, saves its tables to ``--state`` a moment after each write and on
exit, and loads them back on start.
"""

from __future__ import annotations

import argparse
import copy
import io
import json
import os
import signal
import sys
import threading
import time
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

import boto3
from moto.core import DEFAULT_ACCOUNT_ID
from moto.dynamodb.comparisons import get_filter_expression
from moto.dynamodb.exceptions import (
    MultipleTransactionsException,
    TooManyTransactionsException,
    TransactionCanceledException,
    TransactWriteSingleOpException,
)
from moto.dynamodb.models import DynamoDBBackend, dynamodb_backends
from moto.moto_server.threaded_moto_server import MotoRequestHandler
from moto.moto_server.werkzeug_app import DomainDispatcherApplication, create_backend_app
from werkzeug.serving import make_server

REGION = os.environ.get("AWS_REGION", "us-east-1")
READ_ONLY_OPERATIONS = {"GetItem", "BatchGetItem", "Query", "Scan", "DescribeTable", "ListTables", "TransactGetItems"}
SAVE_DELAY_SECONDS = 0.5


def _transact_write_items(backend: DynamoDBBackend, transact_items: list[dict[str, Any]]) -> None:
    """All-or-nothing ``TransactWriteItems`` for a serialized backend (see the module docstring)."""
    if len(transact_items) > 100:
        raise TooManyTransactionsException()
    steps: list[tuple[str, dict[str, Any], dict[str, Any], Any]] = []
    reasons: list[tuple[str, str, dict[str, Any]] | tuple[None, None, None]] = []
    seen: set[tuple[str, str]] = set()
    for entry in transact_items:
        if len(entry) > 1:
            raise TransactWriteSingleOpException()
        op_type, op = next(iter(entry.items()))
        table = backend.get_table(op["TableName"])
        if op_type == "Put":
            key = {table.hash_key_attr: op["Item"][table.hash_key_attr]}
            if table.range_key_attr is not None:
                key[table.range_key_attr] = op["Item"][table.range_key_attr]
        else:
            key = op["Key"]
        identity = (table.name, str(dict(sorted(key.items()))))
        if identity in seen:
            raise MultipleTransactionsException()
        seen.add(identity)
        current = backend.get_item(table.name, key)
        condition = op.get("ConditionExpression")
        names, values = op.get("ExpressionAttributeNames"), op.get("ExpressionAttributeValues")
        if condition is not None and not get_filter_expression(condition, names, values).expr(current):
            old = (
                current.to_json()["Attributes"]
                if current and op.get("ReturnValuesOnConditionCheckFailure") == "ALL_OLD"
                else None
            )
            reasons.append(("ConditionalCheckFailed", "The conditional request failed", old))  # type: ignore[arg-type]
        else:
            reasons.append((None, None, None))
        steps.append((op_type, op, key, copy.deepcopy(current)))
    if any(code is not None for code, _, _ in reasons):
        raise TransactionCanceledException(reasons)
    applied: list[tuple[str, dict[str, Any], Any]] = []
    try:
        for op_type, op, key, original in steps:
            table_name = op["TableName"]
            applied.append((table_name, key, original))
            if op_type == "Put":
                backend.put_item(table_name, op["Item"])
            elif op_type == "Delete":
                backend.delete_item(table_name, key)
            elif op_type == "Update":
                backend.update_item(
                    table_name,
                    key,
                    update_expression=op["UpdateExpression"],
                    expression_attribute_names=op.get("ExpressionAttributeNames"),
                    expression_attribute_values=op.get("ExpressionAttributeValues"),
                )
    except Exception:
        for table_name, key, original in reversed(applied):
            if original is None:
                backend.delete_item(table_name, key)
            else:
                backend.put_item(table_name, original.to_json()["Attributes"])
        raise


class QuietRequestHandler(MotoRequestHandler):
    disable_nagle_algorithm = True

    def log_request(self, *args: Any, **kwargs: Any) -> None:
        pass


class SerializedApp:
    """WSGI middleware: one request at a time through moto; notes when a write went through.

    It also gives ``TransactWriteItems`` DynamoDB's idempotency: a request repeating the
    ``ClientRequestToken`` of a transaction that succeeded in the last 10 minutes succeeds again
    without being applied twice (the SDK retries with the same token after a lost response).
    """

    TOKEN_TTL_SECONDS = 600

    def __init__(self, app: Callable[..., Iterable[bytes]], on_write: Callable[[], None]) -> None:
        self._app = app
        self._on_write = on_write
        self.lock = threading.Lock()
        self._succeeded_tokens: dict[str, float] = {}
        self.replayed_tokens = 0

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> list[bytes]:
        operation = environ.get("HTTP_X_AMZ_TARGET", "").rpartition(".")[2]
        token = None
        if operation == "TransactWriteItems":
            raw = environ["wsgi.input"].read(int(environ.get("CONTENT_LENGTH") or 0))
            environ["wsgi.input"] = io.BytesIO(raw)
            token = json.loads(raw or b"{}").get("ClientRequestToken")
        status: list[str] = []

        def capture(code: str, headers: list[tuple[str, str]], *args: Any) -> Any:
            status.append(code)
            return start_response(code, headers, *args)

        with self.lock:
            now = time.monotonic()
            if token and now - self._succeeded_tokens.get(token, -self.TOKEN_TTL_SECONDS) < self.TOKEN_TTL_SECONDS:
                self.replayed_tokens += 1
                print(f"replayed transaction token {token}", file=sys.stderr, flush=True)
                start_response("200 OK", [("Content-Type", "application/x-amz-json-1.0")])
                return [b"{}"]
            body = list(self._app(environ, capture))
            if token and status and status[0].startswith("200"):
                self._succeeded_tokens[token] = now
        if operation and operation not in READ_ONLY_OPERATIONS:
            self._on_write()
        return body


class StateFile:
    """Saves every table (definition and items) as JSON, atomically; loads it back."""

    def __init__(self, path: Path, lock: threading.Lock) -> None:
        self.path = path
        self._lock = lock
        self._dirty = threading.Event()
        self._stopped = threading.Event()

    def mark_dirty(self) -> None:
        self._dirty.set()

    def snapshot(self) -> dict[str, Any]:
        backend = dynamodb_backends[DEFAULT_ACCOUNT_ID][REGION]
        with self._lock:
            tables = {}
            for name, table in backend.tables.items():
                description = table.describe()["TableDescription"]
                tables[name] = {
                    "definition": _definition(description),
                    "items": [item.to_json()["Attributes"] for item in table.all_items()],
                }
        return {"version": 1, "tables": tables}

    def save(self) -> None:
        self._dirty.clear()
        self.path.parent.mkdir(parents=True, exist_ok=True)
        tmp = self.path.with_suffix(".tmp")
        tmp.write_text(json.dumps(self.snapshot()))
        tmp.replace(self.path)

    def run_saver(self) -> None:
        while not self._stopped.is_set():
            if self._dirty.wait(timeout=0.5):
                self._stopped.wait(SAVE_DELAY_SECONDS)  # let a burst of writes finish first
                self.save()

    def stop(self) -> None:
        self._stopped.set()
        self.save()

    def load(self, endpoint: str) -> int:
        if not self.path.exists():
            return 0
        state = json.loads(self.path.read_text())
        client = boto3.client("dynamodb", endpoint_url=endpoint, region_name=REGION)
        count = 0
        for name, table in state["tables"].items():
            client.create_table(TableName=name, **table["definition"])
            items = table["items"]
            for start in range(0, len(items), 25):
                batch = [{"PutRequest": {"Item": item}} for item in items[start : start + 25]]
                client.batch_write_item(RequestItems={name: batch})
            count += len(items)
        return count


def _definition(description: dict[str, Any]) -> dict[str, Any]:
    definition: dict[str, Any] = {
        "AttributeDefinitions": description["AttributeDefinitions"],
        "KeySchema": description["KeySchema"],
        "BillingMode": "PAY_PER_REQUEST",
    }
    indexes = [
        {key: index[key] for key in ("IndexName", "KeySchema", "Projection")}
        for index in description.get("GlobalSecondaryIndexes", [])
    ]
    if indexes:
        definition["GlobalSecondaryIndexes"] = indexes
    return definition


def serve(host: str, port: int, state_path: Path | None) -> None:
    os.environ.setdefault("AWS_ACCESS_KEY_ID", "local")
    os.environ.setdefault("AWS_SECRET_ACCESS_KEY", "local")
    DynamoDBBackend.transact_write_items = _transact_write_items  # type: ignore[method-assign,assignment]
    state: StateFile | None = None
    app = SerializedApp(DomainDispatcherApplication(create_backend_app), on_write=lambda: state and state.mark_dirty())
    server = make_server(host, port, app, threaded=True, request_handler=QuietRequestHandler)
    server.socket.listen(1024)
    bound_port = server.server_address[1]
    threading.Thread(target=server.serve_forever, daemon=True).start()
    if state_path is not None:
        state = StateFile(state_path, app.lock)
        loaded = state.load(f"http://{host}:{bound_port}")
        print(f"loaded {loaded} items from {state_path}", file=sys.stderr, flush=True)
        threading.Thread(target=state.run_saver, daemon=True).start()

    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    signal.signal(signal.SIGINT, lambda *_: stop.set())
    print(f"READY {bound_port}", flush=True)
    stop.wait()
    server.shutdown()
    if state is not None:
        state.stop()


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=0, help="0 picks a free port")
    parser.add_argument("--state", type=Path, default=None, help="JSON file to persist tables in")
    args = parser.parse_args(argv)
    serve(args.host, args.port, args.state)


if __name__ == "__main__":
    main()
