"""What one million of each operation costs on AWS, from what the handlers consume here (``make cost``).

Each operation goes through its real Lambda handler, in this process, against AWS's DynamoDB Local
(which reports consumed capacity from item sizes, per index, doubled in transactions; moto reports
constants): a realistic customer (name, email, address, area, a password, bookings), steady state
(two warm-up calls first, then ``--reps`` measured calls). Per call it records:

* DynamoDB requests and capacity: ``devserver.capacity.CapacityMeter`` (botocore hooks); what
  DynamoDB Local leaves out (failed conditional writes, ``ConditionCheck``) is computed;
* the handler's wall and CPU time (a proxy for Lambda duration: see ``docs/cost.md``);
* the bytes it logs (its stdout, as CloudWatch Logs would ingest them), plus Lambda's own
  START/END/REPORT lines (estimated);
* the messages it sends (kept by the local outbox: in AWS, SNS SMS or SES email).

It prints the tables of ``docs/cost.md`` at the prices in ``PRICES``.
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import math
import os
import statistics
import sys
import tempfile
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from types import ModuleType
from typing import Any

from devserver import dynamodb_local, template
from devserver.capacity import Call, CapacityMeter

READ_ON = "2026-11-22"
# us-east-1, per million unless said otherwise; "source" is where the figure was read on READ_ON.
PRICES: dict[str, tuple[float, str]] = {
    "lambda_request": (0.20, "aws.amazon.com/lambda/pricing (stored copy)"),
    "lambda_gb_s_arm": (0.0000133334, "third-party summaries (cloudchipr.com, git.mcrn.ar); AWS's page lists it"),
    "rest_api": (3.50, "AWS whitepaper: API Gateway private APIs, cost optimization (first 333M)"),
    "http_api": (1.00, "same AWS whitepaper (first 300M; metered in 512 KB increments)"),
    "rru": (0.125, "third-party (airbyte.com); on-demand, Standard table class"),
    "wru": (0.625, "third-party (airbyte.com); on-demand, Standard table class"),
    "xray_trace": (5.00, "aws.amazon.com/xray/pricing (after 100,000 free traces a month)"),
    "waf_request": (0.60, "third-party (c3x.dev, awsnegotiations.com); plus $5/web ACL and $1/rule a month"),
    "logs_gb": (0.50, "third-party (hykell.com, factualminds.com); per GB ingested"),
    "ses_email": (100.0, "third-party ($0.10 per 1,000 emails)"),
}
XRAY_SAMPLED = 0.05  # X-Ray's default rule: the first request each second, then 5 % (Tracing: Active)
MEMORY_MB = 512  # template.yaml Globals
FULL_VCPU_MB = 1769  # AWS: a function gets one vCPU at 1,769 MB, proportionally less below
# Lambda's own lines per invocation (START, END, REPORT with the X-Ray trace id): their usual length.
PLATFORM_LOG_BYTES = 70 + 52 + 260


@dataclass
class Sample:
    wall_ms: float
    cpu_ms: float
    log_bytes: int
    calls: list[Call]
    messages: list[str] = field(default_factory=list)  # "sms" or "email"
    status: int = 0


@dataclass
class Operation:
    name: str
    function: str
    event: Callable[[int], dict[str, Any]]  # rep number -> API Gateway event
    expect: int
    before: Callable[[int], None] | None = None  # set-up for one rep, not measured


class Bench:
    def __init__(self, data_dir: Path) -> None:
        self.ddb = dynamodb_local.start(data_dir)
        env = template.function_environment()
        env.pop("JWT_SIGNING_KEY_SECRET", None)
        env.update(
            TABLE_NAME="cost",
            AWS_REGION="us-east-1",
            AWS_DEFAULT_REGION="us-east-1",
            AWS_ACCESS_KEY_ID="cost",
            AWS_SECRET_ACCESS_KEY="cost",
            DYNAMODB_ENDPOINT=self.ddb.endpoint,
            JWT_SIGNING_KEY="cost-signing-key-" + "k" * 32,
            NOTIFICATION_SENDER="outbox",  # kept in the table: those writes are counted as messages
            POWERTOOLS_TRACE_DISABLED="true",  # no X-Ray daemon here; priced separately
            # Every call here comes from one address, many per minute: budgets that never refuse (their
            # writes are still made, and counted, as deployed).
            SMS_PER_IP_PER_MINUTE="100000",
            SMS_GLOBAL_PER_MINUTE="100000",
        )
        os.environ.update(env)
        from devserver.server import ensure_table

        ensure_table(self.ddb.endpoint, "cost", "us-east-1")
        self.meter = CapacityMeter()
        self.meter.install()
        self.handlers: dict[str, ModuleType] = {}
        self.samples: dict[str, list[Sample]] = {}

    def handler(self, name: str) -> ModuleType:
        if name not in self.handlers:
            code = template.PROJECT_ROOT / "functions" / name / "app.py"
            spec = importlib.util.spec_from_file_location(f"_cost_{name}", code)
            assert spec and spec.loader
            module = importlib.util.module_from_spec(spec)
            spec.loader.exec_module(module)
            self.handlers[name] = module
        return self.handlers[name]

    def call(self, function: str, event: dict[str, Any]) -> tuple[int, dict[str, Any], Sample]:
        from devserver.server import LambdaContext

        module = self.handler(function)
        self.meter.clear()
        with _captured_stdout() as captured:
            started, cpu = time.perf_counter(), time.process_time()
            result = module.handler(event, LambdaContext(function_name=function))
            wall, cpu = time.perf_counter() - started, time.process_time() - cpu
        calls = list(self.meter.calls)
        wall_ms, cpu_ms = wall * 1000 - self.meter.overhead_ms, cpu * 1000 - self.meter.overhead_cpu_ms
        sample = Sample(wall_ms, cpu_ms, captured.size(), calls, messages_of(calls), result["statusCode"])
        return result["statusCode"], json.loads(result["body"]), sample

    def measure(self, operation: Operation, reps: int) -> None:
        samples = []
        for rep in range(-2, reps):  # two warm-up calls, not kept
            if operation.before:
                operation.before(rep)
            status, body, sample = self.call(operation.function, operation.event(rep))
            if status != operation.expect:
                raise RuntimeError(f"{operation.name}: {status} {body}")
            if rep >= 0:
                samples.append(sample)
        self.samples[operation.name] = samples

    def stop(self) -> None:
        self.meter.uninstall()
        self.ddb.stop()


class _captured_stdout:
    """File descriptor 1 into a temporary file (Powertools' handlers hold sys.stdout itself)."""

    def __enter__(self) -> _captured_stdout:
        sys.stdout.flush()
        self._file = tempfile.TemporaryFile()
        self._saved = os.dup(1)
        os.dup2(self._file.fileno(), 1)
        return self

    def __exit__(self, *_: object) -> None:
        sys.stdout.flush()
        os.dup2(self._saved, 1)
        os.close(self._saved)
        self._size = self._file.seek(0, os.SEEK_END)
        self._file.close()

    def size(self) -> int:
        return self._size


def messages_of(calls: list[Call]) -> list[str]:
    """Outbox writes are messages (SMS to a phone, else email), not DynamoDB costs in AWS."""
    kinds = []
    for call in calls:
        if call.partitions and all(pk.startswith("OUTBOX#") for pk in call.partitions):
            kinds.append("sms" if call.partitions[0].startswith("OUTBOX#+") else "email")
    return kinds


def dynamodb_calls(sample: Sample) -> list[Call]:
    return [
        call
        for call in sample.calls
        if not (call.partitions and all(pk.startswith("OUTBOX#") for pk in call.partitions))
    ]


def event(
    name: str,
    *,
    body: Any = None,
    path: str | None = None,
    params: dict[str, str] | None = None,
    token: str | None = None,
    headers: dict[str, str] | None = None,
    query: dict[str, str] | None = None,
) -> dict[str, Any]:
    sample = json.loads((template.PROJECT_ROOT / "events" / f"{name}.json").read_text())
    sample["body"] = json.dumps(body) if body is not None else None
    if path is not None:
        sample["path"] = path
        sample["requestContext"]["path"] = f"/local{path}"
    if params is not None:
        sample["pathParameters"] = params
    if query is not None:
        sample["queryStringParameters"] = query
        sample["multiValueQueryStringParameters"] = {k: [v] for k, v in query.items()}
    all_headers = {
        k: v for k, v in (sample.get("headers") or {}).items() if k not in ("Authorization", "Idempotency-Key")
    }
    if token:
        all_headers["Authorization"] = f"Bearer {token}"
    all_headers.update(headers or {})
    sample["headers"] = all_headers
    sample["multiValueHeaders"] = {k: [v] for k, v in all_headers.items()}
    sample["requestContext"]["requestId"] = str(uuid.uuid4())
    return sample


def scenario(bench: Bench, reps: int) -> list[Operation]:
    """Seed a realistic customer (and a few more), then the operations to measure."""
    from customer_identity import runtime
    from customer_identity.use_cases.sign_in.notifications import outbox_messages

    account = runtime.staff().ensure(email="cost-admin@example.com", role="admin", name="Cost admin")
    admin = runtime.accounts().token_for(account, "local").token

    def send(function: str, request: dict[str, Any], expected: int) -> dict[str, Any]:
        status, body, _ = bench.call(function, request)
        if status != expected:
            raise RuntimeError(f"{function}: {status} {body}")
        return body

    def code_for(phone: str) -> str:
        return outbox_messages(phone)[0]["text"].split("code is ")[1][:6]

    def sign_in(phone: str) -> str:
        send("request_otp", event("request_otp", body={"phone": phone}), 202)
        return send("verify_otp", event("verify_otp", body={"phone": phone, "code": code_for(phone)}), 200)["token"]

    asha = {"name": "Asha Rao", "email": "asha@example.com", "address": "12 MG Road, 2nd floor", "area": "Indiranagar"}
    created = send(
        "create_customer", event("create_customer", token=admin, body={"phone": "+919717619183", **asha}), 201
    )
    number = created["customer"]["customer_number"]
    for n in range(10):
        visit = {"service": "Wash & fold, 5 kg", "amount": f"{249 + n}.50", "notes": "Leave at the door"}
        send("create_booking", event("create_booking", token=admin, body={"customer": number, **visit}), 201)
    # The customer proves its phone, sets a password and an email it confirms (so it can log in by email).
    me = sign_in("+919717619183")
    login = {"email": "asha.rao@example.com", "password": "correct horse battery"}
    send("set_credentials", event("set_credentials", token=me, body=login), 202)
    proof = outbox_messages(login["email"])[0]["text"].split("token is ")[1].split()[0]
    send("set_credentials", event("set_credentials", token=me, body={"email_token": proof}), 200)
    # Other customers, whose phones take the measured sign-in codes (3 codes per phone per 15 minutes);
    # each signed in once already, so the measured sign-ins are a returning customer's.
    others = [f"+9198450{n:05d}" for n in range(reps + 2)]
    for n, phone in enumerate(others):
        body = {"phone": phone, "name": f"Customer {n}", "area": "Koramangala", "address": f"{n} 5th Cross"}
        send("create_customer", event("create_customer", token=admin, body=body), 201)
        sign_in(phone)

    new_phones = iter(f"+9199000{n:05d}" for n in range(10_000))
    codes: dict[int, str] = {}

    sessions: dict[int, str] = {}

    def open_session(rep: int) -> None:  # a session of its own for each measured refresh (a login)
        sessions[rep] = send("login", event("login", body=login), 200)["refresh_token"]

    def request_code(rep: int) -> None:
        send("request_otp", event("request_otp", body={"phone": others[rep + 2]}), 202)
        codes[rep] = code_for(others[rep + 2])

    pairs: dict[int, tuple[str, str]] = {}

    def adjustment(ref: str, amount: str) -> dict[str, Any]:
        return event(
            "adjust_balance",
            token=admin,
            path=f"/admin/customers/{ref}/balance-adjustments",
            params={"ref": ref},
            headers={"Idempotency-Key": str(uuid.uuid4())},
            body={"amount": amount, "reason": "November milk"},
        )

    def pair_with_balances(rep: int) -> None:  # two customers with balances and differing prices
        numbers = []
        for j, (amount, price) in enumerate((("150.00", "62.00"), ("-40.25", "60.00"))):
            body = {"phone": f"+9197{rep + 2:03d}000{j:02d}", "name": f"Pair {rep} {j}", "area": "Indiranagar"}
            body["custom_product_prices"] = {"milk-1l": price}
            made = send("create_customer", event("create_customer", token=admin, body=body), 201)
            numbers.append(made["customer"]["customer_number"])
            send("adjust_balance", adjustment(numbers[-1], amount), 201)
        pairs[rep] = (numbers[0], numbers[1])

    return [
        Operation(
            "balance adjustment (POST /admin/customers/{number}/balance-adjustments)",
            "adjust_balance",
            lambda rep: adjustment(number, "-12.50"),
            201,
        ),
        Operation(
            "merge moving a balance, prices differing (POST /admin/customers/{ref}/merge)",
            "merge_customer",
            lambda rep: event(
                "merge_customer",
                token=admin,
                path=f"/admin/customers/{pairs[rep][0]}/merge",
                params={"ref": pairs[rep][0]},
                body={"into": pairs[rep][1]},
            ),
            200,
            before=pair_with_balances,
        ),
        Operation(
            "resolve (GET /customers/{number}, admin)",
            "get_customer",
            lambda rep: event("get_customer", token=admin, path=f"/customers/{number}", params={"ref": number}),
            200,
        ),
        Operation(
            "find-or-create hit (POST /customers, known phone)",
            "create_customer",
            lambda rep: event("create_customer", token=admin, body={"phone": "09717619183", "name": "Asha Rao"}),
            200,
        ),
        Operation(
            "create (POST /customers, new phone)",
            "create_customer",
            lambda rep: event(
                "create_customer",
                token=admin,
                body={
                    "phone": next(new_phones),
                    "name": "Ravi Kumar",
                    "address": "7 Church Street",
                    "area": "Indiranagar",
                },
            ),
            201,
        ),
        Operation(
            "booking (POST /bookings, by number)",
            "create_booking",
            lambda rep: event(
                "create_booking",
                token=admin,
                body={"customer": number, "service": "Wash & fold, 5 kg", "amount": "249.50"},
            ),
            201,
        ),
        Operation(
            "booking with Idempotency-Key",
            "create_booking",
            lambda rep: event(
                "create_booking",
                token=admin,
                headers={"Idempotency-Key": str(uuid.uuid4())},
                body={"customer": number, "service": "Ironing", "amount": "99.00"},
            ),
            201,
        ),
        Operation(
            "profile update, unlisted field (PATCH /customers/{number} notes)",
            "update_customer",
            lambda rep: event(
                "update_customer",
                token=admin,
                path=f"/customers/{number}",
                params={"ref": number},
                body={"notes": f"Leave at the door ({rep})"},
            ),
            200,
        ),
        Operation(
            "profile update, listed field (PATCH /customers/{number} name)",
            "update_customer",
            lambda rep: event(
                "update_customer",
                token=admin,
                path=f"/customers/{number}",
                params={"ref": number},
                body={"name": f"Asha Rao {rep + 3}"},
            ),
            200,
        ),
        Operation(
            "sign-in code request (POST /auth/otp/request, returning customer)",
            "request_otp",
            lambda rep: event("request_otp", body={"phone": others[rep + 2]}),
            202,
        ),
        Operation(
            "sign-in code verify (POST /auth/otp/verify, returning customer)",
            "verify_otp",
            lambda rep: event("verify_otp", body={"phone": others[rep + 2], "code": codes[rep]}),
            200,
            before=request_code,
        ),
        Operation(
            "login (POST /auth/login, email + password)",
            "login",
            lambda rep: event("login", body=login),
            200,
        ),
        Operation("GET /me (customer)", "get_me", lambda rep: event("get_me", token=me), 200),
        Operation(
            "list one page (GET /customers?limit=20)",
            "list_customers",
            lambda rep: event("list_customers", token=admin, query={"limit": "20"}),
            200,
        ),
        Operation(
            "name search, one page (GET /customers?q=customer&limit=20)",
            "list_customers",
            lambda rep: event("list_customers", token=admin, query={"q": "customer", "limit": "20"}),
            200,
        ),
        Operation(
            "refresh (POST /auth/refresh, rotating a session's token)",
            "refresh_session",
            lambda rep: event("refresh_session", body={"refresh_token": sessions[rep]}),
            200,
            before=open_session,
        ),
    ]


def per_million(samples: list[Sample]) -> dict[str, Any]:
    """Median figures of one operation, and its $ per million at PRICES (REST API, as deployed)."""
    price = {name: value for name, (value, _) in PRICES.items()}
    first = samples[len(samples) // 2]
    ddb = dynamodb_calls(first)
    rru = sum(call.read for call in ddb)
    wru = sum(call.write for call in ddb)
    reported_wru = sum(call.reported_write for call in ddb if call.operation != "ConditionCheck")
    index = sum(call.reported_index for call in ddb)
    index_in_transactions = sum(call.reported_index for call in ddb if call.operation == "TransactWriteItems")
    wall = statistics.median(s.wall_ms for s in samples)
    cpu = statistics.median(s.cpu_ms for s in samples)
    cpu_share = MEMORY_MB / FULL_VCPU_MB
    estimate = cpu / cpu_share + max(0.0, wall - cpu)  # CPU slowed to 512 MB's share; waits as measured
    low, high = wall, wall / cpu_share  # as fast as here .. everything (waits too) 1769/512 times slower
    gb_s = math.ceil(estimate) / 1000 * MEMORY_MB / 1024
    log_bytes = statistics.median(s.log_bytes for s in samples) + PLATFORM_LOG_BYTES
    sms = first.messages.count("sms")
    emails = first.messages.count("email")
    dollars = {
        "DynamoDB": rru * price["rru"] + wru * price["wru"],
        "Lambda": price["lambda_request"] + gb_s * 1e6 * price["lambda_gb_s_arm"],
        "API Gateway (REST)": price["rest_api"],
        "X-Ray (5 % sampled)": XRAY_SAMPLED * price["xray_trace"],
        "CloudWatch Logs": log_bytes * 1e6 / 1e9 * price["logs_gb"],
        "SES": emails * price["ses_email"],
    }
    return {
        "requests": dict(sorted(_counts(ddb).items())),
        "rru": rru,
        "wru": wru,
        "reported_wru": reported_wru,
        "index_wru": index,
        "wru_if_index_not_doubled": wru - index_in_transactions / 2,
        "wall_ms": wall,
        "cpu_ms": cpu,
        "lambda_ms": estimate,
        "lambda_ms_range": (low, high),
        "gb_s": gb_s,
        "log_bytes": log_bytes,
        "sms": sms,
        "emails": emails,
        "dollars": dollars,
        "total": sum(dollars.values()),
        "gb_s_range": (math.ceil(low) / 1000 * MEMORY_MB / 1024, math.ceil(high) / 1000 * MEMORY_MB / 1024),
        "same_every_rep": all(
            (sum(c.read for c in dynamodb_calls(s)), sum(c.write for c in dynamodb_calls(s))) == (rru, wru)
            for s in samples
        ),
    }


def _counts(calls: list[Call]) -> dict[str, int]:
    counts: dict[str, int] = {}
    for call in calls:
        counts[call.operation] = counts.get(call.operation, 0) + 1
    return counts


def report(results: dict[str, dict[str, Any]], reps: int, seconds: float) -> None:
    print(
        f"# make cost: {reps} measured calls per operation after 2 warm-up calls, {seconds:.0f} s, "
        f"DynamoDB Local, prices read {READ_ON} (us-east-1)\n"
    )
    print(
        "| operation | DynamoDB requests | RRU (reported) | WRU: table computed + indexes reported = total "
        "| WRU reported by DynamoDB Local | WRU if index writes in transactions are not doubled | same every call |"
    )
    print("|---|---|---|---|---|---|---|")
    for name, r in results.items():
        requests = ", ".join(f"{op} {n}" for op, n in r["requests"].items())
        print(
            f"| {name} | {requests} | {r['rru']:g} | {r['wru'] - r['index_wru']:g} + {r['index_wru']:g} = "
            f"{r['wru']:g} | {r['reported_wru']:g} | {r['wru_if_index_not_doubled']:g} | "
            f"{'yes' if r['same_every_rep'] else 'no'} |"
        )
    print(
        "\n| operation | local wall ms (median) | local CPU ms | Lambda ms estimate (range) | GB-s | log bytes |"
        " messages |"
    )
    print("|---|---|---|---|---|---|---|")
    for name, r in results.items():
        low, high = r["lambda_ms_range"]
        messages = ", ".join(f"{n} {kind}" for kind, n in (("SMS", r["sms"]), ("email", r["emails"])) if n) or "none"
        print(
            f"| {name} | {r['wall_ms']:.1f} | {r['cpu_ms']:.1f} | {r['lambda_ms']:.0f} ({low:.0f} to {high:.0f}) | "
            f"{r['gb_s']:.4f} | {r['log_bytes']:.0f} | {messages} |"
        )
    components = list(next(iter(results.values()))["dollars"])
    print("\n| $ per million | " + " | ".join(components) + " | total (REST) | dominated by |")
    print("|---|" + "---|" * (len(components) + 2))
    for name, r in results.items():
        parts = " | ".join(f"{r['dollars'][c]:.2f}" for c in components)
        top = max(r["dollars"], key=lambda c: r["dollars"][c])
        sms = " + SMS" if r["sms"] else ""
        print(f"| {name} | {parts} | {r['total']:.2f}{sms} | {top} ({r['dollars'][top] / r['total']:.0%}) |")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--reps", type=int, default=10, help="measured calls per operation (default 10)")
    parser.add_argument("--match", help="only the operations whose name contains this (e.g. balance)")
    parser.add_argument("--json", action="store_true", help="print the figures as JSON (the budget test reads them)")
    args = parser.parse_args()
    started = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="cost-") as data_dir:
        bench = Bench(Path(data_dir))
        try:
            for operation in scenario(bench, args.reps):
                if args.match is None or args.match in operation.name:
                    bench.measure(operation, args.reps)
            results = {name: per_million(samples) for name, samples in bench.samples.items()}
        finally:
            bench.stop()
    if args.json:
        print(json.dumps({name: {k: result[k] for k in BUDGETED} for name, result in results.items()}))
        return
    report(results, args.reps, time.perf_counter() - started)


BUDGETED = ("requests", "rru", "wru", "index_wru", "wru_if_index_not_doubled")


if __name__ == "__main__":
    main()
