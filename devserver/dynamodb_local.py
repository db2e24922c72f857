"""AWS's DynamoDB Local (a Java program) as a child process of ``make run`` and ``make token``.

``make install`` unpacks it into ``.tools/dynamodb-local`` (it needs Java 17 or later). It keeps its
tables in one SQLite file, ``<data_dir>/dynamodb/shared-local-instance.db`` (``-sharedDb``: every
credential and region sees the same tables).

DynamoDB Local (3.3.1) answers a ``TransactWriteItems`` before its SQLite ``COMMIT`` has run: the
commit is queued on its single SQLite thread without being waited for
(``SQLiteDBAccess.commitTransaction``), so a ``kill -9`` just after the answer loses an acknowledged
transaction (seen here in about 1 kill out of 4 under load). Every other operation waits for its
job on that thread, which runs jobs in order, so :meth:`DynamoDBLocal.wait_for_commits` (one
``ListTables``) returns only once every commit queued before it is stored; the local server calls
it before answering a request, so every write it acknowledges survives a ``kill -9``.

It never outlives the process that started it: on Linux the kernel kills it when that process dies
(``PR_SET_PDEATHSIG``), however it dies. Ownership of a data folder is an exclusive ``flock`` held by
the starting process for as long as DynamoDB Local runs (the kernel drops it when that process
dies, so a crash never blocks a restart), and ``dynamodb-local.pid`` names the Java process, so a
DynamoDB Local left behind anyway (another OS, a crash between fork and exec) is killed by the next
start. DynamoDB Local has no option to choose its listening address: it listens on every
interface, on a free port unless ``EMULATOR_PORT`` is set.
"""

from __future__ import annotations

import contextlib
import ctypes
import fcntl
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import boto3
from botocore.config import Config
from botocore.exceptions import BotoCoreError

from devserver.template import PROJECT_ROOT

HOME = PROJECT_ROOT / ".tools" / "dynamodb-local"
# C1 only: the JVM answers in ~1.0-1.1 s instead of 1.4-2.1 s here, and the race tests ran faster
# too (C2's compiler threads compete with the server for 2 cores).
JAVA_OPTIONS = ["-XX:TieredStopAtLevel=1"]
START_TIMEOUT_SECONDS = 60
STOP_TIMEOUT_SECONDS = 10
PR_SET_PDEATHSIG = 1


class DynamoDBLocalError(RuntimeError):
    pass


class DynamoDBLocal:
    """A running DynamoDB Local; ``stop()`` ends it and releases its data folder."""

    def __init__(self, process: subprocess.Popen[bytes], port: int, db_dir: Path, lock_fd: int) -> None:
        self.process = process
        self.port = port
        self.endpoint = f"http://127.0.0.1:{port}"
        self.db_dir = db_dir
        self._lock_fd = lock_fd
        self._client = _client(port, max_pool_connections=100)

    @property
    def pid(self) -> int:
        return self.process.pid

    def wait_for_commits(self) -> None:
        """Return once every transaction acknowledged so far is stored (see the module docstring)."""
        self._client.list_tables(Limit=1)

    def stop(self) -> None:
        if self.process.poll() is None:
            with contextlib.suppress(BotoCoreError):
                self.wait_for_commits()
            self.process.terminate()
            try:
                self.process.wait(timeout=STOP_TIMEOUT_SECONDS)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        (self.db_dir / "dynamodb-local.pid").unlink(missing_ok=True)
        os.close(self._lock_fd)


def _java_command(port: int, db_dir: Path) -> list[str]:
    return [
        "java",
        *JAVA_OPTIONS,
        f"-Djava.library.path={HOME / 'DynamoDBLocal_lib'}",
        "-jar",
        str(HOME / "DynamoDBLocal.jar"),
        "-port",
        str(port),
        "-dbPath",
        str(db_dir),
        "-sharedDb",
        "-disableTelemetry",
    ]


def start(data_dir: Path, *, port: int | None = None) -> DynamoDBLocal:
    """Start DynamoDB Local over ``data_dir/dynamodb`` and wait until it answers.

    Call it from the main thread: on Linux DynamoDB Local dies with the thread that started it.
    """
    if not (HOME / "DynamoDBLocal.jar").is_file():
        raise DynamoDBLocalError(f"DynamoDB Local is not installed in {HOME}: run `make install`")
    if port is None and os.environ.get("EMULATOR_PORT"):
        port = int(os.environ["EMULATOR_PORT"])
    db_dir = (data_dir / "dynamodb").resolve()
    db_dir.mkdir(parents=True, exist_ok=True)
    lock_fd = _lock(db_dir)
    try:
        _kill_leftover(db_dir)
        for _attempt in range(3):
            chosen = port or _free_port()
            process = _spawn(chosen, db_dir)
            (db_dir / "dynamodb-local.pid").write_text(json.dumps({"pid": process.pid, "owner": os.getpid()}))
            try:
                _wait_until_ready(process, chosen, db_dir)
                _import_old_emulator_state(data_dir / "dynamodb.json", _client(chosen))
            except _PortTaken:
                if port is not None:
                    raise DynamoDBLocalError(f"EMULATOR_PORT {port} is in use") from None
                continue  # another program took the free port meanwhile: pick another one
            except BaseException:
                process.kill()
                process.wait()
                raise
            return DynamoDBLocal(process, chosen, db_dir, lock_fd)
        raise DynamoDBLocalError("DynamoDB Local found no free port")
    except BaseException:
        (db_dir / "dynamodb-local.pid").unlink(missing_ok=True)
        os.close(lock_fd)
        raise


class _PortTaken(Exception):
    pass


def _import_old_emulator_state(path: Path, client: Any) -> None:
    """Once: load the tables the former moto-based emulator saved in ``dynamodb.json``."""
    if not path.exists():
        return
    state = json.loads(path.read_text())
    existing = set(client.list_tables()["TableNames"])
    for name, table in state["tables"].items():
        if name not in existing:
            client.create_table(TableName=name, **table["definition"])
        items = [{"PutRequest": {"Item": item}} for item in table["items"]]
        for start in range(0, len(items), 25):
            request = {name: items[start : start + 25]}
            while request:
                request = client.batch_write_item(RequestItems=request)["UnprocessedItems"]
    path.rename(path.with_name("dynamodb.json.imported"))
    print(f"imported {path} into DynamoDB Local (kept as dynamodb.json.imported)", file=sys.stderr, flush=True)


def _lock(db_dir: Path) -> int:
    fd = os.open(db_dir / "dynamodb-local.lock", os.O_RDWR | os.O_CREAT, 0o600)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        os.close(fd)
        owner = _read_pid_file(db_dir).get("owner", "?")
        raise DynamoDBLocalError(
            f"another process (pid {owner}) runs DynamoDB Local over {db_dir}: stop it, or set LOCAL_DATA_DIR"
        ) from None
    return fd


def _read_pid_file(db_dir: Path) -> dict[str, int]:
    try:
        return json.loads((db_dir / "dynamodb-local.pid").read_text())
    except (OSError, ValueError):
        return {}


def _kill_leftover(db_dir: Path) -> None:
    """Kill a DynamoDB Local whose starter died without taking it along (we hold the lock now)."""
    pid = _read_pid_file(db_dir).get("pid")
    if not pid or not is_running(pid, db_dir):
        return
    print(f"stopping a leftover DynamoDB Local (pid {pid}) over {db_dir}", file=sys.stderr, flush=True)
    with contextlib.suppress(ProcessLookupError):
        os.kill(pid, signal.SIGKILL)
    deadline = time.monotonic() + STOP_TIMEOUT_SECONDS
    while is_running(pid, db_dir):
        if time.monotonic() > deadline:
            raise DynamoDBLocalError(f"a leftover DynamoDB Local (pid {pid}) over {db_dir} does not stop")
        time.sleep(0.05)


def is_running(pid: int, db_dir: Path) -> bool:
    """Whether ``pid`` is a live DynamoDB Local over ``db_dir`` (not a zombie, not a recycled pid)."""
    try:
        command = Path(f"/proc/{pid}/cmdline").read_bytes().split(b"\0")
        state = Path(f"/proc/{pid}/stat").read_text().rpartition(")")[2].split()[0]
    except OSError:
        if Path("/proc/self").exists():
            return False
        ps = ["/bin/ps", "-o", "stat=,args=", "-p", str(pid)]  # no /proc (macOS)
        done = subprocess.run(ps, capture_output=True, text=True, check=False)
        state, _, args = done.stdout.strip().partition(" ")
        command = [part.encode() for part in args.split()]
    return state[:1] != "Z" and b"DynamoDBLocal.jar" in b" ".join(command) and str(db_dir).encode() in command


def _free_port() -> int:
    with socket.socket() as probe:  # DynamoDB Local binds every interface, so probe them all
        probe.bind(("", 0))
        return probe.getsockname()[1]


def _die_with_parent() -> Callable[[], None] | None:
    """A ``preexec_fn`` that makes the kernel SIGKILL the child when this thread dies (Linux)."""
    if not sys.platform.startswith("linux"):
        return None
    libc = ctypes.CDLL(None, use_errno=True)
    parent = os.getpid()

    def preexec() -> None:
        libc.prctl(PR_SET_PDEATHSIG, signal.SIGKILL)
        if os.getppid() != parent:  # the parent died before prctl took effect
            os._exit(1)

    return preexec


def _spawn(port: int, db_dir: Path) -> subprocess.Popen[bytes]:
    if shutil.which("java") is None:
        raise DynamoDBLocalError(
            "java not found: DynamoDB Local needs Java 17 or later"
            " (Debian/Ubuntu: sudo apt-get install openjdk-17-jre-headless)"
        )
    log = open(db_dir / "dynamodb-local.log", "wb")  # noqa: SIM115 - the child keeps writing to it
    with log:
        return subprocess.Popen(
            _java_command(port, db_dir),
            stdin=subprocess.DEVNULL,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,  # Ctrl-C reaches the server, which then stops DynamoDB Local in order
            preexec_fn=_die_with_parent(),  # called before this process starts any thread
        )


def local_client(endpoint: str, config: Config | None = None) -> Any:
    """A boto3 client for the DynamoDB Local at ``endpoint`` (it accepts any credentials)."""
    return boto3.client(
        "dynamodb",
        endpoint_url=endpoint,
        region_name="us-east-1",
        aws_access_key_id="local",
        aws_secret_access_key="local",  # noqa: S106 - DynamoDB Local accepts any credentials
        config=config,
    )


def _client(port: int, *, read_timeout: int = 30, **config: int) -> Any:
    return local_client(
        f"http://127.0.0.1:{port}",
        Config(retries={"max_attempts": 1}, connect_timeout=1, read_timeout=read_timeout, **config),
    )


def _wait_until_ready(process: subprocess.Popen[bytes], port: int, db_dir: Path) -> None:
    client = _client(port, read_timeout=2)  # short: whatever holds the port may never answer
    deadline = time.monotonic() + START_TIMEOUT_SECONDS
    while True:
        if process.poll() is not None:
            log = (db_dir / "dynamodb-local.log").read_text(errors="replace")
            if "Address already in use" in log:
                raise _PortTaken()
            raise DynamoDBLocalError(f"DynamoDB Local exited with {process.returncode}:\n{log[-2000:]}")
        try:
            client.list_tables(Limit=1)
            return
        except BotoCoreError:  # not listening yet
            if time.monotonic() > deadline:
                raise DynamoDBLocalError(f"DynamoDB Local did not answer within {START_TIMEOUT_SECONDS} s") from None
            time.sleep(0.05)
