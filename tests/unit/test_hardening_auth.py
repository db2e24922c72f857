"""Issue 11: the public auth answers do not tell accounts apart, and SMS are budgeted (moto, in-process).

Timing is shown by the work done, not by a clock: ``POST /auth/password/forgot`` makes no table
request at all before answering (the reset worker does the rest, invoked asynchronously), and a
wrong password costs the same table requests as an unknown login name. The measured ratios are in
``make bench`` (bench/benchmark.py, "Known vs unknown accounts").
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Callable
from typing import Any

import pytest

from customer_identity import runtime
from customer_identity.core.errors import ConfigurationError, InvalidCredentials
from customer_identity.core.models.accounts import CredentialsChange, NewStaff
from customer_identity.core.settings import load_settings
from customer_identity.use_cases.sign_in.notifications import outbox_messages
from devserver.server import LambdaContext
from devserver.template import functions, routes
from tests.unit.conftest import (
    TEST_IP,
    Domain,
    LambdaQueue,
    build_domain,
    code_in,
    load_event,
    load_handler,
    set_email,
)

NOW = 1_800_000_030.0  # 30 s into an epoch minute
KNOWN_PHONE, UNKNOWN_PHONE = "+919717619183", "+919812345678"
US_PHONE = "+16502530000"


def handler(name: str) -> Any:
    return load_handler(next(route for route in routes() if route.code_dir.name == name)).handler


def request(name: str, body: dict[str, str], source_ip: str = TEST_IP) -> dict[str, Any]:
    """The raw proxy answer of route ``name`` to ``body`` sent from ``source_ip``."""
    event = json.loads(json.dumps(load_event(name)))
    event["body"] = json.dumps(body)
    event["requestContext"]["identity"]["sourceIp"] = source_ip
    return handler(name)(event, LambdaContext(function_name=name))


def answer(result: dict[str, Any]) -> tuple[int, dict[str, Any]]:
    return result["statusCode"], json.loads(result["body"])


def header(result: dict[str, Any], name: str) -> str:
    headers = {k.lower(): v for k, v in (result.get("multiValueHeaders") or {}).items()}
    return headers[name.lower()][0]


@pytest.fixture
def pinned_clock(monkeypatch: pytest.MonkeyPatch) -> Callable[[float], None]:
    """The SMS budgets' clock, fixed at ``NOW`` (a test never straddles a minute by accident); call it to move."""

    def move_to(when: float) -> None:
        monkeypatch.setattr("customer_identity.use_cases.sign_in.sms_budget.epoch", lambda: when)

    move_to(NOW)
    return move_to


# --- finding: timing tells whether an account exists ---------------------------------------------


def test_forgot_password_answers_the_same_without_reading_anything_known_or_not(
    domain: Domain, lambda_queue: LambdaQueue, requests_made: Counter[str]
) -> None:
    runtime.staff().create(NewStaff(email="rider@example.com", role="delivery_person", password="rider password 1"))
    domain.create(KNOWN_PHONE)
    requests_made.clear()
    bodies = [
        {"email": "rider@example.com"},
        {"email": "nobody@example.com"},
        {"phone": KNOWN_PHONE},
        {"phone": UNKNOWN_PHONE},
    ]
    answers = [answer(request("forgot_password", body)) for body in bodies]
    assert all(given == answers[0] for given in answers) and answers[0][0] == 202
    assert sum(requests_made.values()) == 0  # no table request on the public path, for anyone
    assert [name for name, _ in lambda_queue.queued] == ["ForgotPasswordWorkerFunction"] * 4
    assert [event for _, event in lambda_queue.queued] == [
        {"channel": "email", "to": "rider@example.com", "source_ip": TEST_IP},
        {"channel": "email", "to": "nobody@example.com", "source_ip": TEST_IP},
        {"channel": "sms", "to": KNOWN_PHONE, "source_ip": TEST_IP},
        {"channel": "sms", "to": UNKNOWN_PHONE, "source_ip": TEST_IP},
    ]
    assert lambda_queue() == 4  # the worker then sends to the known addresses only
    assert [len(outbox_messages(to)) for to in ("rider@example.com", "nobody@example.com")] == [1, 0]
    assert [len(outbox_messages(to)) for to in (KNOWN_PHONE, UNKNOWN_PHONE)] == [1, 0]


def test_the_reset_worker_runs_its_sample_event(aws: None, outbox) -> None:
    worker = load_handler(next(f for f in functions() if f.function == "ForgotPasswordWorkerFunction"))
    event = load_event("forgot_password_worker")
    assert worker.handler(event, LambdaContext(function_name="ForgotPasswordWorkerFunction")) == {"status": "done"}
    assert outbox_messages(event["to"]) == []  # no account has it yet
    runtime.staff().create(NewStaff(email=event["to"], role="supplier"))
    worker.handler(event, LambdaContext(function_name="ForgotPasswordWorkerFunction"))
    assert "reset token is" in outbox(event["to"])


def login_requests(domain: Domain, requests_made: Counter[str], **name: str) -> Counter[str]:
    requests_made.clear()
    with pytest.raises(InvalidCredentials):
        domain.password_sign_in.login(email=name.get("email"), phone=name.get("phone"), password="not the password")
    return Counter(requests_made)


def test_a_wrong_password_costs_the_table_requests_an_unknown_name_costs(
    domain: Domain, outbox, requests_made: Counter[str]
) -> None:
    runtime.staff().create(NewStaff(email="boss@example.com", role="admin", password="boss password 1"))
    domain.phone_sign_in.request(KNOWN_PHONE, source_ip=TEST_IP)
    verified = domain.phone_sign_in.verify(KNOWN_PHONE, code_in(outbox(KNOWN_PHONE)))
    caller = runtime.tokens().verify(verified.token)
    domain.credentials.change(caller, CredentialsChange(password="customer password 1"))
    set_email(domain, outbox, caller, "asha@example.com")

    unknown_email = login_requests(domain, requests_made, email="nobody@example.com")
    assert login_requests(domain, requests_made, email="boss@example.com") == unknown_email  # staff
    assert login_requests(domain, requests_made, email="asha@example.com") == unknown_email  # customer
    assert login_requests(domain, requests_made, phone=KNOWN_PHONE) == login_requests(
        domain, requests_made, phone=UNKNOWN_PHONE
    )


def test_an_unknown_account_is_checked_with_the_same_parameters_and_no_extra_hash(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from argon2 import PasswordHasher, extract_parameters

    from customer_identity.use_cases.sign_in.passwords import Passwords

    passwords = Passwords(memory_kib=2048, time_cost=2)
    real = passwords.hash("a real password")

    def no_hashing(*_: object) -> str:
        raise AssertionError("a check must not compute a new hash (the first unknown name would take twice as long)")

    monkeypatch.setattr(PasswordHasher, "hash", no_hashing)
    assert passwords.verify(None, "a guess").ok is False  # the first unknown name of this environment
    assert extract_parameters(passwords._dummy) == extract_parameters(real)


# --- finding: SMS pumping --------------------------------------------------------------------------


def test_the_per_ip_budget_refuses_a_client_ip_over_it_and_only_that_ip(
    environment, aws: None, outbox, pinned_clock: Callable[[float], None]
) -> None:
    environment(SMS_PER_IP_PER_MINUTE="2")
    for phone in ("+919800000001", "+919800000002"):
        assert answer(request("request_otp", {"phone": phone}, "198.51.100.1"))[0] == 202
    refused = request("request_otp", {"phone": "+919800000003"}, "198.51.100.1")
    status, body = answer(refused)
    assert (status, body["error"]["code"]) == (429, "too_many_codes_from_address")
    assert 0 < int(header(refused, "Retry-After")) <= 30  # the rest of this minute
    assert outbox_messages("+919800000003") == []  # nothing sent
    assert answer(request("request_otp", {"phone": "+919800000003"}, "198.51.100.2"))[0] == 202  # another IP
    pinned_clock(NOW + 60)  # the next minute: a new budget
    assert answer(request("request_otp", {"phone": "+919800000004"}, "198.51.100.1"))[0] == 202


def test_the_global_budget_counts_every_ip(environment, aws: None, pinned_clock: Callable[[float], None]) -> None:
    environment(SMS_GLOBAL_PER_MINUTE="3")
    for n in range(3):
        assert answer(request("request_otp", {"phone": f"+91980000001{n}"}, f"198.51.100.{n + 1}"))[0] == 202
    refused = request("request_otp", {"phone": "+919800000019"}, "198.51.100.9")
    status, body = answer(refused)
    assert (status, body["error"]["code"], body["error"]["field"]) == (429, "sms_budget_exhausted", None)
    assert int(header(refused, "Retry-After")) > 0 and outbox_messages("+919800000019") == []
    pinned_clock(NOW + 60)
    assert answer(request("request_otp", {"phone": "+919800000019"}, "198.51.100.9"))[0] == 202


def test_sms_resets_count_against_the_requesters_ip_and_carry_it_to_the_worker(
    environment, aws: None, lambda_queue: LambdaQueue, pinned_clock: Callable[[float], None]
) -> None:
    environment(SMS_PER_IP_PER_MINUTE="1")
    domain = build_domain()
    domain.create(KNOWN_PHONE)
    assert answer(request("request_otp", {"phone": "+919800000021"}, "198.51.100.1"))[0] == 202  # spends .1
    assert answer(request("forgot_password", {"phone": KNOWN_PHONE}, "198.51.100.1"))[0] == 202
    assert lambda_queue.queued[-1][1]["source_ip"] == "198.51.100.1"
    lambda_queue()
    assert outbox_messages(KNOWN_PHONE) == []  # over .1's budget: dropped by the worker
    assert answer(request("forgot_password", {"phone": KNOWN_PHONE}, "198.51.100.2"))[0] == 202
    lambda_queue()
    assert "reset token is" in outbox_messages(KNOWN_PHONE)[0]["text"]


def test_phones_outside_the_sms_countries_are_refused_before_anything_is_counted_or_sent(
    environment, aws: None, lambda_queue: LambdaQueue, requests_made: Counter[str]
) -> None:
    for route in ("request_otp", "forgot_password"):
        status, body = answer(request(route, {"phone": US_PHONE}))
        assert (status, body["error"]["code"], body["error"]["field"]) == (422, "phone_country_not_allowed", "phone")
    assert sum(requests_made.values()) == 0 and lambda_queue.queued == []
    assert outbox_messages(US_PHONE) == []
    environment(SMS_COUNTRIES="IN,US")
    assert answer(request("request_otp", {"phone": US_PHONE}))[0] == 202
    assert "sign-in code" in outbox_messages(US_PHONE)[0]["text"]


def test_sms_countries_are_iso_regions_and_default_to_the_default_region(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("SMS_COUNTRIES", raising=False)
    assert load_settings(default_region="np").sms_regions == {"NP"}
    assert load_settings(sms_countries=" in, np ").sms_regions == {"IN", "NP"}
    with pytest.raises(ConfigurationError, match="SMS_COUNTRIES"):
        load_settings(sms_countries="IND")
