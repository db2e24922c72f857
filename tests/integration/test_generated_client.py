"""The walkthrough journey (docs/walkthrough.md) through a client generated from docs/openapi.json,
as a frontend team would use it.

``openapi-python-client`` generates a typed client from the document; every call below goes through
its generated functions only (the local outbox, which is not part of the API, is read with httpx).
Each answer must parse into the model its operation documents, and each error into ``ErrorBody``:
an undocumented status raises, and a response field the document does not list fails the test.
"""

from __future__ import annotations

import datetime
import importlib
import importlib.util
import itertools
import json
import re
import subprocess
import sys
from pathlib import Path
from types import ModuleType
from typing import Any

import attrs
import httpx
import pytest

from devserver.openapi import DOCUMENT_PATH
from devserver.process import mint_token
from tests.integration.conftest import finished_invocations, wait_for_reset_worker

pytestmark = pytest.mark.integration

PACKAGE = "identity_client"
_phones = itertools.count(8_900_000_001)
_emails = itertools.count(1)


def new_phone() -> str:
    return f"+91{next(_phones)}"


def new_email() -> str:
    return f"client.{next(_emails)}@example.com"


@pytest.fixture(scope="module")
def gen(tmp_path_factory: pytest.TempPathFactory) -> Any:
    """The client generated from docs/openapi.json, imported as the package ``identity_client``."""
    out = tmp_path_factory.mktemp("generated") / PACKAGE
    config = out.parent / "config.json"
    config.write_text(json.dumps({"post_hooks": []}))  # no formatting: nothing reads it but Python
    command = [sys.executable, "-m", "openapi_python_client", "generate", "--meta", "none"]
    options = ["--path", DOCUMENT_PATH, "--output-path", out, "--config", config]
    result = subprocess.run(
        [*command, *options],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0 and "Warning" not in result.stdout + result.stderr, result.stdout + result.stderr
    spec = importlib.util.spec_from_file_location(PACKAGE, out / "__init__.py", submodule_search_locations=[str(out)])
    assert spec and spec.loader
    package = importlib.util.module_from_spec(spec)
    sys.modules[PACKAGE] = package
    spec.loader.exec_module(package)
    try:
        yield Generated()
    finally:
        for name in [name for name in sys.modules if name == PACKAGE or name.startswith(PACKAGE + ".")]:
            del sys.modules[name]


class Generated:
    """The generated modules: ``gen.op("customers", "get_customer")`` (by tag and operation), ``gen.models``."""

    def __init__(self) -> None:
        self.models = importlib.import_module(f"{PACKAGE}.models")
        self.client = importlib.import_module(f"{PACKAGE}.client")

    def op(self, tag: str, name: str) -> ModuleType:
        return importlib.import_module(f"{PACKAGE}.api.{tag}.{name}")


def fully_typed(value: Any, path: str = "answer") -> None:
    """Every object parsed into a generated model with nothing left over, every timestamp a datetime."""
    if attrs.has(type(value)):
        declared = [field.name for field in attrs.fields(type(value)) if field.name != "additional_properties"]
        if declared:  # a model with properties: the server sent only what the document lists
            assert value.additional_properties == {}, f"{path}: undocumented fields {value.additional_properties}"
        for name in declared:
            fully_typed(getattr(value, name), f"{path}.{name}")
        for key, item in value.additional_properties.items():
            fully_typed(item, f"{path}[{key}]")
    elif isinstance(value, list):
        for index, item in enumerate(value):
            fully_typed(item, f"{path}[{index}]")
    elif isinstance(value, dict):
        raise AssertionError(f"{path}: an untyped object {value}")
    if path.endswith(("_at", ".at")) and value is not None and type(value).__name__ != "Unset":
        assert isinstance(value, datetime.datetime), f"{path}: {value!r} is not a date-time"


def call(operation: ModuleType, model: type, status: int, **arguments: Any) -> Any:
    """Call a generated operation; its answer must be ``status`` and parse into ``model``."""
    response = operation.sync_detailed(**arguments)
    assert response.status_code == status, (operation.__name__, response.status_code, response.content[:300])
    assert isinstance(response.parsed, model), (operation.__name__, type(response.parsed))
    fully_typed(response.parsed)
    return response.parsed


def refused(gen: Any, operation: ModuleType, status: int, code: str, **arguments: Any) -> httpx.Headers:
    """Call a generated operation; it must answer ``status`` with ``code`` in the documented error model."""
    response = operation.sync_detailed(**arguments)
    assert response.status_code == status, (operation.__name__, response.status_code, response.content[:300])
    assert isinstance(response.parsed, gen.models.ErrorBody), (operation.__name__, type(response.parsed))
    assert response.parsed.error.code == code, response.parsed.error
    fully_typed(response.parsed)
    return response.headers


def outbox_text(base_url: str, to: str, pattern: str) -> str:
    messages = httpx.get(f"{base_url}/dev/outbox", params={"to": to}).json()["messages"]
    found = re.search(pattern, messages[0]["text"]) if messages else None
    assert found, messages
    return found.group(1)


def test_the_readme_journey_through_the_generated_client(gen: Any, base_url: str, data_dir: Path) -> None:
    m = gen.models
    public = gen.client.Client(base_url=base_url, raise_on_unexpected_status=True, timeout=60)

    def signed_in(token: str) -> Any:
        return gen.client.AuthenticatedClient(base_url=base_url, token=token, raise_on_unexpected_status=True)

    admin = signed_in(mint_token(data_dir, "admin"))
    assert call(gen.op("health", "get_health"), m.Health, 200, client=public).status == "ok"

    # A customer signs itself up with a code, sets a password, proves an email, logs in.
    phone, email, password = new_phone(), new_email(), "correct horse battery"
    call(gen.op("auth", "request_otp"), m.Accepted, 202, client=public, body=m.OtpRequest(phone=phone))
    code = outbox_text(base_url, phone, r"code is (\d{6})")
    wrong = f"{(int(code) + 1) % 1_000_000:06d}"
    verify = gen.op("auth", "verify_otp")
    refused(gen, verify, 401, "invalid_code", client=public, body=m.OtpVerification(phone=phone, code=wrong))
    verified = call(verify, m.OtpVerified, 200, client=public, body=m.OtpVerification(phone=phone, code=code))
    assert verified.created and verified.customer.phone == phone
    me = signed_in(verified.token)
    mine = call(gen.op("accounts", "get_me"), m.Me, 200, client=me)
    assert mine.account.phone_verified and mine.customer.customer_id == verified.customer.customer_id
    credentials = gen.op("accounts", "set_credentials")
    change = m.CredentialsChange(email=email, password=password)
    call(credentials, m.Accepted, 202, client=me, body=change)
    proof = outbox_text(base_url, email, r"token is (\S+)")
    confirmed = call(credentials, m.Me, 200, client=me, body=m.CredentialsChange(email_token=proof))
    assert confirmed.account.email == email and confirmed.account.has_password
    login = gen.op("auth", "login")
    call(login, m.Token, 200, client=public, body=m.Login(email=email, password=password))
    call(login, m.Token, 200, client=public, body=m.Login(phone=phone, password=password))
    refused(gen, login, 401, "invalid_credentials", client=public, body=m.Login(email=email, password="wrong one"))
    with httpx.Client(base_url=base_url) as background:  # the token is sent in the background, after the 202
        before = finished_invocations(background)
        forgot = gen.op("auth", "forgot_password")
        call(forgot, m.Accepted, 202, client=public, body=m.PasswordForgotten(email=email))
        wait_for_reset_worker(background, before)
    reset = m.PasswordReset(token=outbox_text(base_url, email, r"token is (\S+)"), password="a new long password")
    signed = call(gen.op("auth", "reset_password"), m.Token, 200, client=public, body=reset)
    refused(gen, gen.op("accounts", "get_me"), 401, "session_revoked", client=me)  # the reset ended it

    # Sessions: a refresh, a second device listed and ended, a sign-out by refresh token.
    refresh = gen.op("auth", "refresh_session")
    renewed = call(refresh, m.Token, 200, client=public, body=m.RefreshRequest(refresh_token=signed.refresh_token))
    me = signed_in(renewed.token)
    second = call(login, m.Token, 200, client=public, body=m.Login(phone=phone, password="a new long password"))
    others = call(gen.op("accounts", "list_sessions"), m.SessionList, 200, client=me).items
    assert [item.current for item in others].count(True) == 1 and len(others) == 2
    other = next(item.session_id for item in others if not item.current)
    call(gen.op("accounts", "end_session"), m.SessionsEnded, 200, client=me, session_id=other)
    refused(gen, gen.op("accounts", "end_session"), 404, "session_not_found", client=me, session_id=other)
    ended = m.RefreshRequest(refresh_token=second.refresh_token)
    refused(gen, refresh, 401, "session_revoked", client=public, body=ended)
    third = call(login, m.Token, 200, client=public, body=m.Login(phone=phone, password="a new long password"))
    out = call(
        gen.op("auth", "logout"), m.SessionsEnded, 200, client=public, body=m.Logout(refresh_token=third.refresh_token)
    )
    assert out.ended == 1

    # The business side: find-or-create, resolve by any reference, update, list page by page.
    create = gen.op("customers", "create_customer")
    asha = call(create, m.CustomerResult, 200, client=admin, body=m.NewCustomer(phone=phone.replace("+91", "0")))
    assert asha.customer.customer_id == verified.customer.customer_id and asha.created is False
    shop_phone = new_phone()
    body = m.NewCustomer(phone=shop_phone, name="Zoë Rao", area="Indiranagar", status=m.NewCustomerStatusType0.TRIAL)
    shop = call(create, m.CustomerResult, 201, client=admin, body=body).customer
    again = call(create, m.CustomerResult, 200, client=admin, body=m.NewCustomer(phone=shop_phone, name="Other"))
    assert again.created is False and again.ignored_fields == ["name"]
    get = gen.op("customers", "get_customer")
    digits = shop_phone.removeprefix("+91")
    for ref, kind in [
        (shop.customer_number.lower(), m.ResolvedCustomerResolvedFrom.CUSTOMER_NUMBER),
        (f"{digits[:5]} {digits[5:]}", m.ResolvedCustomerResolvedFrom.PHONE),
        (f"user_{digits}", m.ResolvedCustomerResolvedFrom.PHONE),
        (shop.customer_id, m.ResolvedCustomerResolvedFrom.CUSTOMER_ID),
    ]:
        found = call(get, m.ResolvedCustomer, 200, client=admin, ref=ref)
        assert (found.customer.customer_id, found.resolved_from) == (shop.customer_id, kind), ref
    refused(gen, get, 404, "customer_not_found", client=admin, ref="PL999999999")
    changes = m.CustomerChanges(status=m.CustomerChangesStatusType0.PAUSED, address="12 MG Road\nBlock B")
    paused = call(
        gen.op("customers", "update_customer"),
        m.CustomerEnvelope,
        200,
        client=admin,
        ref=shop.customer_number,
        body=changes,
    )
    assert paused.customer.status == m.CustomerStatus.PAUSED
    listing, seen, cursor = gen.op("customers", "list_customers"), [], None
    while True:
        page = call(listing, m.CustomerPage, 200, client=admin, limit=1, **({"cursor": cursor} if cursor else {}))
        seen += [customer.customer_id for customer in page.items]
        if page.next_cursor is None:
            break
        cursor = page.next_cursor
    assert {shop.customer_id, asha.customer.customer_id} <= set(seen) and len(seen) == len(set(seen))
    found = call(listing, m.CustomerPage, 200, client=admin, q="zoe")
    assert shop.customer_id in [customer.customer_id for customer in found.items]
    refused(gen, listing, 400, "invalid_cursor", client=admin, cursor="not-a-cursor")
    refused(gen, listing, 403, "forbidden", client=me)

    # Bookings: idempotent create, history, totals, a status change, refusals.
    book = gen.op("bookings", "create_booking")
    new = m.NewBooking(customer=shop.customer_number, service="Wash & fold", amount="249.50")
    first = call(book, m.BookingResult, 201, client=admin, body=new, idempotency_key="readme-7f1c2e9a")
    retried = call(book, m.BookingResult, 201, client=admin, body=new, idempotency_key="readme-7f1c2e9a")
    assert retried.booking.booking_id == first.booking.booking_id and first.booking.amount == "249.50"
    scheduled = datetime.datetime(2026, 11, 22, 9, 0, tzinfo=datetime.timezone(datetime.timedelta(hours=5, minutes=30)))
    second = m.NewBooking(customer=shop_phone, service="Ironing", amount="0.10", scheduled_for=scheduled)
    later = call(book, m.BookingResult, 201, client=admin, body=second).booking
    assert later.scheduled_for == scheduled
    refused(
        gen,
        book,
        422,
        "invalid_amount",
        client=admin,
        body=m.NewBooking(customer=shop_phone, service="x", amount="1e2"),
    )
    history = call(gen.op("bookings", "list_customer_bookings"), m.BookingPage, 200, client=admin, ref=shop_phone)
    assert [b.booking_id for b in history.items] == [later.booking_id, first.booking.booking_id]
    update = gen.op("bookings", "update_booking")
    cancel = m.BookingChanges(status=m.BookingChangesStatus.CANCELLED)
    call(update, m.BookingEnvelope, 200, client=admin, booking_id=later.booking_id, body=cancel)
    done = m.BookingChanges(status=m.BookingChangesStatus.COMPLETED)
    refused(gen, update, 409, "invalid_transition", client=admin, booking_id=later.booking_id, body=done)
    totals = call(get, m.ResolvedCustomer, 200, client=admin, ref=shop.customer_id).customer
    assert (totals.total_bookings, totals.total_spent) == (1, "249.50")

    # Admin calls: numbering, staff, stats, audit, review, merges and their undo, the CSV.
    numbers = call(gen.op("admin", "get_customer_numbers"), m.NumberingOverview, 200, client=admin)
    target = m.NextNumber(next_=numbers.next_number + 5)
    moved = call(gen.op("admin", "set_next_customer_number"), m.NumberingState, 200, client=admin, body=target)
    assert moved.next_number == numbers.next_number + 5
    low = m.NextNumber(next_=1)
    refused(gen, gen.op("admin", "set_next_customer_number"), 409, "next_number_too_low", client=admin, body=low)
    staff = m.NewStaff(email=new_email(), role=m.NewStaffRole.DELIVERY_PERSON, password="route 42 mornings")
    kiran = call(gen.op("admin", "create_staff"), m.AccountEnvelope, 201, client=admin, body=staff).account
    assign = m.CustomerChanges(delivery_person_id=kiran.account_id)
    call(gen.op("customers", "update_customer"), m.CustomerEnvelope, 200, client=admin, ref=shop_phone, body=assign)
    roster = call(
        gen.op("admin", "list_staff"), m.StaffPage, 200, client=admin, role=m.ListStaffRoleType0.DELIVERY_PERSON
    )
    assert kiran.account_id in [account.account_id for account in roster.items]
    call(gen.op("admin", "get_stats"), m.DashboardStats, 200, client=admin)
    call(gen.op("admin", "get_audit"), m.AuditReport, 200, client=admin)
    call(gen.op("admin", "list_review"), m.ReviewPage, 200, client=admin)
    merged = call(
        gen.op("admin", "merge_customer"),
        m.MergeEnvelope,
        200,
        client=admin,
        ref=shop.customer_id,
        body=m.MergeRequest(into=asha.customer.customer_id),
    ).merge
    assert merged.state == m.MergeState.COMPLETED and merged.moved.bookings == 2
    history = call(gen.op("admin", "list_merges"), m.MergePage, 200, client=admin, customer=shop.customer_number)
    assert [merge.merge_id for merge in history.items] == [merged.merge_id]
    undone = call(gen.op("admin", "undo_merge"), m.MergeEnvelope, 200, client=admin, merge_id=merged.merge_id).merge
    assert undone.state == m.MergeState.UNDONE
    refused(gen, gen.op("admin", "undo_merge"), 409, "merge_already_undone", client=admin, merge_id=merged.merge_id)
    csv = call(gen.op("admin", "export_customers"), str, 200, client=admin, area="indiranagar")
    assert csv.startswith("\ufeffcustomer_number,") and shop.customer_number in csv

    # Roles and tokens: the documented refusals, with their headers.
    supplier = signed_in(mint_token(data_dir, "supplier"))
    refused(gen, get, 403, "forbidden", client=supplier, ref=shop.customer_id)
    refused(gen, gen.op("admin", "get_stats"), 403, "forbidden", client=me)
    lost = gen.op("admin", "end_customer_sessions")
    assert call(lost, m.SessionsEnded, 200, client=admin, ref=asha.customer.customer_number).ended == 1
    refused(gen, gen.op("accounts", "get_me"), 401, "session_revoked", client=me)
    headers = refused(gen, gen.op("accounts", "get_me"), 401, "unauthenticated", client=signed_in("not-a-token"))
    assert headers["WWW-Authenticate"].startswith("Bearer")
    request = gen.op("auth", "request_otp")
    for _ in range(2):
        call(request, m.Accepted, 202, client=public, body=m.OtpRequest(phone=phone))
    headers = refused(gen, request, 429, "too_many_codes", client=public, body=m.OtpRequest(phone=phone))
    assert int(headers["Retry-After"]) >= 1
