"""The SMS budgets under truly concurrent requests (issue 11): a second server on the shared DynamoDB
Local, with a table of its own and small budgets; clients on five loopback addresses (127.0.0.2-6)."""

import json
import time
import uuid
from collections import Counter
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx
import pytest

from devserver.process import local_server

pytestmark = pytest.mark.integration
PER_IP, IN_ALL = 3, 10
CLIENT_IPS = [f"127.0.0.{n}" for n in range(2, 7)]
PER_CLIENT = 4  # 20 requests: each IP one over its budget, and 15 passing their IPs' budgets for 10 places


@pytest.fixture(scope="module")
def budget_url(base_url: str, data_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    endpoint = json.loads((data_dir / "server.json").read_text())["endpoint"]
    env = {
        "TABLE_NAME": f"sms-budget-{uuid.uuid4().hex[:8]}",
        "SMS_PER_IP_PER_MINUTE": str(PER_IP),
        "SMS_GLOBAL_PER_MINUTE": str(IN_ALL),
    }
    with local_server(tmp_path_factory.mktemp("sms-budget"), endpoint=endpoint, env=env) as url:
        yield url


def wait_for_minute_start() -> None:
    """The budgets are per epoch minute: start a burst early in a minute, so it ends in the same one."""
    time.sleep(60 - time.time() % 60 + 0.2)


def test_concurrent_codes_never_pass_the_per_ip_or_the_global_budget(budget_url: str) -> None:
    clients = {
        ip: httpx.Client(base_url=budget_url, timeout=120, transport=httpx.HTTPTransport(local_address=ip))
        for ip in CLIENT_IPS
    }
    senders = [(ip, f"+9197{n:08d}") for n, ip in enumerate(CLIENT_IPS * PER_CLIENT)]

    def send(sender: tuple[str, str]) -> httpx.Response:
        return clients[sender[0]].post("/auth/otp/request", json={"phone": sender[1]})

    with ThreadPoolExecutor(len(senders)) as pool:
        # Warm the environments first with a refused phone (422 before anything is counted).
        assert {r.status_code for r in pool.map(lambda s: send((s[0], "12")), senders)} == {422}
        for _ in range(3):
            if time.time() % 60 > 30:
                wait_for_minute_start()
            started = time.time()
            answers = list(pool.map(send, senders))
            if int(started // 60) == int(time.time() // 60):
                break
            wait_for_minute_start()  # it straddled a minute: again, with new phones, in a fresh minute
            senders = [(ip, f"+9196{int(phone[-8:]) + 1000:08d}") for ip, phone in senders]
        else:
            pytest.fail("no burst fitted in one minute")

    codes = Counter(a.json()["error"]["code"] if a.status_code != 202 else "accepted" for a in answers)
    assert codes == {
        "accepted": IN_ALL,
        "too_many_codes_from_address": len(CLIENT_IPS) * (PER_CLIENT - PER_IP),
        "sms_budget_exhausted": len(CLIENT_IPS) * PER_IP - IN_ALL,
    }, codes
    assert all(int(a.headers["Retry-After"]) > 0 for a in answers if a.status_code == 429)
    accepted = [sender for sender, a in zip(senders, answers, strict=True) if a.status_code == 202]
    assert max(Counter(ip for ip, _ in accepted).values()) <= PER_IP
    reader = clients[CLIENT_IPS[0]]
    sent = {phone for _, phone in senders if reader.get("/dev/outbox", params={"to": phone}).json()["messages"]}
    assert sent == {phone for _, phone in accepted}  # a code went to each accepted phone, and to no other
