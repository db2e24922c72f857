"""A local API Gateway: HTTP requests become REST proxy events for the same Lambda handlers.

Routes come from ``template.yaml``, plus ``GET /dev/outbox`` (local only: the messages the
outbox sender kept instead of sending SMS and email), ``GET /dev/events?after=`` (local only: the
change events published from the table's stream, devserver/events.py), ``GET /dev/exports/<name>`` (local only:
large CSV exports, streamed from disk, standing in for S3's presigned links) and ``GET
/dev/invocations`` (local only: how many asynchronous invocations of each function have finished,
so that a test can wait for background work instead of sleeping). Like Lambda, each
function has a pool of execution environments, each a process of its own that handles one request
at a time; a busy pool grows by a cold start (a process forked from a server that has already
imported the layer), up to ``LOCAL_CONCURRENCY`` environments per function (default 32). Without
``DYNAMODB_ENDPOINT`` (or ``USE_AWS``) it starts AWS's DynamoDB Local as a child process
(``devserver/dynamodb_local.py``), its tables stored under ``LOCAL_DATA_DIR`` (default ``.local/``)
in ``dynamodb/``, beside the generated token signing key (``jwt-signing-key``), ``exports/`` and
``server.json`` (where this server and DynamoDB Local listen, for ``make token``).
"""

from __future__ import annotations

import contextlib
import importlib.util
import json
import multiprocessing
import os
import queue
import re
import secrets
import signal
import sys
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, unquote, urlsplit

import boto3
from botocore.exceptions import ClientError

from devserver import backfill_runs, dynamodb_local, events, exports, template
from devserver.openapi import build_document, load_apps, swagger_html
from devserver.outbox import outbox_response

STAGE = "local"
# API Gateway refuses a larger request (413) before any function sees it; so does this server.
MAX_PAYLOAD_BYTES = 10 * 1024 * 1024
MAX_ENVIRONMENTS_PER_FUNCTION = int(os.environ.get("LOCAL_CONCURRENCY", "32"))


@dataclass
class LambdaContext:
    function_name: str
    aws_request_id: str = field(default_factory=lambda: str(uuid.uuid4()))
    memory_limit_in_mb: int = 512
    function_version: str = "$LATEST"
    timeout_ms: int = 15_000
    started: float = field(default_factory=time.monotonic)

    @property
    def invoked_function_arn(self) -> str:
        return f"arn:aws:lambda:local:000000000000:function:{self.function_name}"

    def get_remaining_time_in_millis(self) -> int:
        return max(0, self.timeout_ms - int((time.monotonic() - self.started) * 1000))


def _environment_main(connection: Connection, code_path: str, handler: str, function_name: str) -> None:
    """One execution environment (a child process): import the handler once, then invoke it per event."""
    module_name, _, function_attr = handler.rpartition(".")
    spec = importlib.util.spec_from_file_location(f"_lambda_{function_name}", Path(code_path) / f"{module_name}.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    function = getattr(module, function_attr)
    while True:
        try:
            event = connection.recv()
        except EOFError:
            return
        try:
            result: Any = ("ok", function(event, LambdaContext(function_name=function_name)))
        except Exception as error:  # noqa: BLE001 - reported to the caller as a failed invocation
            result = ("error", repr(error))
        connection.send(result)


class Environment:
    def __init__(self, context: Any, route: template.Function) -> None:
        self.connection, child = context.Pipe()
        self.process = context.Process(
            target=_environment_main,
            args=(child, str(route.code_dir), route.handler, route.function),
            daemon=True,
        )
        self.process.start()
        child.close()

    def invoke(self, event: dict[str, Any]) -> dict[str, Any]:
        self.connection.send(event)
        status, result = self.connection.recv()
        if status != "ok":
            raise RuntimeError(result)
        return result

    def stop(self) -> None:
        self.connection.close()
        self.process.terminate()


class FunctionPool:
    """Execution environments of one function. As in Lambda, each is a process of its own that
    handles one request at a time (Powertools keeps the current event in class attributes, so
    invocations must never share a process); a busy pool grows by a cold start, up to a limit."""

    def __init__(self, route: template.Function, context: Any, max_environments: int) -> None:
        self.route = route
        self._context = context
        self._idle: queue.SimpleQueue[Environment] = queue.SimpleQueue()
        self._slots = threading.BoundedSemaphore(max_environments)
        self._all: list[Environment] = []
        self._lock = threading.Lock()

    def invoke(self, event: dict[str, Any]) -> dict[str, Any]:
        with self._slots:
            try:
                environment = self._idle.get_nowait()
            except queue.Empty:
                environment = Environment(self._context, self.route)
                with self._lock:
                    self._all.append(environment)
            try:
                result = environment.invoke(event)
            except (EOFError, OSError):
                environment.stop()  # it died: never reuse it
                raise
            self._idle.put(environment)
            return result

    def stop(self) -> None:
        with self._lock:
            for environment in self._all:
                environment.stop()


# Imported once by the fork server, so that each environment's cold start only imports its handler.
PRELOAD = ["customer_identity.api", "boto3", "botocore.session"]


class LocalApi:
    def __init__(
        self,
        routes: list[template.Route],
        max_environments: int = MAX_ENVIRONMENTS_PER_FUNCTION,
        workers: list[template.Function] | None = None,
    ) -> None:
        context = multiprocessing.get_context("forkserver")
        context.set_forkserver_preload(PRELOAD)
        self.routes = routes
        self.pools = {route.function: FunctionPool(route, context, max_environments) for route in routes}
        # Functions without a route, reached through the Lambda Invoke API (LAMBDA_ENDPOINT).
        for worker in workers or []:
            self.pools.setdefault(worker.function, FunctionPool(worker, context, max_environments))
        self.events_dir: Path | None = None  # where the local change events are logged (devserver/events.py)
        self._openapi: str | None = None
        self._openapi_lock = threading.Lock()
        self.finished: dict[str, dict[str, int]] = {"completed": {}, "failed": {}}  # asynchronous invocations
        self.executions = backfill_runs.LocalExecutions()  # the backfill state machine (STATES_ENDPOINT)
        self._finished_lock = threading.Lock()

    def record_finished(self, function: str, outcome: str) -> None:
        with self._finished_lock:
            counts = self.finished[outcome]
            counts[function] = counts.get(function, 0) + 1

    def finished_json(self) -> str:
        with self._finished_lock:
            return json.dumps(self.finished)

    def openapi_json(self) -> str:
        with self._openapi_lock:
            if self._openapi is None:
                self._openapi = json.dumps(build_document(load_apps()), indent=2)
        return self._openapi

    def stop(self) -> None:
        for pool in self.pools.values():
            pool.stop()

    def match(self, method: str, raw_path: str) -> tuple[template.Route | None, dict[str, str], bool]:
        """(route, decoded path parameters, whether the path exists for another method)."""
        path_exists = False
        for route in self.routes:
            found = route.pattern.match(raw_path)
            if found:
                path_exists = True
                if route.method == method:
                    return route, {k: unquote(v) for k, v in found.groupdict().items()}, True
        return None, {}, path_exists

    def build_event(
        self,
        route: template.Route,
        method: str,
        raw_path: str,
        query: str,
        headers: dict[str, str],
        body: bytes,
        params: dict[str, str],
        source_ip: str,
    ) -> dict[str, Any]:
        multi_query = parse_qs(query, keep_blank_values=True)
        multi_headers = {name: [value] for name, value in headers.items()}
        request_id = str(uuid.uuid4())
        return {
            "resource": route.path,
            "path": raw_path,
            "httpMethod": method,
            "headers": headers or None,
            "multiValueHeaders": multi_headers or None,
            "queryStringParameters": {k: v[-1] for k, v in multi_query.items()} or None,
            "multiValueQueryStringParameters": multi_query or None,
            "pathParameters": params or None,
            "stageVariables": None,
            "requestContext": {
                "accountId": "000000000000",
                "apiId": "local",
                "resourceId": route.function,
                "resourcePath": route.path,
                "httpMethod": method,
                "path": f"/{STAGE}{raw_path}",
                "stage": STAGE,
                "requestId": request_id,
                "extendedRequestId": request_id,
                "requestTimeEpoch": int(time.time() * 1000),
                "protocol": "HTTP/1.1",
                "identity": {"sourceIp": source_ip, "userAgent": headers.get("User-Agent")},
            },
            "body": body.decode("utf-8", errors="replace") if body else None,
            "isBase64Encoded": False,
        }


def _error(status: int, code: str, message: str) -> tuple[int, dict[str, str], bytes]:
    from customer_identity.core.models.common import error_body

    return status, {"Content-Type": "application/json"}, json.dumps(error_body(code, message)).encode()


INVOKE_PATH = re.compile(r"^/2015-03-31/functions/(?P<name>[^/]+)/invocations$")


def _logged(name: str, run: Callable[[], Any], finished: Callable[[str], None]) -> None:
    """Run an asynchronous invocation, reporting a failure as Lambda's logs would; ``finished`` gets the outcome."""
    try:
        run()
    except Exception as error:  # noqa: BLE001
        print(f"{name} (asynchronous) failed: {error!r}", file=sys.stderr, flush=True)
        finished("failed")
    else:
        finished("completed")


def make_handler(api: LocalApi, after_invoke: Callable[[], None] | None = None) -> type[BaseHTTPRequestHandler]:
    """The request handler; ``after_invoke`` runs after each function, before the answer is sent."""

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"
        disable_nagle_algorithm = True  # headers and body go out in separate writes
        server_version = "customer-identity-local"

        def log_message(self, format: str, *args: Any) -> None:  # noqa: A002
            if os.environ.get("LOCAL_ACCESS_LOG"):
                super().log_message(format, *args)

        def _respond(self, status: int, headers: dict[str, str | list[str]], body: bytes) -> None:
            self.send_response(status)
            for name, value in headers.items():
                if name.lower() not in {"content-length", "connection"}:
                    for one in [value] if isinstance(value, str) else value:  # Set-Cookie: one header each
                        self.send_header(name, one)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            if self.command != "HEAD":
                self.wfile.write(body)

        def _send_file(
            self, path: Path, content_type: str = "text/csv; charset=utf-8", name: str = "customers.csv"
        ) -> None:
            """Stream a file from disk (one block in memory), as S3 serves a presigned link."""
            self.send_response(200)
            self.send_header("Content-Type", content_type)
            self.send_header("Content-Disposition", f'attachment; filename="{name}"')
            self.send_header("Content-Length", str(path.stat().st_size))
            self.end_headers()
            if self.command != "HEAD":
                for block in exports.blocks(path):
                    self.wfile.write(block)

        def _backfill_file(self, raw_path: str, query: str) -> None:
            """A signed link of a console backfill run: PUT stores the body, GET sends the file."""
            path = backfill_runs.run_file(self.command, raw_path, parse_qs(query))
            if path is None or (self.command == "GET" and not path.is_file()):
                self.close_connection = self.command == "PUT"  # the body is never read
                self._respond(*_error(403, "invalid_link", "the link is not valid for this request, or it expired"))
                return
            if self.command == "GET":
                self._send_file(path, "application/x-ndjson", path.name)
                return
            try:
                length = int(self.headers.get("Content-Length") or "")
            except ValueError:
                length = -1
            if not 0 <= length <= backfill_runs.MAX_UPLOAD_BYTES:
                self.close_connection = True
                self._respond(*_error(413, "payload_too_large", "send the file with its Content-Length, at most 1 GiB"))
                return
            backfill_runs.store(path, self.rfile, length)
            self._respond(200, {}, b"")

        def _dispatch(self) -> None:
            split = urlsplit(self.path)
            if self.command in {"PUT", "GET"} and backfill_runs.is_prefix(split.path):
                self._backfill_file(split.path, split.query)
                return
            try:
                length = int(self.headers.get("Content-Length") or 0)
            except ValueError:
                length = -1
            if not 0 <= length <= MAX_PAYLOAD_BYTES:
                self.close_connection = True  # the body is never read
                too_large = length > MAX_PAYLOAD_BYTES
                self._respond(
                    *_error(413, "payload_too_large", f"request body is larger than {MAX_PAYLOAD_BYTES} bytes")
                    if too_large
                    else _error(400, "bad_request", "Content-Length is not a number of bytes")
                )
                return
            body = self.rfile.read(length) if length else b""
            parts = urlsplit(self.path)
            raw_path = parts.path or "/"
            if self.command == "GET" and raw_path == "/openapi.json":
                self._respond(200, {"Content-Type": "application/json"}, api.openapi_json().encode())
                return
            if self.command == "GET" and raw_path == "/swagger":
                self._respond(200, {"Content-Type": "text/html"}, swagger_html(api.openapi_json()).encode())
                return
            if self.command == "GET" and raw_path == "/dev/outbox":
                self._respond(*outbox_response(parts.query))
                return
            if self.command == "GET" and raw_path == "/dev/events":
                self._respond(*events.events_response(api.events_dir or Path("-"), parts.query))
                return
            if self.command == "GET" and raw_path == "/dev/invocations":
                self._respond(200, {"Content-Type": "application/json"}, api.finished_json().encode())
                return
            if self.command == "POST" and raw_path == backfill_runs.STATES_PATH:
                self._respond(*api.executions.answer(self.headers.get("X-Amz-Target", ""), body))
                return
            if self.command == "POST" and INVOKE_PATH.match(raw_path):
                self._respond(*self._invoke(unquote(INVOKE_PATH.match(raw_path)["name"]), body))  # type: ignore[index]
                return
            if self.command in {"GET", "HEAD"} and raw_path.startswith(exports.PREFIX):
                path = exports.export_file(raw_path)
                if path is None:
                    self._respond(*_error(404, "export_not_found", "no such export, or its link expired"))
                else:
                    self._send_file(path)
                return
            route, params, path_exists = api.match(self.command, raw_path)
            if route is None:
                if path_exists:
                    self._respond(*_error(405, "method_not_allowed", f"{self.command} is not allowed on {raw_path}"))
                else:
                    self._respond(*_error(404, "route_not_found", f"no route for {self.command} {raw_path}"))
                return
            headers = dict(self.headers.items())
            event = api.build_event(
                route, self.command, raw_path, parts.query, headers, body, params, self.client_address[0]
            )
            try:
                result = api.pools[route.function].invoke(event)
                if after_invoke is not None:
                    after_invoke()
            except Exception as error:  # noqa: BLE001 - what API Gateway answers when a Lambda fails
                print(f"{route.function} failed: {error!r}", file=sys.stderr, flush=True)
                self._respond(*_error(502, "internal_error", "the function failed"))
                return
            out_headers: dict[str, str | list[str]] = dict(result.get("headers") or {})
            for name, values in (result.get("multiValueHeaders") or {}).items():
                out_headers[name] = list(values) if name.lower() == "set-cookie" else ", ".join(values)
            payload = result.get("body") or ""
            self._respond(int(result.get("statusCode", 200)), out_headers, payload.encode())

        def _invoke(self, name: str, body: bytes) -> tuple[int, dict[str, str], bytes]:
            """Lambda's Invoke API for the local functions (``InvocationType`` Event or RequestResponse)."""
            pool = api.pools.get(name.rpartition(":")[2])
            if pool is None:
                headers = {"x-amzn-ErrorType": "ResourceNotFoundException", "Content-Type": "application/json"}
                return 404, headers, json.dumps({"Type": "User", "message": f"Function not found: {name}"}).encode()
            event = json.loads(body) if body else {}

            def run() -> Any:
                result = pool.invoke(event)
                if after_invoke is not None:
                    after_invoke()
                return result

            if self.headers.get("X-Amz-Invocation-Type") == "Event":
                function = pool.route.function

                def finished(outcome: str) -> None:
                    api.record_finished(function, outcome)

                threading.Thread(target=_logged, args=(name, run, finished), daemon=True).start()
                return 202, {}, b""
            try:
                return 200, {"Content-Type": "application/json"}, json.dumps(run()).encode()
            except Exception as error:  # noqa: BLE001 - Lambda reports a function error in a header
                return 200, {"X-Amz-Function-Error": "Unhandled"}, json.dumps({"errorMessage": str(error)}).encode()

        def __getattr__(self, name: str) -> Any:
            # http.server calls do_<METHOD>: every method (TRACE, QUERY, ... too) is dispatched, so
            # one the route lacks is a 405 in the error shape, not http.server's 501 HTML page.
            if name.startswith("do_"):
                return self._dispatch
            raise AttributeError(name)

    return Handler


class LocalServer(ThreadingHTTPServer):
    daemon_threads = True
    request_queue_size = 1024

    def handle_error(self, request: Any, client_address: Any) -> None:
        """A client that hangs up mid-request is no error of ours (http.server would print a traceback)."""
        if not isinstance(sys.exc_info()[1], ConnectionError):
            super().handle_error(request, client_address)


# --- start-up ---------------------------------------------------------------------------------


def ensure_table(endpoint: str | None, table_name: str, region: str) -> None:
    """Create the table from the template's definition unless it exists; add missing indexes."""
    client = boto3.client("dynamodb", endpoint_url=endpoint, region_name=region)
    definition = template.table_definition()
    try:
        existing = client.describe_table(TableName=table_name)["Table"]
    except ClientError as error:
        if error.response["Error"]["Code"] != "ResourceNotFoundException":
            raise
        client.create_table(TableName=table_name, **definition)
        return
    stream = definition.get("StreamSpecification")
    if stream and not existing.get("StreamSpecification", {}).get("StreamEnabled"):
        client.update_table(TableName=table_name, StreamSpecification=stream)  # a table made before events
    have = {index["IndexName"] for index in existing.get("GlobalSecondaryIndexes", [])}
    for index in definition.get("GlobalSecondaryIndexes", []):
        if index["IndexName"] not in have:  # one at a time, each waited for, as DynamoDB requires
            client.update_table(
                TableName=table_name,
                AttributeDefinitions=definition["AttributeDefinitions"],
                GlobalSecondaryIndexUpdates=[{"Create": index}],
            )
            _wait_for_indexes(client, table_name)
            print(
                f"added the index {index['IndexName']} to the local table: customers written before it get its "
                "keys when next written, or all at once with: .venv/bin/python -m devserver.reindex",
                file=sys.stderr,
            )


def _wait_for_indexes(client: Any, table_name: str, timeout: float = 60.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        indexes = client.describe_table(TableName=table_name)["Table"].get("GlobalSecondaryIndexes", [])
        if all(index.get("IndexStatus", "ACTIVE") == "ACTIVE" for index in indexes):
            return
        time.sleep(0.2)
    raise RuntimeError(f"the indexes of {table_name} did not become active in {timeout:.0f} s")


def local_signing_key(data_dir: Path) -> str:
    """The token signing key of local runs: generated once into the (git-ignored) data folder."""
    path = data_dir / "jwt-signing-key"
    if not path.exists():
        data_dir.mkdir(parents=True, exist_ok=True)
        descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(descriptor, "w") as handle:
            handle.write(secrets.token_urlsafe(48))
    return path.read_text().strip()


def configure_environment(endpoint: str | None, data_dir: Path) -> dict[str, str]:
    """Environment of the local functions: the template's, then the developer's own overrides."""
    env = template.function_environment()
    env.pop("JWT_SIGNING_KEY_SECRET", None)
    env.update(
        JWT_SIGNING_KEY=local_signing_key(data_dir),
        NOTIFICATION_SENDER="outbox",
        EXPORT_DIR=str(data_dir / "exports"),  # served at /dev/exports/ (devserver/exports.py)
        **backfill_runs.environment(data_dir),  # backfill runs' files and state machine (devserver/backfill_runs.py)
    )
    env.update(
        TABLE_NAME=os.environ.get("TABLE_NAME", "customer-identity"),
        POWERTOOLS_TRACE_DISABLED="true",
        POWERTOOLS_METRICS_DISABLED="true",
        POWERTOOLS_LOG_LEVEL="WARNING",
        AWS_REGION=os.environ.get("AWS_REGION") or os.environ.get("AWS_DEFAULT_REGION") or "us-east-1",
    )
    if endpoint:
        env["DYNAMODB_ENDPOINT"] = endpoint
        env.setdefault("AWS_ACCESS_KEY_ID", "local")
        env.setdefault("AWS_SECRET_ACCESS_KEY", "local")
    for key in [*env, "JWT_SIGNING_KEY_SECRET", "EMAIL_FROM", "EXPORT_INLINE_LIMIT_BYTES", "EXPORT_LINK_TTL_SECONDS"]:
        if os.environ.get(key) and key not in {"DYNAMODB_ENDPOINT", "AWS_REGION"}:
            env[key] = os.environ[key]
    if env.get("JWT_SIGNING_KEY_SECRET") and not os.environ.get("JWT_SIGNING_KEY"):
        env.pop("JWT_SIGNING_KEY")  # the developer chose a Secrets Manager key
    os.environ.update(env)
    return env


def resolve_endpoint(data_dir: Path) -> tuple[dynamodb_local.DynamoDBLocal | None, str | None]:
    """(DynamoDB Local if this call started one, the DynamoDB endpoint; None means AWS)."""
    endpoint = os.environ.get("DYNAMODB_ENDPOINT") or None
    if endpoint is None and not os.environ.get("USE_AWS"):
        ddb = dynamodb_local.start(data_dir)
        return ddb, ddb.endpoint
    return None, endpoint


def running_server_endpoint(data_dir: Path) -> str | None:
    """The DynamoDB endpoint of a ``make run`` serving ``data_dir`` right now, if one is."""
    try:
        state = json.loads((data_dir / "server.json").read_text())
        os.kill(int(state["pid"]), 0)
    except (OSError, ValueError, KeyError):
        return None
    return state.get("endpoint")


@contextlib.contextmanager
def local_table(data_dir: Path) -> Iterator[dict[str, str]]:
    """The table ``make run`` serves over ``data_dir``, for local tools; yields the functions' environment.

    Uses the running server's DynamoDB, else ``DYNAMODB_ENDPOINT`` (or AWS with ``USE_AWS``), else
    DynamoDB Local over ``data_dir`` for as long as the tool runs. On the way out every write is
    stored: DynamoDB Local answers a transaction before storing it (see ``dynamodb_local``).
    """
    endpoint = os.environ.get("DYNAMODB_ENDPOINT") or running_server_endpoint(data_dir)
    ddb = None
    if endpoint:
        os.environ["DYNAMODB_ENDPOINT"] = endpoint
    else:
        try:
            ddb, endpoint = resolve_endpoint(data_dir)
        except dynamodb_local.DynamoDBLocalError as error:
            sys.exit(str(error))
    try:
        env = configure_environment(endpoint, data_dir)
        if endpoint:
            ensure_table(endpoint, env["TABLE_NAME"], env["AWS_REGION"])
        yield env
    finally:
        if ddb is not None:
            ddb.stop()  # waits for its last commits, then stops it
        elif endpoint:  # another process's DynamoDB Local: wait behind our queued commits
            boto3.client("dynamodb", endpoint_url=endpoint, region_name=os.environ["AWS_REGION"]).list_tables(Limit=1)


def local_data_dir() -> Path:
    return Path(os.environ.get("LOCAL_DATA_DIR", template.PROJECT_ROOT / ".local"))


def main() -> None:
    host = os.environ.get("HOST", "127.0.0.1")
    port = int(os.environ.get("PORT", "3000"))
    data_dir = local_data_dir()
    try:
        ddb, endpoint = resolve_endpoint(data_dir)
    except dynamodb_local.DynamoDBLocalError as error:
        sys.exit(str(error))
    try:
        serve(host, port, data_dir, endpoint, ddb)
    finally:
        if ddb is not None:
            ddb.stop()


def serve(host: str, port: int, data_dir: Path, endpoint: str | None, ddb: dynamodb_local.DynamoDBLocal | None) -> None:
    env = configure_environment(endpoint, data_dir)
    if endpoint:  # DynamoDB Local (ours or another): create the table; a real account deploys it with SAM
        ensure_table(endpoint, env["TABLE_NAME"], env["AWS_REGION"])
    api = LocalApi(template.routes(), workers=template.functions())
    api.events_dir = data_dir / events.EVENTS_DIR
    # The table's stream, published by the Lambda's code (devserver/events.py); AWS has the function.
    poller = events.start(data_dir) if endpoint else None
    # Our DynamoDB Local: answer only once the function's transactions are stored (dynamodb_local.py).
    server = LocalServer((host, port), make_handler(api, ddb.wait_for_commits if ddb else None))
    url = f"http://{host}:{server.server_address[1]}"
    os.environ["LAMBDA_ENDPOINT"] = url  # the functions' background work comes back here (Invoke API)
    os.environ["STATES_ENDPOINT"] = url + backfill_runs.STATES_PATH  # backfill runs (devserver/backfill_runs.py)
    state_file = data_dir / "server.json"
    state_file.write_text(json.dumps({"url": url, "endpoint": endpoint, "pid": os.getpid()}))
    backend = f"DynamoDB Local at {endpoint}" if ddb else (endpoint or f"AWS {env['AWS_REGION']}")
    print(f"serving {url} (table {env['TABLE_NAME']} on {backend})", flush=True)
    signal.signal(signal.SIGTERM, lambda *_: threading.Thread(target=server.shutdown).start())
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        state_file.unlink(missing_ok=True)
        server.server_close()
        api.stop()
        if poller is not None:
            poller.kill()
            poller.wait()


if __name__ == "__main__":
    main()
