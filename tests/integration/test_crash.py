"""`kill -9` of `make run`: every acknowledged write survives, DynamoDB Local dies with its server, and
retrying clients end up with every customer numbered without a gap."""

import contextlib
import json
import os
import signal
import sys
import threading
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import boto3
import httpx
import pytest
from botocore.config import Config
from botocore.exceptions import BotoCoreError, ClientError

from devserver import dynamodb_local
from devserver.process import local_server, mint_token, start_local_server
from tests.integration.conftest import authorized

pytestmark = pytest.mark.integration

PHONES = [f"96{i:08d}" for i in range(150)]
CLIENTS = 16
KILL_AFTER_ACKNOWLEDGED = 40


def dynamodb_local_pid(data: Path) -> int:
    return int(json.loads((data / "dynamodb" / "dynamodb-local.pid").read_text())["pid"])


def wait_until_gone(pid: int, data: Path, seconds: float = 10) -> bool:
    deadline = time.monotonic() + seconds
    while dynamodb_local.is_running(pid, (data / "dynamodb").resolve()):
        if time.monotonic() > deadline:
            return False
        time.sleep(0.05)
    return True


def all_customers(admin: httpx.Client) -> list[dict]:
    items, cursor = [], None
    while True:
        page = admin.get("/customers", params={"limit": 100, **({"cursor": cursor} if cursor else {})}).json()
        items += page["items"]
        cursor = page["next_cursor"]
        if cursor is None:
            return items


def create_until_acknowledged(admin: httpx.Client, phone: str, seconds: float = 90) -> dict:
    """What a real client does: retry a create until it gets an answer (503 busy means: retry)."""
    deadline = time.monotonic() + seconds
    while True:
        try:
            response = admin.post("/customers", json={"phone": phone}, timeout=60)
            if response.status_code in (200, 201):
                return response.json()["customer"]
        except httpx.TransportError:
            response = None
        if time.monotonic() > deadline:
            raise AssertionError(f"{phone}: no answer within {seconds} s: {response and response.text}")
        time.sleep(0.2)


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="the kernel's parent-death signal is Linux-only")
def test_a_kill_9_of_the_server_takes_dynamodb_local_along_and_a_restart_is_not_blocked(tmp_path: Path) -> None:
    data = tmp_path / "data"
    server, url = start_local_server(data, new_session=True)
    try:
        token = mint_token(data, "admin")
        with authorized(token, url) as admin:
            assert admin.post("/customers", json={"phone": "9717619183"}).status_code == 201
        java = dynamodb_local_pid(data)
        os.kill(server.pid, signal.SIGKILL)  # the server alone: nobody stops DynamoDB Local for it
        server.wait()
        assert wait_until_gone(java, data), "DynamoDB Local outlived its server"
    finally:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(server.pid, signal.SIGKILL)  # its function environments, if any are left
    with local_server(data) as url, authorized(token, url) as admin:
        assert admin.get("/customers/PL1").json()["customer"]["phone"] == "+919717619183"


def test_transactions_acknowledged_after_wait_for_commits_survive_a_kill_9_of_dynamodb_local(tmp_path: Path) -> None:
    """DynamoDB Local answers a transaction before committing it (see devserver/dynamodb_local.py):
    without ``wait_for_commits`` this lost the last acknowledged transaction in about 1 run of 4."""
    ddb = dynamodb_local.start(tmp_path)
    client = boto3.client("dynamodb", endpoint_url=ddb.endpoint, config=Config(max_pool_connections=CLIENTS))
    client.create_table(
        TableName="durability",
        AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"}],
        KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}],
        BillingMode="PAY_PER_REQUEST",
    )
    acknowledged: list[str] = []

    def writer(worker: int) -> None:
        for i in range(10_000):
            key = f"{worker}-{i}"
            try:
                client.transact_write_items(
                    TransactItems=[
                        {"Put": {"TableName": "durability", "Item": {"pk": {"S": f"{key}{part}"}}}} for part in "ab"
                    ]
                )
                ddb.wait_for_commits()
            except (BotoCoreError, ClientError):
                return
            acknowledged.append(key)

    with ThreadPoolExecutor(8) as pool:
        futures = [pool.submit(writer, worker) for worker in range(8)]
        time.sleep(2)
        ddb.process.kill()
        for future in futures:
            future.result()
    ddb.stop()
    ddb = dynamodb_local.start(tmp_path)
    try:
        client = boto3.client("dynamodb", endpoint_url=ddb.endpoint)
        lost = [
            f"{key}{part}"
            for key in acknowledged
            for part in "ab"
            if "Item" not in client.get_item(TableName="durability", Key={"pk": {"S": f"{key}{part}"}})
        ]
    finally:
        ddb.stop()
    assert len(acknowledged) > 100 and lost == []


@dataclass
class AfterKill:
    url: str  # the server restarted over the killed one's data
    token: str
    acknowledged: dict[str, str]  # phone -> customer number, as answered before the kill
    killed_in_flight: int


@pytest.fixture(scope="module")
def after_kill(tmp_path_factory: pytest.TempPathFactory) -> Iterator[AfterKill]:
    """Create customers from 16 threads, SIGKILL the server and DynamoDB Local mid-flight, restart."""
    data = tmp_path_factory.mktemp("killed") / "data"
    with pytest.MonkeyPatch.context() as env:
        # Claims abandoned by the killed requests are finished sooner by the retries.
        env.setenv("CLAIM_ABANDONED_AFTER_SECONDS", "2")
        server, url = start_local_server(data, new_session=True)
        token = mint_token(data, "admin")
        acknowledged: dict[str, str] = {}
        in_flight = 0
        lock = threading.Lock()
        enough = threading.Event()

        def client(worker: int, admin: httpx.Client) -> None:
            nonlocal in_flight
            for phone in PHONES[worker::CLIENTS]:
                with lock:
                    in_flight += 1
                try:
                    response = admin.post("/customers", json={"phone": phone}, timeout=60)
                except httpx.TransportError:
                    return  # the server is gone: this create and the rest are unacknowledged
                finally:
                    with lock:
                        in_flight -= 1
                assert response.status_code == 201, response.text
                with lock:
                    acknowledged[phone] = response.json()["customer"]["customer_number"]
                    if len(acknowledged) >= KILL_AFTER_ACKNOWLEDGED:
                        enough.set()

        try:
            with authorized(token, url) as admin, ThreadPoolExecutor(CLIENTS) as pool:
                futures = [pool.submit(client, worker, admin) for worker in range(CLIENTS)]
                assert enough.wait(timeout=120), f"only {len(acknowledged)} creates acknowledged"
                java = dynamodb_local_pid(data)
                with lock:
                    os.kill(java, signal.SIGKILL)
                    os.killpg(server.pid, signal.SIGKILL)
                    killed_in_flight = in_flight
                for future in futures:
                    future.result()
        finally:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(server.pid, signal.SIGKILL)
            server.wait()
        assert killed_in_flight > 0 and wait_until_gone(java, data)
        with local_server(data) as url:  # every answer received was sent before the kill
            yield AfterKill(url, token, dict(acknowledged), killed_in_flight)


def test_every_create_acknowledged_before_a_kill_9_survives_with_its_number(after_kill: AfterKill) -> None:
    with authorized(after_kill.token, after_kill.url) as admin:
        for phone, number in after_kill.acknowledged.items():
            response = admin.get(f"/customers/{phone}")
            assert response.status_code == 200 and response.json()["customer"]["customer_number"] == number
        numbered = [c["customer_number"] for c in all_customers(admin)]
    assert len(numbered) == len(set(numbered)) >= len(after_kill.acknowledged), "a number was issued twice"


def test_clients_retrying_their_unacknowledged_creates_get_every_number_without_a_gap(after_kill: AfterKill) -> None:
    unacknowledged = [phone for phone in PHONES if phone not in after_kill.acknowledged]
    with authorized(after_kill.token, after_kill.url) as admin:
        with ThreadPoolExecutor(CLIENTS) as pool:
            retried = list(pool.map(lambda phone: create_until_acknowledged(admin, phone), unacknowledged))
        numbers = {c["phone"]: c["customer_number"] for c in [*retried, *all_customers(admin)]}
    assert len(numbers) == len(PHONES)
    missing = sorted(set(range(1, len(PHONES) + 1)) - {int(n[2:]) for n in numbers.values()})
    assert not missing, f"gaps after a kill with {after_kill.killed_in_flight} requests in flight: {missing}"
    assert sorted(int(n[2:]) for n in numbers.values()) == list(range(1, len(PHONES) + 1))
