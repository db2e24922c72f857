"""Tokens reject anything but what this service signed; logs never carry secrets or full contact data."""

import base64
import io
import json
import logging
import time
from collections.abc import Iterator

import jwt
import pytest

from customer_identity.core.errors import Unauthenticated
from customer_identity.core.redaction import RedactingFilter, mask_address
from customer_identity.use_cases.sign_in.tokens import AUDIENCE, ISSUER, Tokens, bearer_token
from tests.unit.conftest import code_in, email_token_in, load_event, reset_token_in

KEY = b"k" * 48


def test_a_token_round_trips_its_claims() -> None:
    tokens = Tokens(KEY, ttl_seconds=900)
    token = tokens.issue(account_id="cus_1", role="customer", customer_id="cus_1", method="otp")
    caller = tokens.verify(token)
    assert (caller.account_id, caller.role, caller.customer_id, caller.method) == ("cus_1", "customer", "cus_1", "otp")
    claims = jwt.decode(token, KEY, algorithms=["HS256"], audience=AUDIENCE)
    assert claims["exp"] - claims["iat"] == 900 and claims["iss"] == ISSUER


def _forge(claims: dict, key: bytes = KEY, algorithm: str = "HS256") -> str:
    return jwt.encode(claims, key, algorithm=algorithm)


def test_tampered_expired_foreign_and_unsigned_tokens_are_refused() -> None:
    tokens = Tokens(KEY)
    good = tokens.issue(account_id="cus_1", role="customer", customer_id="cus_1", method="otp")
    header, payload, signature = good.split(".")
    claims = json.loads(base64.urlsafe_b64decode(payload + "=="))
    elevated = base64.urlsafe_b64encode(json.dumps({**claims, "role": "admin"}).encode()).decode().rstrip("=")
    now = int(time.time())
    base = {"iss": ISSUER, "aud": AUDIENCE, "sub": "stf_1", "role": "admin", "customer_id": None, "amr": ["pwd"]}
    unsigned = (
        base64.urlsafe_b64encode(b'{"alg":"none","typ":"JWT"}').decode().rstrip("=")
        + "."
        + base64.urlsafe_b64encode(json.dumps({**base, "iat": now, "nbf": now, "exp": now + 60}).encode())
        .decode()
        .rstrip("=")
        + "."
    )
    bad = {
        "tampered payload": f"{header}.{elevated}.{signature}",
        "expired": _forge({**base, "iat": now - 1000, "nbf": now - 1000, "exp": now - 60}),
        "another key": _forge({**base, "iat": now, "nbf": now, "exp": now + 60}, key=b"x" * 48),
        "alg none": unsigned,
        "another audience": _forge({**base, "aud": "other", "iat": now, "nbf": now, "exp": now + 60}),
        "no expiry": _forge({**base, "iat": now, "nbf": now}),
        "unknown role": _forge({**base, "role": "root", "iat": now, "nbf": now, "exp": now + 60}),
        "customer without customer id": _forge({**base, "role": "customer", "iat": now, "nbf": now, "exp": now + 60}),
        "garbage": "not.a.token",
    }
    for name, token in bad.items():
        with pytest.raises(Unauthenticated):
            tokens.verify(token)
            pytest.fail(name)


def test_bearer_header_parsing() -> None:
    assert bearer_token({"authorization": "Bearer abc"}) == "abc"
    assert bearer_token({"Authorization": "bearer  abc "}) == "abc"
    assert bearer_token({"Authorization": "Basic abc"}) is None
    assert bearer_token({"Authorization": "Bearer "}) is None
    assert bearer_token(None) is None


def test_the_filter_masks_contact_data_codes_and_tokens() -> None:
    record = logging.LogRecord("x", logging.INFO, __file__, 1, "sent %s to %s", ("123456", "+919717619183"), None)
    record.email = "asha@example.com"
    record.password = "hunter2 hunter2"
    record.details = {"reset_token": "abc", "note": "call 97176 19183 or mail asha@example.com"}
    RedactingFilter().filter(record)
    text = json.dumps({"msg": record.getMessage(), **{k: record.__dict__[k] for k in ("email", "password", "details")}})
    for secret in ("123456", "9717619183", "97176 19183", "asha@example.com", "hunter2", "abc"):
        assert secret not in text, secret
    assert mask_address("+919717619183") == "+**********83" and mask_address("asha@example.com") == "a***@e***"


@pytest.fixture
def service_log() -> Iterator[io.StringIO]:
    """Everything the service logger writes (its own JSON handler, pointed at a buffer)."""
    from customer_identity.api import logger

    buffer = io.StringIO()
    previous = logger.registered_handler.setStream(buffer)
    level = logger.log_level
    logger.setLevel("DEBUG")
    yield buffer
    logger.setLevel(level)
    logger.registered_handler.setStream(previous)


def test_a_whole_account_journey_logs_no_secret(invoke, outbox, service_log: io.StringIO) -> None:
    phone, email, password = "+919717619183", "asha@example.com", "correct horse battery"
    invoke("request_otp")
    code = code_in(outbox(phone))
    verify = load_event("verify_otp") | {"body": json.dumps({"phone": phone, "code": code})}
    token = invoke("verify_otp", verify)[1]["token"]
    invoke("set_credentials", token=token)
    proof = email_token_in(outbox(email))
    confirm = load_event("set_credentials") | {"body": json.dumps({"email_token": proof})}
    assert invoke("set_credentials", confirm, token=token)[0] == 200
    wrong = load_event("login") | {"body": json.dumps({"email": email, "password": "wrong " + password})}
    assert invoke("login", wrong)[0] == 401
    assert invoke("login")[0] == 200
    invoke("forgot_password")
    reset = reset_token_in(outbox(email))
    event = load_event("reset_password") | {"body": json.dumps({"token": reset, "password": "a new long password"})}
    new_token = invoke("reset_password", event)[1]["token"]
    output = service_log.getvalue()
    assert "sign-in code sent" in output  # the journey did log
    for secret in (code, password, "a new long password", reset, proof, token, new_token, phone, "9717619183", email):
        assert secret not in output, secret
