"""Start ``make run``'s server as a child process (for tests and the benchmark)."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from devserver.template import PROJECT_ROOT


def start_local_server(
    data_dir: Path, *, endpoint: str | None = None, new_session: bool = False, env: dict[str, str] | None = None
) -> tuple[subprocess.Popen[str], str]:
    """Start the API on a free port; return the process and its base URL.

    With ``endpoint`` it uses that DynamoDB endpoint, else its own DynamoDB Local over ``data_dir``.
    ``new_session`` puts it in a process group of its own (which a test may then SIGKILL whole).
    ``env`` adds to (or overrides) this process's environment, e.g. settings such as ``TABLE_NAME``.
    """
    env = {**os.environ, **(env or {}), "PORT": "0", "LOCAL_DATA_DIR": str(data_dir)}
    env.pop("DYNAMODB_ENDPOINT", None)
    if endpoint:
        env["DYNAMODB_ENDPOINT"] = endpoint
    process = subprocess.Popen(
        [sys.executable, "-m", "devserver.server"],
        cwd=PROJECT_ROOT,
        env=env,
        stdout=subprocess.PIPE,
        text=True,
        start_new_session=new_session,
    )
    assert process.stdout is not None
    line = process.stdout.readline()
    if not line.startswith("serving "):
        process.kill()
        process.wait()
        raise RuntimeError(f"local server did not start: {line!r}")
    return process, line.split()[1]


@contextmanager
def local_server(data_dir: Path, *, endpoint: str | None = None, env: dict[str, str] | None = None) -> Iterator[str]:
    """Serve the API on a free port (see ``start_local_server``); yield its base URL."""
    process, url = start_local_server(data_dir, endpoint=endpoint, env=env)
    try:
        yield url
    finally:
        stop_local_server(process)


def stop_local_server(process: subprocess.Popen[str]) -> None:
    """Stop a server from :func:`start_local_server` (it stops its DynamoDB Local); kill it after 30 s."""
    process.terminate()
    try:
        process.wait(timeout=30)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


def mint_token(data_dir: Path, role: str = "admin", *, phone: str | None = None) -> str:
    """What ``make token ROLE=<role>`` prints, for the server over ``data_dir`` (run as a command)."""
    env = {**os.environ, "LOCAL_DATA_DIR": str(data_dir)}
    env.pop("DYNAMODB_ENDPOINT", None)
    command = [sys.executable, "-m", "devserver.token", "--role", role]
    if phone:
        command += ["--phone", phone]
    done = subprocess.run(command, cwd=PROJECT_ROOT, env=env, capture_output=True, text=True, check=True)
    return done.stdout.strip().splitlines()[-1]
