"""Benchmark: DynamoDB requests per operation, cold-import cost, and throughput through the local server.

Run with ``make bench`` (or ``.venv/bin/python bench/benchmark.py``). Every figure is printed as a
ratio against a baseline measured in the same run, on the same machine:

1. requests per operation (moto in-process, counted on every botocore client), and per merge (and
   its undo) as a function of the bookings moved;
2. cold start: importing handler modules as Lambda does at init (layer dependencies only, the template's
   environment, tracing on and off) vs importing boto3 + Powertools alone (``bench/cold_start.py``);
3. password and token checks in-process: verifying a wrong password for an unknown account vs for
   a known one (argon2id at the deployed cost), a legacy bcrypt check, and a token verification;
4. requests/second through the local server (with a bearer token, as clients send) vs raw boto3
   ``PutItem`` against the same DynamoDB Local, with the same number of concurrent clients;
5. the latency of reading the dashboard counters (one ``BatchGetItem`` of the 16 shards) vs one
   ``GetItem``, against the same DynamoDB Local after that workload, and through the server.
6. the token check's latency by role: the same request (``GET /customers/{phone}``) sent one at a
   time by the customer itself and by an admin (each token's session: one strongly consistent ``GetItem``).
7. the customer CSV export in rows/s (the 303 path: written page by page to a file, then streamed)
   vs paging through the same customers with ``GET /customers?limit=100``, same server, same run.
8. whether the public auth answers tell a known account from an unknown one by time: the median of
   ``POST /auth/password/forgot`` for a known vs an unknown email (and phone), and of ``POST /auth/login``
   with a wrong password for a known email vs an unknown email, through the local server, the samples
   of each pair interleaved in random order (``--auth-only`` runs just these).

9. sessions: the DynamoDB requests of a refresh, a retry of it, a sign-out and the per-request
   session check (moto), and the latency of ``POST /auth/refresh`` against ``GET /me`` and ``GET
   /health`` (no token, no read) through the local server, one at a time, with the latency of the
   one strongly consistent ``GetItem`` the session check adds, against the same DynamoDB Local.

10. change events (``bench/events_bench.py``): the requests and write units a create and a merge make
   with and without the table's stream, what the publisher does for them, and the delay from a
   commit to its event through the local server (median and p99).

``--only cold`` runs the cold-start part alone; ``--only sessions`` the sessions part; ``--only events``
the change events' part.
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import tempfile
import threading
import time
import uuid
from collections import Counter
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import boto3
import cold_start  # bench/cold_start.py, beside this script
import events_bench  # bench/events_bench.py
import httpx

from devserver import dynamodb_local
from devserver.process import local_server, mint_token
from devserver.template import table_definition

os.environ.setdefault("AWS_ACCESS_KEY_ID", "bench")
os.environ.setdefault("AWS_SECRET_ACCESS_KEY", "bench")
os.environ.setdefault("AWS_DEFAULT_REGION", "us-east-1")


def request_counts() -> list[tuple[str, Counter[str]]]:
    import botocore.client
    from moto import mock_aws

    os.environ.update(
        TABLE_NAME="bench",
        JWT_SIGNING_KEY="bench-signing-key-" + "k" * 32,
        NOTIFICATION_SENDER="outbox",
        PASSWORD_HASH_MEMORY_KIB="1024",
        PASSWORD_HASH_TIME_COST="1",
        POWERTOOLS_TRACE_DISABLED="true",
    )
    from customer_identity import runtime
    from customer_identity.core.models.accounts import CredentialsChange
    from customer_identity.core.models.bookings import NewBooking
    from customer_identity.core.models.customers import CustomerChanges, NewCustomer
    from customer_identity.use_cases.sign_in.notifications import outbox_messages

    rows: list[tuple[str, Counter[str]]] = []
    counts: Counter[str] = Counter()
    original = botocore.client.BaseClient._make_api_call

    def counted(client: object, operation: str, params: dict[str, object]) -> object:
        counts[operation] += 1  # every DynamoDB client: PynamoDB's and the storage layer's boto3 one
        return original(client, operation, params)

    with mock_aws():
        boto3.client("dynamodb", region_name="us-east-1").create_table(
            TableName="bench", **table_definition(stream=False)
        )
        botocore.client.BaseClient._make_api_call = counted  # type: ignore[method-assign]
        registration, resolver, profiles = runtime.registration(), runtime.resolver(), runtime.profiles()

        def measure(name: str, operation: Callable[[], object]) -> None:
            counts.clear()
            operation()
            rows.append((name, Counter(counts)))

        def create(phone: str) -> object:
            return registration.find_or_create(NewCustomer(phone=phone))

        for i in range(3):
            create(f"980000000{i}")
        measure("find-or-create, new phone", lambda: create("9717619183"))
        measure("find-or-create, existing phone", lambda: create("09717619183"))
        measure("resolve by phone", lambda: resolver.resolve("user_9717619183"))
        measure("resolve by customer number", lambda: resolver.resolve("PL4"))
        measure("update (no phone change)", lambda: profiles.update("PL4", CustomerChanges(name="Asha")))
        measure("update (phone change)", lambda: profiles.update("PL4", CustomerChanges(phone="9811111111")))
        measure("list one page", lambda: runtime.listing().customers(status=None, area=None, limit=20, cursor=None))
        measure(
            "name search, one page",
            lambda: runtime.listing().customers(status=None, area=None, limit=20, cursor=None, q="asha"),
        )
        bookings = runtime.bookings()

        def booking(ref: str) -> NewBooking:
            return NewBooking(customer=ref, service="Wash & fold", amount="249.50")  # type: ignore[arg-type]

        measure("booking, existing customer by phone", lambda: bookings.create(booking("user_9811111111")))
        measure("booking, existing customer by number", lambda: bookings.create(booking("PL4")))
        measure("booking, new phone", lambda: bookings.create(booking("9822222222")))
        measure("booking history page", lambda: bookings.history("9811111111", limit=20, cursor=None))

        phone_sign_in, password_sign_in = runtime.phone_sign_in(), runtime.password_sign_in()
        measure("sign-in code request", lambda: phone_sign_in.request("9833333333", source_ip="192.0.2.1"))
        code = outbox_messages("+919833333333")[0]["text"].split("code is ")[1][:6]
        verified = []
        measure("sign-in code verify, new phone", lambda: verified.append(phone_sign_in.verify("9833333333", code)))
        caller = runtime.tokens().verify(verified[0].token)
        measure(
            "set password + ask for an email",
            lambda: runtime.credentials().change(
                caller, CredentialsChange(email="bench@example.com", password="bench password")
            ),
        )
        proof = outbox_messages("bench@example.com")[0]["text"].split("token is ")[1].split()[0]
        measure("confirm the email", lambda: runtime.credentials().change(caller, CredentialsChange(email_token=proof)))
        measure(
            "login by email",
            lambda: password_sign_in.login(email="bench@example.com", phone=None, password="bench password"),
        )
        measure("GET /me (customer)", lambda: runtime.accounts_reader().me(caller))
        measure("GET /admin/stats (every counter)", lambda: runtime.dashboard()())
        measure("GET /admin/customer-numbers", lambda: runtime.numbering().overview())
        from customer_identity.core.models.accounts import NewStaff, StaffChanges

        admin = runtime.staff().create(NewStaff(email="boss@example.com", role="admin", password="bench password"))
        rider = runtime.staff().create(NewStaff(email="rider@example.com", role="delivery_person"))
        admin_token = runtime.accounts().token_for(runtime.accounts().by_email("boss@example.com"), "pwd").token
        sessions, management = runtime.sessions(), runtime.staff_management()
        measure("token check, customer", lambda: sessions.authenticate(verified[0].token))
        measure("token check, staff", lambda: sessions.authenticate(admin_token))
        boss = sessions.authenticate(admin_token)
        measure(
            "deactivate a staff account", lambda: management.update(boss, rider.account_id, StaffChanges(active=False))
        )
        measure("list staff, one page", lambda: management.list(role="admin", active=None, limit=20, cursor=None))
        del admin

        merges = runtime.merges()
        for moved in MERGE_SIZES:
            merged, survivor = create(f"97000{moved:05d}").customer, create(f"97100{moved:05d}").customer
            give_bookings(merged, moved)
            done = []
            measure(
                f"merge, {moved} bookings moved",
                lambda m=merged, s=survivor, d=done: d.append(merges.merge(m.customer_id, s.customer_id, by="bench")),
            )
            measure(f"undo, {moved} bookings moved back", lambda d=done: merges.undo(d[-1].merge_id, by="bench"))
        botocore.client.BaseClient._make_api_call = original  # type: ignore[method-assign]
    return rows


MERGE_SIZES = (0, 10, 100, 200)  # moto copies the whole table per transaction: larger moves take minutes here


def session_request_counts() -> list[tuple[str, Counter[str]]]:
    """The DynamoDB requests of the session operations (moto in-process, as :func:`request_counts`)."""
    import botocore.client
    from moto import mock_aws

    os.environ.update(
        TABLE_NAME="bench",  # as request_counts: one process configures one table
        JWT_SIGNING_KEY="bench-signing-key-" + "k" * 32,
        NOTIFICATION_SENDER="outbox",
        POWERTOOLS_TRACE_DISABLED="true",
    )
    from customer_identity import runtime
    from customer_identity.core.models.accounts import NewStaff
    from customer_identity.use_cases.sign_in.notifications import outbox_messages
    from customer_identity.use_cases.sign_in.session_store import Client

    rows: list[tuple[str, Counter[str]]] = []
    counts: Counter[str] = Counter()
    original = botocore.client.BaseClient._make_api_call

    def counted(client: object, operation: str, params: dict[str, object]) -> object:
        counts[operation] += 1
        return original(client, operation, params)

    with mock_aws():
        runtime.reset()
        boto3.client("dynamodb", region_name="us-east-1").create_table(TableName="bench", **table_definition())
        botocore.client.BaseClient._make_api_call = counted  # type: ignore[method-assign]

        def measure(name: str, operation: Callable[[], object]) -> object:
            counts.clear()
            result = operation()
            rows.append((name, Counter(counts)))
            return result

        sign_in, refresh, sessions = runtime.phone_sign_in(), runtime.refresh(), runtime.sessions()
        sign_in.request("9833333333", source_ip="192.0.2.1")
        code = outbox_messages("+919833333333")[0]["text"].split("code is ")[1][:6]
        client = Client.of("bench", "192.0.2.1")
        first: Any = measure(
            "sign-in code verify (opens a session)", lambda: sign_in.verify("9833333333", code, client)
        )
        measure("token check, customer (the session's GetItem)", lambda: sessions.authenticate(first.token))
        renewed: Any = measure("POST /auth/refresh (rotation)", lambda: refresh.refresh(first.refresh_token, client))
        measure(
            "POST /auth/refresh, a retry within the grace window", lambda: refresh.refresh(first.refresh_token, client)
        )
        runtime.staff().create(NewStaff(email="boss@example.com", role="admin", password="bench password"))
        admin = measure(
            "staff login (session opened with the account's revision)",
            lambda: runtime.password_sign_in().login(email="boss@example.com", phone=None, password="bench password"),
        )
        measure("token check, staff (the session's GetItem)", lambda: sessions.authenticate(admin.token))  # type: ignore[attr-defined]
        caller = sessions.authenticate(renewed.token)
        measure("GET /me/sessions", lambda: runtime.sign_out().sessions(caller))
        measure(
            "POST /auth/logout",
            lambda: runtime.sign_out().logout(access_token=renewed.token, refresh_token=None, everywhere=False),
        )
        botocore.client.BaseClient._make_api_call = original  # type: ignore[method-assign]
        runtime.reset()
    return rows


def sessions_report(runs: int) -> None:
    """Section 9: the requests of the session operations, and a refresh's latency against ``GET /me``."""
    print("\n## Sessions: DynamoDB requests per operation (moto in-process)\n")
    print("| operation | requests | calls |")
    print("|---|---|---|")
    for name, counts in session_request_counts():
        detail = ", ".join(f"{op} x{n}" for op, n in sorted(counts.items()))
        print(f"| {name} | {sum(counts.values())} | {detail} |")
    ddb_dir = tempfile.TemporaryDirectory()
    ddb = dynamodb_local.start(Path(ddb_dir.name))
    try:
        health_ms, me_ms, refresh_ms, get_ms = _session_latencies(ddb.endpoint, runs)
    finally:
        ddb.stop()
        ddb_dir.cleanup()
    print(f"\n## Sessions through the local server, one request at a time (median of {runs} each, same run)\n")
    print("| request | ms | ratio to GET /me |")
    print("|---|---|---|")
    print(f"| GET /health (no token, no read) | {health_ms:.2f} | {health_ms / me_ms:.2f} |")
    print(f"| GET /me, customer (baseline: session GetItem + the customer's 2 reads) | {me_ms:.2f} | 1.00 |")
    print(f"| POST /auth/refresh (GetItem + conditional UpdateItem) | {refresh_ms:.2f} | {refresh_ms / me_ms:.2f} |")
    check = "the session check alone: one strongly consistent GetItem, same DynamoDB Local"
    print(f"| {check} | {get_ms:.2f} | {get_ms / me_ms:.2f} |")


def _session_latencies(endpoint: str, runs: int) -> tuple[float, float, float, float]:
    with tempfile.TemporaryDirectory() as data, local_server(Path(data), endpoint=endpoint) as url:
        http = httpx.Client(base_url=url, timeout=60)
        phone = "+919000000077"
        http.post("/auth/otp/request", json={"phone": phone})
        text = http.get("/dev/outbox", params={"to": phone}).json()["messages"][0]["text"]
        pair = http.post("/auth/otp/verify", json={"phone": phone, "code": text.split("code is ")[1][:6]}).json()
        chain = [pair["refresh_token"]]

        def refresh() -> None:
            answer = http.post("/auth/refresh", json={"refresh_token": chain[-1]})
            answer.raise_for_status()
            chain.append(answer.json()["refresh_token"])
            pair["token"] = answer.json()["token"]

        refresh()  # warm the function
        health_ms, me_ms, refresh_ms = latency_ms(
            runs,
            lambda: http.get("/health").raise_for_status(),
            lambda: http.get("/me", headers={"Authorization": f"Bearer {pair['token']}"}).raise_for_status(),
            refresh,
        )
    return health_ms, me_ms, refresh_ms, _session_get_ms(endpoint, runs)


def _session_get_ms(endpoint: str, runs: int) -> float:
    client = boto3.client("dynamodb", endpoint_url=endpoint, region_name="us-east-1")
    tables = client.list_tables()["TableNames"]
    table = os.environ.get("TABLE_NAME", "customer-identity")
    table = table if table in tables else tables[0]
    found = client.scan(
        TableName=table, FilterExpression="begins_with(pk, :p)", ExpressionAttributeValues={":p": {"S": "SESSION#"}}
    )
    item = found["Items"][0]
    key = {"pk": item["pk"], "sk": item["sk"]}
    return median_ms(lambda: client.get_item(TableName=table, Key=key, ConsistentRead=True), runs)


def give_bookings(customer: Any, count: int) -> None:
    """``count`` bookings on ``customer`` with its totals, written in batches: moto copies the whole table
    for every transaction, so booking one by one would make the set-up, not the merge, the cost."""
    from decimal import Decimal

    from customer_identity.storage import bulk, keys
    from customer_identity.storage.entities import BookingItem, BookingRefItem, CustomerItem

    items: list[Any] = []
    for n in range(count):
        booking_id, created_at = f"bk_{uuid.uuid4().hex}", f"2026-01-01T00:00:{n % 60:02d}.{n:06d}Z"
        key = keys.booking_key(customer.customer_id, created_at, booking_id)
        items.append(
            BookingItem(
                *key,
                booking_id=booking_id,
                customer_id=customer.customer_id,
                service="Wash & fold",
                amount=Decimal("249.50"),
                status="scheduled",
                created_at=created_at,
                updated_at=created_at,
            )
        )
        items.append(
            BookingRefItem(*keys.booking_ref_key(booking_id), customer_id=customer.customer_id, booking_sk=key[1])
        )
    bulk.put_all(items)
    if count:
        CustomerItem(*keys.phone_key(customer.phone)).update(
            actions=[CustomerItem.total_bookings.add(count), CustomerItem.total_spent.add(Decimal("249.50") * count)]
        )


def password_seconds(runs: int = 7) -> dict[str, float]:
    """Median seconds per check, in-process, at the deployed argon2id cost."""
    import bcrypt

    from customer_identity.use_cases.sign_in.passwords import Passwords
    from customer_identity.use_cases.sign_in.tokens import Tokens

    passwords = Passwords()
    stored = passwords.hash("the real password")
    legacy = bcrypt.hashpw(b"the real password", bcrypt.gensalt(rounds=10)).decode()
    tokens = Tokens(b"k" * 32)
    token = tokens.issue(account_id="cus_1", role="customer", customer_id="cus_1", method="pwd")
    passwords.verify(None, "warm the dummy hash")
    checks = {
        "wrong password, known account (argon2id)": lambda: passwords.verify(stored, "a wrong password"),
        "any password, unknown account (dummy argon2id)": lambda: passwords.verify(None, "a wrong password"),
        "legacy bcrypt (cost 10)": lambda: passwords.verify(legacy, "a wrong password"),
        "token verification (HS256)": lambda: tokens.verify(token),
    }
    results = {}
    for name, check in checks.items():
        times = []
        for _ in range(runs):
            started = time.perf_counter()
            check()
            times.append(time.perf_counter() - started)
        results[name] = statistics.median(times)
    return results


def throughput(requests: int, clients: int, send: Callable[[int], object]) -> float:
    done = iter(range(requests))
    lock = threading.Lock()

    def worker() -> None:
        while True:
            with lock:
                i = next(done, None)
            if i is None:
                return
            response = send(i)
            if isinstance(response, httpx.Response) and response.status_code >= 400:
                raise RuntimeError(f"request {i} failed: {response.status_code} {response.text}")

    start = time.perf_counter()
    with ThreadPoolExecutor(clients) as pool:
        for future in [pool.submit(worker) for _ in range(clients)]:
            future.result()
    return requests / (time.perf_counter() - start)


def median_ms(call: Callable[[], object], runs: int) -> float:
    """Median wall time of ``call``, in milliseconds (one warm-up call first)."""
    call()
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        call()
        times.append(time.perf_counter() - started)
    return statistics.median(times) * 1000


def stats_read_latency(endpoint: str, table: str, runs: int) -> tuple[float, float]:
    """(median ms of the counters' read: the ``BatchGetItem`` ``storage.stats.read_totals`` sends, median ms of
    one strongly consistent ``GetItem``), same client, same table."""
    from customer_identity.storage import keys

    client = boto3.client("dynamodb", endpoint_url=endpoint, region_name="us-east-1")
    shards = [{"pk": {"S": pk}, "sk": {"S": sk}} for pk, sk in map(keys.stats_key, range(keys.STATS_SHARDS))]
    request = {table: {"Keys": shards, "ConsistentRead": True}}
    assert client.batch_get_item(RequestItems=request)["Responses"][table], "the workload wrote counters"
    one = {"pk": {"S": keys.COUNTER_KEY[0]}, "sk": {"S": keys.COUNTER_KEY[1]}}
    batch = median_ms(lambda: client.batch_get_item(RequestItems=request), runs)
    single = median_ms(lambda: client.get_item(TableName=table, Key=one, ConsistentRead=True), runs)
    return batch, single


def latency_ms(runs: int, *sends: Callable[[], object]) -> list[float]:
    """Median milliseconds of each request, sent one at a time, the requests interleaved."""
    samples: list[list[float]] = [[] for _ in sends]
    for _ in range(runs):
        for index, send in enumerate(sends):
            started = time.perf_counter()
            send()
            samples[index].append((time.perf_counter() - started) * 1000)
    return [statistics.median(values) for values in samples]


def background_settled(client: httpx.Client, seen: list[int], deadline_s: float = 30.0) -> None:
    """Wait until the local server has finished more asynchronous invocations than ``seen[0]``
    (the reset worker a forgot request queued), so its work never overlaps the next sample."""
    deadline = time.monotonic() + deadline_s
    while True:
        finished = client.get("/dev/invocations").json()
        total = sum(finished["completed"].values()) + sum(finished["failed"].values())
        if total > seen[0] or time.monotonic() > deadline:
            seen[0] = total
            return
        time.sleep(0.01)


def auth_timing(url: str, admin_token: str, samples: int, cadence: float = 0.25) -> list[tuple[str, float, float]]:
    """(request, median ms known, median ms unknown) for forgot by email, forgot by phone and a wrong login.

    Every sample uses its own address (a reused one would hit the 3-per-15-minutes send limit, and
    the lockout after 5 failed logins): ``samples`` staff accounts without a password (emails),
    ``samples`` customers (phones), and one staff account with a password per 4 wrong logins (unknown
    emails are also tried 4 times each, so both sides update a login guard the same way). Each round
    sends the known and the unknown request of every pair in random order, one at a time; after a
    forgot request (timed until its answer) it waits, untimed, for the reset worker it queued to
    finish, and the next request leaves ``cadence`` seconds after this one was sent (the known side's
    longer background work leaves no shorter pause before the next sample).
    """
    rng = random.Random(11)
    run = uuid.uuid4().hex[:8]
    admin = httpx.Client(base_url=url, timeout=60, headers={"Authorization": f"Bearer {admin_token}"})
    anonymous = httpx.Client(base_url=url, timeout=60)
    password = "bench password 1"
    known_emails = [f"known.{run}.{i}@example.com" for i in range(samples)]
    known_phones = [f"+9193{rng.randrange(10**8):08d}" for _ in range(samples)]
    unknown_phones = [f"+9192{rng.randrange(10**8):08d}" for _ in range(samples)]
    logins = [f"login.{run}.{i}@example.com" for i in range((samples + 3) // 4)]
    for email in known_emails:
        admin.post("/admin/staff", json={"email": email, "role": "supplier"}).raise_for_status()
    for phone in known_phones:
        admin.post("/customers", json={"phone": phone}).raise_for_status()
    for email in logins:
        admin.post("/admin/staff", json={"email": email, "role": "supplier", "password": password}).raise_for_status()

    def forgot(body: dict[str, str]) -> Callable[[], object]:
        return lambda: anonymous.post("/auth/password/forgot", json=body)

    def login(email: str) -> Callable[[], object]:
        return lambda: anonymous.post("/auth/login", json={"email": email, "password": "not the password"})

    for warm in (forgot({"email": "warm@example.com"}), login("warm@example.com")):
        warm()
    seen = [0]
    background_settled(anonymous, seen)
    pairs: dict[str, tuple[list[float], list[float]]] = {
        name: ([], [])
        for name in ("POST /auth/password/forgot, email", "POST /auth/password/forgot, phone", "POST /auth/login")
    }
    for i in range(samples):
        calls = {
            "POST /auth/password/forgot, email": (
                forgot({"email": known_emails[i]}),
                forgot({"email": f"unknown.{run}.{i}@example.com"}),
            ),
            "POST /auth/password/forgot, phone": (
                forgot({"phone": known_phones[i]}),
                forgot({"phone": unknown_phones[i]}),
            ),
            "POST /auth/login": (login(logins[i // 4]), login(f"nobody.{run}.{i // 4}@example.com")),
        }
        for name, (known, unknown) in calls.items():
            order = [(0, known), (1, unknown)]
            rng.shuffle(order)
            for side, send in order:
                started = time.perf_counter()
                send()
                pairs[name][side].append((time.perf_counter() - started) * 1000)
                if "forgot" in name:
                    background_settled(anonymous, seen)
                    time.sleep(max(0.0, cadence - (time.perf_counter() - started)))
    return [(name, statistics.median(known), statistics.median(unknown)) for name, (known, unknown) in pairs.items()]


def print_auth_timing(rows: list[tuple[str, float, float]], samples: int) -> None:
    print(f"\n## Known vs unknown accounts, through the local server ({samples} interleaved samples each, median)\n")
    memory, time_cost = os.environ.get("PASSWORD_HASH_MEMORY_KIB"), os.environ.get("PASSWORD_HASH_TIME_COST")
    cost = f"{memory} KiB, t={time_cost}" if memory or time_cost else "the deployed 64 MiB, t=3"
    print(f"The server's argon2id cost: {cost}.\n")
    print("| request | known ms | unknown ms | known/unknown |")
    print("|---|---|---|---|")
    for name, known, unknown in rows:
        label = f"{name} (wrong password)" if name.endswith("login") else name
        print(f"| {label} | {known:.2f} | {unknown:.2f} | {known / unknown:.3f} |")


def seed_customers(client: object, table_name: str, count: int) -> None:
    """``count`` numbered customers with names, written straight to the table (BatchWriteItem)."""
    from decimal import Decimal

    from customer_identity.storage.entities import CustomerItem

    names = ["Sita Kumar", "Zoë Martin", "राहुल शर्मा", 'Ravi "Rao", Jr.', "=Formula Looking", "山田 太郎"]
    items = [
        CustomerItem(
            customer_id=f"cus_bench{i}",
            customer_number=100_000 + i,
            phone=f"+9197{i:08d}",
            name=f"{names[i % len(names)]} {i}",
            email=f"c{i}@example.com",
            status="active",
            area="North",
            address=f"{i} MG Road,\nBengaluru",
            total_spent=Decimal("249.50"),
            previous_balance=Decimal("-12.00"),
            created_at="2026-01-01T00:00:00.000Z",
            updated_at="2026-01-01T00:00:00.000Z",
        ).serialize()
        for i in range(count)
    ]
    for start in range(0, len(items), 25):
        pending = {table_name: [{"PutRequest": {"Item": item}} for item in items[start : start + 25]]}
        while pending:
            pending = client.batch_write_item(RequestItems=pending).get("UnprocessedItems")  # type: ignore[attr-defined]


def export_rates(http: httpx.Client, rows: int, runs: int = 3) -> tuple[float, float, int]:
    """(listing rows/s, CSV export rows/s, CSV bytes): medians of ``runs``, same customers."""
    listing, exporting, size = [], [], 0
    for _ in range(runs):
        start, seen, cursor = time.perf_counter(), 0, None
        while True:
            page = http.get("/customers", params={"limit": 100, **({"cursor": cursor} if cursor else {})}).json()
            seen += len(page["items"])
            cursor = page["next_cursor"]
            if cursor is None:
                break
        listing.append(seen / (time.perf_counter() - start))
        start = time.perf_counter()
        answer = http.get("/admin/exports/customers.csv")
        assert answer.status_code == 303, answer.text
        with http.stream("GET", answer.headers["location"]) as download:
            size = sum(len(block) for block in download.iter_bytes())
        exporting.append(answer.json()["rows"] / (time.perf_counter() - start))
        assert seen == answer.json()["rows"] >= rows
    return statistics.median(listing), statistics.median(exporting), size


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=400)
    parser.add_argument("--clients", type=int, default=4)
    parser.add_argument("--import-runs", type=int, default=7)
    parser.add_argument("--export-rows", type=int, default=5000)
    parser.add_argument("--auth-samples", type=int, default=60, help="samples per side of each known/unknown pair")
    parser.add_argument("--auth-only", action="store_true", help="only the known/unknown account timings")
    parser.add_argument(
        "--only",
        choices=["cold", "sessions", "events"],
        help="run only this part (cold: the cold-start imports; sessions; events)",
    )
    args = parser.parse_args()
    if args.auth_only:
        with tempfile.TemporaryDirectory() as data, local_server(Path(data)) as url:
            print_auth_timing(auth_timing(url, mint_token(Path(data), "admin"), args.auth_samples), args.auth_samples)
        return

    if args.only == "cold":
        cold_start.report(runs=args.import_runs)
        return
    if args.only == "sessions":
        sessions_report(args.requests // 2)
        return
    if args.only == "events":
        events_bench.report()
        return
    print("## DynamoDB requests per operation (moto in-process, botocore event hook)\n")
    print("| operation | requests | calls |")
    print("|---|---|---|")
    for name, counts in request_counts():
        detail = ", ".join(f"{op} x{n}" for op, n in sorted(counts.items()))
        print(f"| {name} | {sum(counts.values())} | {detail} |")

    # The request counts ran in-process with a cheap argon2id cost; every local server started from here
    # on inherits this environment, so the timings below use the deployed cost (the template's default).
    for variable in ("PASSWORD_HASH_MEMORY_KIB", "PASSWORD_HASH_TIME_COST"):
        os.environ.pop(variable, None)
    cold_start.report(runs=args.import_runs)

    print("\n## Password and token checks (in-process, median of 7)\n")
    checks = password_seconds()
    reference = checks["wrong password, known account (argon2id)"]
    print("| check | milliseconds | ratio to a known account's check |")
    print("|---|---|---|")
    for name, seconds in checks.items():
        print(f"| {name} | {seconds * 1000:.2f} | {seconds / reference:.3f} |")

    print(f"\n## Throughput, {args.requests} requests, {args.clients} concurrent clients, one DynamoDB Local\n")
    ddb_dir = tempfile.TemporaryDirectory()
    ddb = dynamodb_local.start(Path(ddb_dir.name))
    endpoint = ddb.endpoint
    try:
        client = boto3.client("dynamodb", endpoint_url=endpoint, region_name="us-east-1")
        client.create_table(TableName="raw", **table_definition(stream=False))
        raw = throughput(
            args.requests,
            args.clients,
            lambda i: client.put_item(TableName="raw", Item={"pk": {"S": f"RAW#{i}"}, "sk": {"S": "X"}}),
        )
        os.environ["EXPORT_INLINE_LIMIT_BYTES"] = "0"  # measure the large-export path (303, file, stream)
        with tempfile.TemporaryDirectory() as data, local_server(Path(data), endpoint=endpoint) as url:
            token = mint_token(Path(data), "admin")
            http = httpx.Client(
                base_url=url,
                timeout=60,
                limits=httpx.Limits(max_connections=args.clients),
                headers={"Authorization": f"Bearer {token}"},
            )
            http.post("/customers", json={"phone": "9000000000"})  # warm one environment
            created = throughput(
                args.requests, args.clients, lambda i: http.post("/customers", json={"phone": f"98{i:08d}"})
            )
            existing = throughput(
                args.requests, args.clients, lambda i: http.post("/customers", json={"phone": f"98{i:08d}"})
            )
            resolved = throughput(args.requests, args.clients, lambda i: http.get(f"/customers/98{i:08d}"))
            booked = throughput(
                args.requests,
                args.clients,
                lambda i: http.post("/bookings", json={"customer": f"98{i:08d}", "service": "x", "amount": "1.50"}),
            )
            me = throughput(args.requests, args.clients, lambda i: http.get("/me"))
            # The token check by role: the same request by the customer itself and by an admin.
            anonymous = httpx.Client(base_url=url, timeout=60)
            phone = "+919000000000"
            anonymous.post("/auth/otp/request", json={"phone": phone})
            text = anonymous.get("/dev/outbox", params={"to": phone}).json()["messages"][0]["text"]
            code = text.split("code is ")[1][:6]
            customer_token = anonymous.post("/auth/otp/verify", json={"phone": phone, "code": code}).json()["token"]
            path = f"/customers/{phone}"
            as_customer, as_admin = latency_ms(
                args.requests // 2,
                lambda: http.get(path, headers={"Authorization": f"Bearer {customer_token}"}).raise_for_status(),
                lambda: http.get(path).raise_for_status(),
            )
            http.post("/admin/staff", json={"email": "bench@example.com", "role": "admin", "password": "bench pass 1"})
            logins = max(args.requests // 4, args.clients)
            login = throughput(
                logins,
                args.clients,
                lambda i: http.post("/auth/login", json={"email": "bench@example.com", "password": "bench pass 1"}),
            )
            latency_runs = max(args.requests // 2, 20)
            batch_ms, single_ms = stats_read_latency(
                endpoint, os.environ.get("TABLE_NAME", "customer-identity"), latency_runs
            )
            http_stats_ms = median_ms(lambda: http.get("/admin/stats"), latency_runs)
            http_get_ms = median_ms(lambda: http.get("/customers/9800000001"), latency_runs)
            auth_rows = auth_timing(url, token, args.auth_samples)
            seed_customers(client, os.environ.get("TABLE_NAME", "customer-identity"), args.export_rows)
            listed_rate, export_rate, export_bytes = export_rates(http, args.export_rows)
    finally:
        ddb.stop()
        ddb_dir.cleanup()
    print("| operation | requests/s | ratio to raw PutItem |")
    print("|---|---|---|")
    print(f"| raw boto3 PutItem (baseline) | {raw:.0f} | 1.00 |")
    print(f"| POST /customers, new phone | {created:.0f} | {created / raw:.2f} |")
    print(f"| POST /customers, existing phone | {existing:.0f} | {existing / raw:.2f} |")
    print(f"| GET /customers/{{phone}} | {resolved:.0f} | {resolved / raw:.2f} |")
    print(f"| POST /bookings, existing customer by phone | {booked:.0f} | {booked / raw:.2f} |")
    print(f"| GET /me (admin) | {me:.0f} | {me / raw:.2f} |")
    print(f"| POST /auth/login (argon2id, {logins} requests) | {login:.0f} | {login / raw:.2f} |")
    print(f"\n## Token check by role, GET /customers/{{phone}} one at a time ({args.requests // 2} each, median)\n")
    print("| caller | ms | ratio |")
    print("|---|---|---|")
    print(f"| the customer itself: token + its session's GetItem (baseline) | {as_customer:.2f} | 1.00 |")
    print(f"| an admin: token + its session's GetItem | {as_admin:.2f} | {as_admin / as_customer:.2f} |")

    print_auth_timing(auth_rows, args.auth_samples)

    print(f"\n## Dashboard counters read latency (median of {latency_runs}, sequential, same DynamoDB Local)\n")
    print("| read | milliseconds | ratio |")
    print("|---|---|---|")
    print(f"| one GetItem, strongly consistent (baseline) | {single_ms:.2f} | 1.00 |")
    print(f"| the counters: BatchGetItem of 16 shards | {batch_ms:.2f} | {batch_ms / single_ms:.2f} |")
    print(f"| GET /customers/{{phone}} through the server (1 GetItem; baseline) | {http_get_ms:.2f} | 1.00 |")
    print(f"| GET /admin/stats through the server | {http_stats_ms:.2f} | {http_stats_ms / http_get_ms:.2f} |")
    sessions_report(args.requests // 2)
    print(f"\n## Customer CSV export, about {args.export_rows} customers ({export_bytes / 1e6:.1f} MB), median of 3\n")
    print("| read | rows/s | ratio |")
    print("|---|---|---|")
    print(f"| GET /customers?limit=100, every page (baseline) | {listed_rate:.0f} | 1.00 |")
    ratio = export_rate / listed_rate
    print(f"| GET /admin/exports/customers.csv (303, then the file) | {export_rate:.0f} | {ratio:.2f} |")
    events_bench.report()


if __name__ == "__main__":
    main()
