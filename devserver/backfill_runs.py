"""``make run``'s stand-ins for what the console's backfill runs use in AWS (never deployed):

* ``PUT``/``GET /dev/backfill-files/<run_id>/<name>?expires=…&sig=…``: the presigned S3 links. The
  link is HMAC-signed by the function that made it (``BACKFILL_LINK_KEY``, a local secret in
  ``.local/backfill-link-key``) and expires; a ``PUT`` streams the body into
  ``.local/backfill-runs/<run_id>/<name>``, a ``GET`` streams the file back.
* ``POST /dev/states`` (``STATES_ENDPOINT``): Step Functions' ``StartExecution`` and
  ``DescribeExecution`` for the backfill state machine. An execution runs the same ASL as
  ``make backfill`` on moto's interpreter (devserver/backfill.py) in a background thread of the local
  server, over the same DynamoDB Local; one at a time (moto's mock is process-wide).
"""

from __future__ import annotations

import json
import os
import re
import secrets
import threading
import time
from pathlib import Path
from typing import IO, Any

from customer_identity.use_cases.admin.backfill_run_files import LOCAL_URL_PREFIX, link_valid
from customer_identity.use_cases.admin.backfill_uploads import is_export_name
from customer_identity.use_cases.backfill.report import REPORT, ROWS

STATES_PATH = "/dev/states"
STATE_MACHINE_ARN = "arn:aws:states:us-east-1:123456789012:stateMachine:customer-identity-backfill-local"
MAX_UPLOAD_BYTES = 1024**3
BLOCK = 64 * 1024
_FILE = re.compile(r"^/dev/backfill-files/(?P<run_id>[0-9TZ]{19}-[0-9a-f]{12})/(?P<name>[a-z0-9_.-]+)$")


def environment(data_dir: Path) -> dict[str, str]:
    """The functions' settings for local backfill runs (``STATES_ENDPOINT`` is set once the server listens)."""
    key_file = data_dir / "backfill-link-key"
    if not key_file.exists():
        data_dir.mkdir(parents=True, exist_ok=True)
        descriptor = os.open(key_file, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(descriptor, "w") as handle:
            handle.write(secrets.token_urlsafe(32))
    return {
        "BACKFILL_DIR": str(data_dir / "backfill-runs"),
        "BACKFILL_LINK_KEY": key_file.read_text().strip(),
        "BACKFILL_STATE_MACHINE_ARN": STATE_MACHINE_ARN,
    }


def run_file(method: str, raw_path: str, query: dict[str, list[str]]) -> Path | None:
    """The file a valid, unexpired signed link names (for ``method``), or None."""
    found = _FILE.match(raw_path)
    directory, key = os.environ.get("BACKFILL_DIR"), os.environ.get("BACKFILL_LINK_KEY")
    if not found or not directory or not key:
        return None
    run_id, name = found["run_id"], found["name"]
    allowed = is_export_name(name) if method == "PUT" else name in {ROWS, REPORT}
    try:
        expires, signature = int(query["expires"][0]), query["sig"][0]
    except (KeyError, IndexError, ValueError):
        return None
    if not allowed or not link_valid(key.encode(), method, run_id, name, expires, signature):
        return None
    return Path(directory) / run_id / name


def store(path: Path, body: IO[bytes], length: int) -> None:
    """Write ``length`` bytes of ``body`` to ``path`` (whole or not at all)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_name(f".{path.name}.partial")
    left = length
    with partial.open("wb") as handle:
        while left > 0:
            block = body.read(min(BLOCK, left))
            if not block:
                break
            handle.write(block)
            left -= len(block)
    if left:
        partial.unlink(missing_ok=True)
        raise ConnectionError("the upload ended early")
    partial.replace(path)


def is_prefix(raw_path: str) -> bool:
    return raw_path.startswith(LOCAL_URL_PREFIX)


class LocalExecutions:
    """Step Functions' two calls the functions make, answered in its JSON protocol."""

    def __init__(self) -> None:
        self._executions: dict[str, dict[str, Any]] = {}
        self._lock = threading.Lock()
        self._one_at_a_time = threading.Lock()

    def answer(self, target: str, body: bytes) -> tuple[int, dict[str, str], bytes]:
        request = json.loads(body or b"{}")
        operation = target.rpartition(".")[2]
        if operation == "StartExecution":
            return self._start(request)
        if operation == "DescribeExecution":
            with self._lock:
                found = self._executions.get(request.get("executionArn", ""))
                described = dict(found) if found else None
            if described is None:
                return _fault("ExecutionDoesNotExist", "no such execution")
            return 200, _JSON, json.dumps(described).encode()
        return _fault("UnknownOperationException", f"{operation} is not answered locally")

    def _start(self, request: dict[str, Any]) -> tuple[int, dict[str, str], bytes]:
        name = request["name"]
        arn = f"{STATE_MACHINE_ARN.replace(':stateMachine:', ':execution:')}:{name}"
        with self._lock:
            existing = self._executions.get(arn)
            if existing is not None:
                if existing["status"] != "RUNNING" or existing["input"] != request.get("input"):
                    return _fault("ExecutionAlreadyExists", f"execution {name} already exists")
                return 200, _JSON, json.dumps({"executionArn": arn, "startDate": existing["startDate"]}).encode()
            execution = {
                "executionArn": arn,
                "stateMachineArn": STATE_MACHINE_ARN,
                "name": name,
                "status": "RUNNING",
                "startDate": time.time(),
                "input": request.get("input", "{}"),
            }
            self._executions[arn] = execution
        threading.Thread(target=self._run, args=(arn,), daemon=True, name=f"backfill-{name}").start()
        return 200, _JSON, json.dumps({"executionArn": arn, "startDate": execution["startDate"]}).encode()

    def _run(self, arn: str) -> None:
        from devserver.backfill import follow, local_step_functions, quiet

        with self._one_at_a_time:
            try:
                with quiet(), local_step_functions() as (client, machine):
                    started = client.start_execution(stateMachineArn=machine, input=self._executions[arn]["input"])
                    described = follow(client, started["executionArn"], None)
                outcome = {key: described.get(key) for key in ("status", "output", "error", "cause")}
            except Exception as error:  # noqa: BLE001 - the execution fails, as a Lambda error fails it in AWS
                outcome = {"status": "FAILED", "error": type(error).__name__, "cause": str(error)[:2000]}
        with self._lock:
            self._executions[arn].update({k: v for k, v in outcome.items() if v is not None}, stopDate=time.time())


_JSON = {"Content-Type": "application/x-amz-json-1.0"}


def _fault(code: str, message: str) -> tuple[int, dict[str, str], bytes]:
    return 400, _JSON | {"x-amzn-ErrorType": code}, json.dumps({"__type": code, "message": message}).encode()
