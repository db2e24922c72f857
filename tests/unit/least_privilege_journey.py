"""The journey of tests/unit/test_least_privilege.py: every function driven as clients drive it, each
call made while :func:`as_function` names the function (setup and staged races name none)."""

from __future__ import annotations

import json
import os
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import boto3
import pytest

from customer_identity import runtime
from customer_identity.core.clock import utc_now
from customer_identity.core.models.customers import NewCustomer
from customer_identity.storage import keys
from customer_identity.storage.entities import CustomerItem, SendLogItem
from customer_identity.use_cases.admin.alias_check import AliasCheck
from customer_identity.use_cases.backfill.steps import Backfill
from devserver.server import LambdaContext
from devserver.template import functions, routes
from tests.unit.conftest import code_in, email_token_in, load_event, load_handler, reset_token_in
from tests.unit.test_review import EXPORT

BY_DIR = {route.code_dir.name: route.function for route in routes()}
ROLE = "arn:aws:iam::123456789012:role/backfill"


@contextmanager
def as_function(recorder: dict[str, Any], name: str | None) -> Iterator[None]:
    before, recorder["current"] = recorder["current"], name
    try:
        yield
    finally:
        recorder["current"] = before


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
            created_at=utc_now(),  # not idle: the recycling guard lets its sign-in through
            updated_at=utc_now(),
            pending_since=time.time() - 3600,
            revision=1,
        ).save()

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
    run("get_monthly_stats", expect=200)
    booking = run("create_booking", expect=201)["booking"]["booking_id"]
    run("create_booking", expect=201)  # the same Idempotency-Key: answered from the record
    run("create_booking", event("create_booking", {"customer": "9822233344", "service": "Ironing", "amount": "1.00"}))
    sample = load_event("create_booking")
    run(  # a failed booking releases its Idempotency-Key (API Gateway sends both header maps)
        "create_booking",
        event("create_booking", {"customer": "PL999", "service": "x", "amount": "1.00"})
        | {
            "headers": sample["headers"] | {"Idempotency-Key": "fails-once"},
            "multiValueHeaders": sample["multiValueHeaders"] | {"Idempotency-Key": ["fails-once"]},
        },
        expect=404,
    )
    run("list_customer_bookings", expect=200)
    run("adjust_balance", expect=201)
    run("adjust_balance", expect=201)  # the same Idempotency-Key: answered from the entry it posted
    run("get_customer_ledger", expect=200)
    path = {"path": f"/bookings/{booking}", "pathParameters": {"booking_id": booking}}
    run("update_booking", event("update_booking", **path), expect=200)
    run("update_booking", event("update_booking", {"status": "cancelled"}, **path))
    # Sign-ins: a code, a password, a lockout, a reset, an email proof.
    run("request_otp", expect=202)
    code = code_in(outbox("+919717619183"))
    run("verify_otp", event("verify_otp", {"phone": "+919717619183", "code": "000000"}))
    verified = run("verify_otp", event("verify_otp", {"phone": "+919717619183", "code": code}), expect=200)
    customer = verified["token"]
    # Sessions: a refresh (and its retry within the grace window), a second device, listing, ending one.
    renewal = {"refresh_token": verified["refresh_token"]}
    renewed = run("refresh_session", event("refresh_session", renewal), expect=200)
    assert run("refresh_session", event("refresh_session", renewal), expect=200) == renewed
    run("request_otp", expect=202)
    other = {"phone": "+919717619183", "code": code_in(outbox("+919717619183"))}
    other_device = run("verify_otp", event("verify_otp", other), expect=200)
    listed = run("list_sessions", token=customer, expect=200)["items"]
    ended = next(item["session_id"] for item in listed if not item["current"])
    end = {"path": f"/me/sessions/{ended}", "pathParameters": {"session_id": ended}}
    run("end_session", event("end_session", **end), token=customer, expect=200)
    run("get_me", token=other_device["token"], expect=401)  # its session ended at once
    run("request_otp", expect=202)
    other = {"phone": "+919717619183", "code": code_in(outbox("+919717619183"))}
    third_device = run("verify_otp", event("verify_otp", other), expect=200)  # ended by the password below
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
    number = verified["customer"]["customer_number"]
    sessions_path = {"path": f"/admin/customers/{number}/sessions", "pathParameters": {"ref": number}}
    run("list_customer_sessions", event("list_customer_sessions", **sessions_path), expect=200)
    run("end_customer_sessions", event("end_customer_sessions", **sessions_path), expect=200)
    run("logout", event("logout", {"refresh_token": third_device["refresh_token"]}), expect=401)  # ended
    run("request_otp", event("request_otp", {"phone": "+919800000005"}), expect=202)
    five = {"phone": "+919800000005", "code": code_in(outbox("+919800000005"))}
    five_token = run("verify_otp", event("verify_otp", five), expect=200)
    run("logout", event("logout", {"refresh_token": five_token["refresh_token"]}), expect=200)
    five_token = run("verify_otp", event("verify_otp", five | {"code": request_code(run, "+919800000005")}))
    run("logout", event("logout", {"everywhere": True}) | bearer(five_token["token"]), expect=200)
    seven = {"phone": "+919800000007", "code": request_code(run, "+919800000007")}
    run("verify_otp", event("verify_otp", seven), expect=200)
    change = {"path": "/customers/9800000007", "pathParameters": {"ref": "9800000007"}}
    run("update_customer", event("update_customer", {"email": "seven@example.com"}, **change), expect=200)
    run("list_staff", expect=200)
    run("list_staff", event("list_staff", queryStringParameters={}), expect=200)
    staff_path = {"path": f"/admin/staff/{person}", "pathParameters": {"account_id": person}}
    run("update_staff", event("update_staff", **staff_path), expect=200)
    # Merges (PL2, the customer the staged create made, has a booking to move).
    run("create_booking", event("create_booking", {"customer": "PL2", "service": "Ironing", "amount": "2.00"}))
    run("verify_otp", event("verify_otp", {"phone": "+919800000003", "code": request_code(run, "+919800000003")}))
    merge = run("merge_customer", event("merge_customer", {"into": "PL1"}), expect=200)["merge"]["merge_id"]
    run("list_merges", expect=200)
    run("get_legacy_records", expect=200)  # PL1 and the customer merged into it
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
    backfill_run(run)
    run("list_review", event("list_review", queryStringParameters={}), expect=200)
    for review_id, action in (("customers_v2:CV-9", "attach"), ("bookings:5f1d7a2b9c0e4a0012345679", "attach")):
        body = {"action": action, "customer": "PL1"}
        path = {"path": f"/admin/review/{review_id}", "pathParameters": {"review_id": review_id}}
        run("resolve_review", event("resolve_review", body, **path), expect=200)
    run("get_customer", event("get_customer", path="/customers/CV-9", pathParameters={"ref": "CV-9"}), expect=200)
    # Phones over time: PL2's phone released by an admin, then PL2 (without a phone) read, booked,
    # changed and credited by its number; the phone's history; PL1 releasing its own phone.
    ref = {"path": "/admin/customers/PL2/release-phone", "pathParameters": {"ref": "PL2"}}
    run("release_phone", event("release_phone", **ref), expect=200)
    run("release_phone", event("release_phone", **ref), expect=409)
    pl2 = {"path": "/customers/PL2", "pathParameters": {"ref": "PL2"}}
    run("get_customer", event("get_customer", **pl2), expect=200)
    booked = {"customer": "PL2", "service": "Ironing", "amount": "3.00"}
    later = run("create_booking", event("create_booking", booked) | _key("phoneless-1"), expect=201)
    path = {
        "path": f"/bookings/{later['booking']['booking_id']}",
        "pathParameters": {"booking_id": later["booking"]["booking_id"]},
    }
    run("update_booking", event("update_booking", {"status": "cancelled"}, **path), expect=200)
    run("update_customer", event("update_customer", {"name": "Without a phone"}, **pl2), expect=200)
    household = {"members": [{"name": "Zoya Without", "relation": "child"}]}
    run("update_customer", event("update_customer", household, **pl2), expect=200)
    pl1 = {"path": "/customers/PL1", "pathParameters": {"ref": "PL1"}}
    run("update_customer", event("update_customer", {"members": [{"name": "Zoya With"}]}, **pl1), expect=200)
    q = {"queryStringParameters": {"q": "zoya"}, "multiValueQueryStringParameters": {"q": ["zoya"]}}
    by_member = event("list_customers", **q)
    found = run("list_customers", by_member, expect=200)["items"]
    assert [c["customer_number"] for c in found] == ["PL1", "PL2"], found  # by a member's name, in name order
    run("update_customer", event("update_customer", {"members": []}, **pl2), expect=200)  # its name item deleted
    ledger = {"path": "/admin/customers/PL2/balance-adjustments", "pathParameters": {"ref": "PL2"}}
    run("adjust_balance", event("adjust_balance", **ledger) | _key("phoneless-2"), expect=201)
    history = {"path": "/admin/phone-history/+919800000002", "pathParameters": {"phone": "+919800000002"}}
    run("get_phone_history", event("get_phone_history", **history), expect=200)
    # The recycling guard: PL1 idle proves itself by an email code, then by its password; the idle
    # customer of +919800000005 is left for a new person who says the number is theirs.
    for proof in ("email", "password"):
        idle("+919717619183")
        run("request_otp", expect=202)
        sign_in = event("verify_otp", {"phone": "+919717619183", "code": code_in(outbox("+919717619183"))})
        challenge = run("verify_otp", sign_in, expect=202)["challenge"]
        if proof == "email":
            run(
                "prove_recycled",
                event("prove_recycled", {"challenge": challenge, "email": "asha.new@example.com"}),
                expect=202,
            )
            given = {"email_code": code_in(outbox("asha.new@example.com"))}
        else:
            given = {"password": "a new long password"}
        proven = run("prove_recycled", event("prove_recycled", {"challenge": challenge} | given), expect=200)
    idle("+919800000005")
    run("request_otp", event("request_otp", {"phone": "+919800000005"}), expect=202)
    sign_in = event("verify_otp", {"phone": "+919800000005", "code": code_in(outbox("+919800000005"))})
    challenge = run("verify_otp", sign_in, expect=202)["challenge"]
    run("prove_recycled", event("prove_recycled", {"challenge": challenge, "password": "not the password"}), expect=401)
    run("start_recycled", event("start_recycled", {"challenge": challenge}), expect=201)
    run("release_my_phone", token=proven["token"], expect=200)  # PL1, signed in by its password just now

    publish_events(recorder)


def publish_events(recorder: dict[str, Any]) -> None:
    """The stream of everything above, in batches of 100 as Lambda hands them, to the publisher."""
    from tests.unit.test_events import stream_records

    boto3.client("events", region_name="us-east-1").create_event_bus(Name=os.environ["EVENT_BUS_NAME"])
    publisher = next(f for f in functions() if f.function == "PublishEventsFunction")
    records = stream_records()
    with as_function(recorder, publisher.function):
        handler = load_handler(publisher).handler
        for start in range(0, len(records), 100):
            answer = handler({"Records": records[start : start + 100]}, LambdaContext(publisher.function))
            assert answer == {"batchItemFailures": []}


def request_code(run: Callable[..., Any], phone: str) -> str:
    """A new sign-in code for ``phone``, from the outbox."""
    from customer_identity.use_cases.sign_in.notifications import outbox_messages

    run("request_otp", event("request_otp", {"phone": phone}), expect=202)
    return code_in(outbox_messages(phone)[0]["text"])


def bearer(token: str) -> dict[str, Any]:
    """The headers of the logout sample event with ``token`` as its bearer token."""
    sample = load_event("logout")
    return {
        "headers": sample["headers"] | {"Authorization": f"Bearer {token}"},
        "multiValueHeaders": sample["multiValueHeaders"] | {"Authorization": [f"Bearer {token}"]},
    }


def idle(phone: str) -> None:
    """The phone's customer idle for longer than PHONE_RECYCLE_DAYS, its send limit clear (setup: no
    function's call)."""
    CustomerItem(*keys.phone_key(phone)).update(actions=[CustomerItem.last_activity_at.set("2025-01-01T00:00:00.000Z")])
    SendLogItem(*keys.send_log_key("otp", phone)).delete()  # and its codes sent so far forgotten
    runtime.sms_budget().per_ip = 100  # the journey sends more codes in a minute than one client may


def _key(value: str) -> dict[str, Any]:
    """An event's headers with another Idempotency-Key (API Gateway sends both header maps)."""
    sample = load_event("create_booking")
    return {
        "headers": sample["headers"] | {"Idempotency-Key": value},
        "multiValueHeaders": sample["multiValueHeaders"] | {"Idempotency-Key": [value]},
    }


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


def backfill_run(run: Callable[..., dict[str, Any]]) -> None:
    """A console backfill run: created, its file uploaded (as the browser does), started, followed
    until its execution ends (stopped here: moto does not run it), listed."""
    s3, states = boto3.client("s3", region_name="us-east-1"), boto3.client("stepfunctions", region_name="us-east-1")
    s3.create_bucket(Bucket=os.environ["BACKFILL_BUCKET"])
    machine = os.environ["BACKFILL_STATE_MACHINE_ARN"]
    definition = json.dumps({"StartAt": "Done", "States": {"Done": {"Type": "Succeed"}}})
    states.create_state_machine(name=machine.rpartition(":")[2], definition=definition, roleArn=ROLE)
    run_id = run("create_backfill_run", expect=201)["run"]["run_id"]
    line = json.dumps({"_id": "C-1", "phone": "9800000077", "name": "Console run"}) + "\n"
    s3.put_object(Bucket=os.environ["BACKFILL_BUCKET"], Key=f"runs/{run_id}/customers.jsonl", Body=line.encode())
    path = {"path": f"/admin/backfill-runs/{run_id}", "pathParameters": {"run_id": run_id}}
    start = path | {"path": f"/admin/backfill-runs/{run_id}/start"}
    started = run("start_backfill_run", event("start_backfill_run", **start), expect=202)["run"]
    assert started["status"] == "running"
    run("get_backfill_run", event("get_backfill_run", **path), expect=200)
    execution = states.list_executions(stateMachineArn=machine)["executions"][0]["executionArn"]
    states.stop_execution(executionArn=execution)
    assert run("get_backfill_run", event("get_backfill_run", **path), expect=200)["run"]["status"] == "failed"
    run("list_backfill_runs", expect=200)
