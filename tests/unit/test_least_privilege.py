"""Each function's IAM policy in template.yaml against the requests its code really sends.

One journey drives every function the way clients do (its handler with events, on moto), plus the
paths that only races and crashes reach (a counter moved mid-create, a claim left by a crashed
create). Every DynamoDB call is recorded under the function that made it and judged by that
function's statements as IAM judges them (:mod:`tests.iam_policy`). A call the policy refuses fails
the test; so does a grant no call used, unless it is listed in :data:`NOT_EXERCISED` with why.
"""

from __future__ import annotations

import json
import time
from collections import defaultdict
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from fnmatch import fnmatchcase
from pathlib import Path
from typing import Any

import botocore.client
import pytest

from customer_identity import runtime
from customer_identity.core.models import NewCustomer
from customer_identity.storage.entities import CustomerItem
from customer_identity.use_cases.alias_check import AliasCheck
from customer_identity.use_cases.backfill.steps import Backfill
from devserver.template import resources, routes
from tests.iam_policy import Request, allowed, granted, requests_of
from tests.unit.conftest import code_in, email_token_in, load_event, reset_token_in
from tests.unit.test_review import EXPORT

FUNCTIONS = resources("AWS::Serverless::Function")
BY_DIR = {route.code_dir.name: route.function for route in routes()}
READERS = {
    "GetCustomerFunction",
    "ListCustomersFunction",
    "ListCustomerBookingsFunction",
    "GetMeFunction",
    "ListMergesFunction",
    "GetCustomerNumbersFunction",
    "ListStaffFunction",
    "GetAuditFunction",
    "ListReviewFunction",
    "GetStatsFunction",
    "ExportCustomersFunction",
}
WRITES = {"PutItem", "UpdateItem", "DeleteItem", "BatchWriteItem", "ConditionCheckItem"}

# Granted from reading the code, on paths the journey does not take: finishing a claim left by a
# crashed create (ADOPTING: any function whose resolver may write; exercised here through
# create_customer, update_customer, login and verify_otp), re-reads after a lost race or a cancelled
# transaction, reference kinds not sent (RESOLVING), a first use that creates the counter, staff-only
# branches (a staff password rehash, a staff reset), merges with moved bookings, and the backfill's
# merge/staff/booking branches (its end-to-end run is tests/integration/test_backfill.py).
ADOPTING = {
    ("dynamodb:GetItem", "COUNTER#customer_number"),
    ("dynamodb:PutItem", "COUNTER#customer_number"),
    ("dynamodb:PutItem", "NUMBER#*"),
    ("dynamodb:PutItem", "PHONE#*"),
    ("dynamodb:UpdateItem", "COUNTER#customer_number"),
    ("dynamodb:UpdateItem", "PHONE#*"),
    ("dynamodb:UpdateItem", "STATS#*"),
}
RESOLVING = {("dynamodb:GetItem", f"{prefix}#*") for prefix in ("CUSTOMER", "EMAIL", "LEGACY", "NUMBER")}
NOT_EXERCISED: dict[str, set[tuple[str, str]]] = {
    "CreateCustomerFunction": (RESOLVING & {("dynamodb:GetItem", "CUSTOMER#*")}) | {("dynamodb:GetItem", "PHONE#*")},
    "UpdateCustomerFunction": (
        RESOLVING
        & {("dynamodb:GetItem", "CUSTOMER#*"), ("dynamodb:GetItem", "EMAIL#*"), ("dynamodb:GetItem", "LEGACY#*")}
    )
    | {("dynamodb:UpdateItem", "EMAIL#*")},
    "ListCustomersFunction": {
        ("dynamodb:Query", "table/index/by_delivery_person"),
        ("dynamodb:Query", "table/index/by_number"),
    },
    "SetNextCustomerNumberFunction": (ADOPTING & {("dynamodb:PutItem", "COUNTER#customer_number")}),
    "CreateBookingFunction": (
        ADOPTING & {("dynamodb:GetItem", "COUNTER#customer_number"), ("dynamodb:PutItem", "COUNTER#customer_number")}
    )
    | (RESOLVING & {("dynamodb:GetItem", "CUSTOMER#*"), ("dynamodb:GetItem", "EMAIL#*")})
    | {("dynamodb:GetItem", "IDEMPOTENCY#create_booking"), ("dynamodb:PutItem", "EMAIL#*")},
    "ListCustomerBookingsFunction": (
        RESOLVING
        & {("dynamodb:GetItem", "CUSTOMER#*"), ("dynamodb:GetItem", "EMAIL#*"), ("dynamodb:GetItem", "LEGACY#*")}
    ),
    "UpdateBookingFunction": (
        ADOPTING
        & {
            ("dynamodb:GetItem", "COUNTER#customer_number"),
            ("dynamodb:PutItem", "COUNTER#customer_number"),
            ("dynamodb:PutItem", "NUMBER#*"),
            ("dynamodb:PutItem", "PHONE#*"),
            ("dynamodb:UpdateItem", "COUNTER#customer_number"),
        }
    ),
    "VerifyOtpFunction": (RESOLVING & {("dynamodb:GetItem", "CUSTOMER#*")})
    | {("dynamodb:GetItem", "PHONE#*"), ("dynamodb:PutItem", "EMAIL#*")},
    "LoginFunction": (RESOLVING & {("dynamodb:GetItem", "CUSTOMER#*")}) | {("dynamodb:UpdateItem", "STAFF#*")},
    "ForgotPasswordFunction": ADOPTING | (RESOLVING & {("dynamodb:GetItem", "CUSTOMER#*")}),
    "ResetPasswordFunction": (
        ADOPTING
        & {
            ("dynamodb:GetItem", "COUNTER#customer_number"),
            ("dynamodb:PutItem", "COUNTER#customer_number"),
            ("dynamodb:PutItem", "NUMBER#*"),
            ("dynamodb:PutItem", "PHONE#*"),
            ("dynamodb:UpdateItem", "COUNTER#customer_number"),
            ("dynamodb:UpdateItem", "STATS#*"),
        }
    ),
    "SetCredentialsFunction": (
        ADOPTING
        & {
            ("dynamodb:GetItem", "COUNTER#customer_number"),
            ("dynamodb:PutItem", "COUNTER#customer_number"),
            ("dynamodb:PutItem", "NUMBER#*"),
            ("dynamodb:UpdateItem", "COUNTER#customer_number"),
            ("dynamodb:UpdateItem", "PHONE#*"),
        }
    )
    | {
        ("dynamodb:DeleteItem", "EMAIL#*"),
        ("dynamodb:DeleteItem", "LOGIN#*"),
        ("dynamodb:GetItem", "LOGIN#*"),
        ("dynamodb:GetItem", "STAFF#*"),
        ("dynamodb:PutItem", "STAFF#*"),
        ("dynamodb:UpdateItem", "STAFF#*"),
    },
    "ListStaffFunction": {("dynamodb:Query", "table/index/by_number")},
    "UpdateStaffFunction": {("dynamodb:ConditionCheckItem", "STAFF#*")},
    "ListReviewFunction": {
        ("dynamodb:Query", "table/index/by_area"),
        ("dynamodb:Query", "table/index/by_delivery_person"),
        ("dynamodb:Query", "table/index/by_number"),
    },
    "ResolveReviewFunction": (
        ADOPTING
        & {
            ("dynamodb:GetItem", "COUNTER#customer_number"),
            ("dynamodb:PutItem", "COUNTER#customer_number"),
            ("dynamodb:PutItem", "NUMBER#*"),
            ("dynamodb:UpdateItem", "COUNTER#customer_number"),
            ("dynamodb:UpdateItem", "PHONE#*"),
        }
    )
    | (
        RESOLVING
        & {("dynamodb:GetItem", "CUSTOMER#*"), ("dynamodb:GetItem", "EMAIL#*"), ("dynamodb:GetItem", "LEGACY#*")}
    )
    | {("dynamodb:PutItem", "EMAIL#*")},
    "MergeCustomerFunction": (
        ADOPTING
        & {
            ("dynamodb:GetItem", "COUNTER#customer_number"),
            ("dynamodb:PutItem", "COUNTER#customer_number"),
            ("dynamodb:PutItem", "NUMBER#*"),
            ("dynamodb:UpdateItem", "COUNTER#customer_number"),
        }
    )
    | (
        RESOLVING
        & {("dynamodb:GetItem", "CUSTOMER#*"), ("dynamodb:GetItem", "EMAIL#*"), ("dynamodb:GetItem", "LEGACY#*")}
    )
    | {
        ("dynamodb:BatchGetItem", "MERGE#*"),
        ("dynamodb:DeleteItem", "CUSTOMER#*"),
        ("dynamodb:UpdateItem", "BOOKING#*"),
    },
    "ListMergesFunction": (
        RESOLVING
        & {("dynamodb:GetItem", "CUSTOMER#*"), ("dynamodb:GetItem", "EMAIL#*"), ("dynamodb:GetItem", "LEGACY#*")}
    )
    | {("dynamodb:GetItem", "MERGE#*")},
    "UndoMergeFunction": (
        ADOPTING
        & {
            ("dynamodb:GetItem", "COUNTER#customer_number"),
            ("dynamodb:PutItem", "COUNTER#customer_number"),
            ("dynamodb:PutItem", "NUMBER#*"),
            ("dynamodb:UpdateItem", "COUNTER#customer_number"),
        }
    )
    | (
        RESOLVING
        & {("dynamodb:GetItem", "EMAIL#*"), ("dynamodb:GetItem", "LEGACY#*"), ("dynamodb:GetItem", "NUMBER#*")}
    )
    | {("dynamodb:DeleteItem", "CUSTOMER#*"), ("dynamodb:PutItem", "CUSTOMER#*"), ("dynamodb:UpdateItem", "BOOKING#*")},
    "ExportCustomersFunction": {("dynamodb:Query", "table/index/by_area"), ("dynamodb:Query", "table/index/by_number")},
    "BackfillPlanFunction": (ADOPTING & {("dynamodb:PutItem", "COUNTER#customer_number")}),
    "BackfillWriteFunction": (ADOPTING & {("dynamodb:UpdateItem", "PHONE#*")})
    | {
        ("dynamodb:BatchWriteItem", "BOOKING#*"),
        ("dynamodb:BatchWriteItem", "CUSTOMER#*"),
        ("dynamodb:BatchWriteItem", "EMAIL#*"),
        ("dynamodb:BatchWriteItem", "MERGE#*"),
        ("dynamodb:BatchWriteItem", "NUMBER#*"),
        ("dynamodb:GetItem", "PHONE#*"),
        ("dynamodb:PutItem", "BOOKING#*"),
        ("dynamodb:PutItem", "EMAIL#*"),
        ("dynamodb:PutItem", "LEGACY#*"),
        ("dynamodb:PutItem", "MERGE#*"),
        ("dynamodb:PutItem", "STAFF#*"),
    },
    "StartAliasCheckFunction": {("dynamodb:GetItem", "STAFF#*")},
    "AuditAliasCheckFunction": {("dynamodb:PutItem", "AUDIT#alias_check")},
}


@contextmanager
def as_function(recorder: dict[str, Any], name: str | None) -> Iterator[None]:
    before, recorder["current"] = recorder["current"], name
    try:
        yield
    finally:
        recorder["current"] = before


@pytest.fixture
def recorded(invoke, outbox, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> dict[str, Any]:
    """Runs the journey; {"requests": {function: [Request]}}."""
    recorder: dict[str, Any] = {"current": None, "requests": defaultdict(list), "after": {}}
    original = botocore.client.BaseClient._make_api_call

    def call(client: Any, operation: str, params: dict[str, Any]) -> Any:
        function = recorder["current"]
        if function is not None:
            found = requests_of(client.meta.service_model.service_name, operation, params)
            # The local outbox sender (tests only; deployed functions send with SNS and SES) is left out.
            recorder["requests"][function] += [
                r for r in found if not any(key.startswith("OUTBOX#") for key in r.leading_keys)
            ]
        response = original(client, operation, params)
        staged = recorder["after"].pop(operation, None)
        if staged is not None:
            with as_function(recorder, None):
                staged()
        return response

    monkeypatch.setattr(botocore.client.BaseClient, "_make_api_call", call)
    journey(recorder, invoke, outbox, tmp_path)
    return recorder


def event(name: str, body: dict[str, Any] | None = None, **changes: Any) -> dict[str, Any]:
    found = load_event(name)
    if body is not None:
        found["body"] = json.dumps(body)
    return found | changes


def journey(
    recorder: dict[str, Any], invoke: Callable[..., tuple[int, dict[str, Any]]], outbox, tmp_path: Path
) -> None:
    def run(name: str, given: dict[str, Any] | None = None, token: str | None = None, expect: int | None = None):
        with as_function(recorder, BY_DIR[name]):
            status, body = invoke(name, given, token=token)
        assert expect is None or status == expect, (name, status, body)
        return body

    def abandoned_claim(phone: str) -> None:
        CustomerItem(
            customer_id=f"cus_abandoned_{phone[-4:]}",
            phone=phone,
            status="active",
            created_at="2026-01-01T00:00:00.000Z",
            updated_at="2026-01-01T00:00:00.000Z",
            pending_since=time.time() - 3600,
            revision=1,
        ).save()

    admin = runtime.staff()  # setup outside any function
    run("health", expect=200)
    run("create_customer", expect=201)  # PL1, with an email
    run("create_customer", expect=200)  # found
    # A counter moved between this create's read and its write: the claimed path.
    recorder["after"]["BatchGetItem"] = lambda: runtime.registration().find_or_create(NewCustomer(phone="9800000003"))
    run("create_customer", event("create_customer", {"phone": "9800000002"}), expect=201)
    abandoned_claim("+919800000009")
    run("create_customer", event("create_customer", {"phone": "9800000009"}), expect=200)
    run("get_customer", expect=200)
    for ref in ("PL1", "asha@example.com", "+919717619183"):
        run("get_customer", event("get_customer", path=f"/customers/{ref}", pathParameters={"ref": ref}), expect=200)
    first = run("get_customer", expect=200)["customer"]["customer_id"]
    run("get_customer", event("get_customer", path=f"/customers/{first}", pathParameters={"ref": first}), expect=200)
    staff_body = run("create_staff", expect=201)
    person = staff_body["account"]["account_id"]
    abandoned_claim("+919800000008")
    run("update_customer", event("update_customer", path="/customers/9800000008", pathParameters={"ref": "9800000008"}))
    change = {"phone": "9800000011", "email": "asha.rao@example.com", "delivery_person_id": person, "name": "Asha R."}
    run("update_customer", event("update_customer", change), expect=200)
    for query in (
        {"status": "active"},
        {"area": "indiranagar"},
        {"q": "asha"},
        {"q": "rao"},
        {},
        {"delivery_person_id": person},
    ):
        run("list_customers", event("list_customers", queryStringParameters=query), expect=200)
    run("set_next_customer_number", expect=200)
    run("get_customer_numbers", expect=200)
    run("get_stats", expect=200)
    booking = run("create_booking", expect=201)["booking"]["booking_id"]
    run("create_booking", expect=201)  # the same Idempotency-Key: answered from the record
    run("create_booking", event("create_booking", {"customer": "9822233344", "service": "Ironing", "amount": "1.00"}))
    run(
        "create_booking",
        event("create_booking", {"customer": "PL999", "service": "x", "amount": "1.00"})
        | {"headers": load_event("create_booking")["headers"] | {"Idempotency-Key": "fails-once"}},
    )
    run("list_customer_bookings", expect=200)
    path = {"path": f"/bookings/{booking}", "pathParameters": {"booking_id": booking}}
    run("update_booking", event("update_booking", **path), expect=200)
    run("update_booking", event("update_booking", {"status": "cancelled"}, **path))
    # Sign-ins: a code, a password, a lockout, a reset, an email proof.
    run("request_otp", expect=202)
    code = code_in(outbox("+919717619183"))
    run("verify_otp", event("verify_otp", {"phone": "+919717619183", "code": "000000"}))
    customer = run("verify_otp", event("verify_otp", {"phone": "+919717619183", "code": code}), expect=200)["token"]
    abandoned_claim("+919800000007")
    run("request_otp", event("request_otp", {"phone": "+919800000007"}), expect=202)
    run("verify_otp", event("verify_otp", {"phone": "+919800000007", "code": code_in(outbox("+919800000007"))}))
    run("request_otp", event("request_otp", {"phone": "+919800000005"}), expect=202)
    run("verify_otp", event("verify_otp", {"phone": "+919800000005", "code": code_in(outbox("+919800000005"))}))
    run("get_me", token=customer, expect=200)
    run("get_me", expect=200)
    password = {"password": "correct horse battery"}
    run("set_credentials", event("set_credentials", password), token=customer, expect=200)
    run("set_credentials", event("set_credentials", {"email": "asha.new@example.com"}), token=customer, expect=202)
    proof = {"email_token": email_token_in(outbox("asha.new@example.com"))}
    run("set_credentials", event("set_credentials", proof), token=customer, expect=200)
    login = {"email": "asha.new@example.com", "password": "correct horse battery"}
    for _ in range(6):
        run("login", event("login", login | {"password": "wrong password here"}))
    run("login", event("login", {"phone": "+919717619183", "password": "correct horse battery"}), expect=200)
    abandoned_claim("+919800000006")
    run("login", event("login", {"phone": "+919800000006", "password": "whatever it is"}))
    run("login", event("login", {"email": "ravi@example.com", "password": "delivery route 42"}), expect=200)
    run("forgot_password", event("forgot_password", {"email": "asha.new@example.com"}), expect=202)
    token = reset_token_in(outbox("asha.new@example.com"))
    run("forgot_password", event("forgot_password", {"phone": "+919717619183"}), expect=202)
    run("forgot_password", event("forgot_password", {"email": "ravi@example.com"}), expect=202)
    run("reset_password", event("reset_password", {"token": token, "password": "a new long password"}), expect=200)
    staff_token = reset_token_in(outbox("ravi@example.com"))
    run("reset_password", event("reset_password", {"token": staff_token, "password": "another long password"}))
    run("list_staff", expect=200)
    run("list_staff", event("list_staff", queryStringParameters={}), expect=200)
    staff_path = {"path": f"/admin/staff/{person}", "pathParameters": {"account_id": person}}
    run("update_staff", event("update_staff", **staff_path), expect=200)
    # Merges (PL2, the customer the staged create made, has a booking to move).
    run("create_booking", event("create_booking", {"customer": "PL2", "service": "Ironing", "amount": "2.00"}))
    merge = run("merge_customer", event("merge_customer", {"into": "PL1"}), expect=200)["merge"]["merge_id"]
    run("list_merges", expect=200)
    undo = {"path": f"/admin/merges/{merge}/undo", "pathParameters": {"merge_id": merge}}
    run("undo_merge", event("undo_merge", **undo), expect=200)
    with as_function(recorder, "ExportCustomersFunction"), pytest.raises(json.JSONDecodeError):
        invoke("export_customers")  # a CSV answer (the fixture reads bodies as JSON)
    run("get_audit", expect=200)
    # The alias check (its worker invoked through a queue here) and the backfill's three steps.
    queued: list[dict[str, Any]] = []
    check = AliasCheck(queued.append)
    with as_function(recorder, "StartAliasCheckFunction"):
        check.start(by="unit")
    with as_function(recorder, "AuditAliasCheckFunction"):
        while queued:
            work = queued.pop(0)
            if check.work(work["run_id"], work["segment"], remaining_ms=lambda: 10**6):
                queued.append(work)
    backfill(recorder, tmp_path)
    run("list_review", event("list_review", queryStringParameters={}), expect=200)
    for review_id, action in (("customers_v2:CV-9", "attach"), ("bookings:5f1d7a2b9c0e4a0012345679", "attach")):
        body = {"action": action, "customer": "PL1"}
        path = {"path": f"/admin/review/{review_id}", "pathParameters": {"review_id": review_id}}
        run("resolve_review", event("resolve_review", body, **path), expect=200)
    run("get_customer", event("get_customer", path="/customers/CV-9", pathParameters={"ref": "CV-9"}), expect=200)
    del admin


def backfill(recorder: dict[str, Any], folder: Path) -> None:
    """The three steps of a backfill of test_review's export, each as its function (one writer
    thread: moto in-process is not thread-safe)."""
    for collection, rows in EXPORT.items():
        lines = [row if isinstance(row, str) else json.dumps(row) for row in rows]
        (folder / f"{collection}.jsonl").write_text("\n".join(lines) + "\n")
    steps = Backfill(runtime.config(), writers=1)
    with as_function(recorder, "BackfillPlanFunction"):
        planned = steps.plan({"source": str(folder)})
    with as_function(recorder, "BackfillWriteFunction"):
        for chunk in planned["chunks"]:
            steps.write(chunk)
    with as_function(recorder, "BackfillReportFunction"):
        steps.report({"plan": planned})


def test_every_request_of_every_function_is_allowed_by_its_policy(recorded: dict[str, Any]) -> None:
    parameters = {"EmailFrom": "no-reply@example.com", "Domain": "example.com"}
    refused = [
        (function, request)
        for function, requests in recorded["requests"].items()
        for request in requests
        if not allowed(FUNCTIONS[function]["Properties"].get("Policies", []), request, parameters)
    ]
    assert not refused, "\n".join(f"{f}: {r}" for f, r in refused)


def used(requests: list[Request]) -> set[tuple[str, str]]:
    """The (action, pattern-or-index) grants ``requests`` needed, in the template's terms."""
    return {(r.action, key) for r in requests for key in (r.leading_keys or (r.resource,))}


def test_every_grant_is_used_by_the_journey_or_named_as_reached_otherwise(recorded: dict[str, Any]) -> None:
    for function, resource in FUNCTIONS.items():
        grants = granted(resource["Properties"].get("Policies", []))
        calls = used(recorded["requests"].get(function, []))
        unused = {
            (action, target)
            for action, target in grants
            if not any(a == action and fnmatchcase(key, target) for a, key in calls)
        }
        assert unused <= NOT_EXERCISED.get(function, set()), (function, sorted(unused - NOT_EXERCISED[function]))
        assert NOT_EXERCISED.get(function, set()) <= grants, (function, "names a grant it does not have")
