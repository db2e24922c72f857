"""The embedded DynamoDB emulator: moto's server over real HTTP, serialized and persisted to a file.

moto applies a ``TransactWriteItems`` without a lock and rolls a failed one back by restoring a
copy of the whole table, which would undo writes made meanwhile by other threads. DynamoDB itself
is linearizable per item, so the emulator runs one DynamoDB request at a time (the HTTP server is
still threaded: concurrent clients connect and queue as they would against the real service).

Run: ``python -m devserver.emulator --port 0 --state .local/dynamodb.json``; it prints
``READY <port>`` once it serves, saves its tables to ``--state`` a moment after each write and on
exit, and loads them back on start.
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import sys
import threading
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

import boto3
from moto.core import DEFAULT_ACCOUNT_ID
from moto.dynamodb.models import dynamodb_backends
from moto.moto_server.threaded_moto_server import MotoRequestHandler
from moto.moto_server.werkzeug_app import DomainDispatcherApplication, create_backend_app
from werkzeug.serving import make_server

REGION = os.environ.get("AWS_REGION", "us-east-1")
READ_ONLY_OPERATIONS = {"GetItem", "BatchGetItem", "Query", "Scan", "DescribeTable", "ListTables", "TransactGetItems"}
SAVE_DELAY_SECONDS = 0.5


class SerializedApp:
    """WSGI middleware: one request at a time through moto; notes when a write went through."""

    def __init__(self, app: Callable[..., Iterable[bytes]], on_write: Callable[[], None]) -> None:
        self._app = app
        self._on_write = on_write
        self.lock = threading.Lock()

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> list[bytes]:
        operation = environ.get("HTTP_X_AMZ_TARGET", "").rpartition(".")[2]
        with self.lock:
            body = list(self._app(environ, start_response))
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
    state: StateFile | None = None
    app = SerializedApp(DomainDispatcherApplication(create_backend_app), on_write=lambda: state and state.mark_dirty())
    server = make_server(host, port, app, threaded=True, request_handler=MotoRequestHandler)
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
