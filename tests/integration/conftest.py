"""Integration fixtures: `make run`'s server in a child process, with its own DynamoDB Local.

Tokens come from the same command as `make token`, run against the server's data folder.
"""

import os
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from devserver.process import local_server, mint_token

UNLIMITED = httpx.Limits(max_connections=None, max_keepalive_connections=20)
# Every test client is 127.0.0.1, sending codes far faster than people do: the servers these tests
# start get SMS budgets that never bind, except where a test sets its own (test_sms_budget.py).
os.environ.setdefault("SMS_PER_IP_PER_MINUTE", "100000")
os.environ.setdefault("SMS_GLOBAL_PER_MINUTE", "100000")
RESET_WORKER = "ForgotPasswordWorkerFunction"
BACKGROUND_DEADLINE_SECONDS = 60


def finished_invocations(client: httpx.Client, function: str = RESET_WORKER) -> tuple[int, int]:
    """(completed, failed) asynchronous invocations of ``function`` on the local server so far."""
    finished = client.get("/dev/invocations").json()
    return finished["completed"].get(function, 0), finished["failed"].get(function, 0)


def wait_for_reset_worker(client: httpx.Client, before: tuple[int, int]) -> None:
    """Wait (polling, with a deadline) until the reset worker has finished once more than ``before``
    (:func:`finished_invocations` read before the request), and check it did not fail."""
    deadline = time.monotonic() + BACKGROUND_DEADLINE_SECONDS
    while sum(now := finished_invocations(client)) <= sum(before):
        assert time.monotonic() < deadline, "the reset worker did not finish in time"
        time.sleep(0.05)
    assert now[1] == before[1], "the reset worker failed (see the server's stderr)"


def forgot_password(client: httpx.Client, body: dict[str, str]) -> httpx.Response:
    """POST /auth/password/forgot, then wait until the reset worker it queued has finished, so that
    what it sent -- or did not send -- is in the outbox."""
    before = finished_invocations(client)
    response = client.post("/auth/password/forgot", json=body)
    if response.status_code == 202:
        wait_for_reset_worker(client, before)
    return response


def authorized(token: str, base_url: str = "") -> httpx.Client:
    """A client sending ``token``; any number of threads may share it, each on its own connection."""
    return httpx.Client(base_url=base_url, headers={"Authorization": f"Bearer {token}"}, timeout=120, limits=UNLIMITED)


@pytest.fixture(scope="session")
def data_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("shared-data")


@pytest.fixture(scope="session")
def base_url(data_dir: Path) -> Iterator[str]:
    with local_server(data_dir) as url:
        yield url


@pytest.fixture(scope="session")
def admin_token(base_url: str, data_dir: Path) -> str:
    return mint_token(data_dir, "admin")


@pytest.fixture
def admin(admin_token: str) -> Iterator[httpx.Client]:
    """An admin's client (no base URL: tests pass whole URLs)."""
    with authorized(admin_token) as client:
        yield client


@pytest.fixture
def api(base_url: str, admin_token: str) -> Iterator[httpx.Client]:
    """An admin's client on the shared server."""
    with authorized(admin_token, base_url) as client:
        yield client


@pytest.fixture
def anonymous(base_url: str) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=base_url, timeout=120, limits=UNLIMITED) as client:
        yield client


@pytest.fixture
def fresh_data_dir(tmp_path: Path) -> Path:
    return tmp_path / "data"


@pytest.fixture
def fresh_url(fresh_data_dir: Path) -> Iterator[str]:
    """A server over an empty table (for tests that assert exact customer numbers)."""
    with local_server(fresh_data_dir) as url:
        yield url


@pytest.fixture
def fresh_admin(fresh_url: str, fresh_data_dir: Path) -> Iterator[httpx.Client]:
    with authorized(mint_token(fresh_data_dir, "admin")) as client:
        yield client
