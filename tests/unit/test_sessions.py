"""Sessions in-process: what is stored, forged tokens, the cookie's path, the coarse address (issue 18)."""

import hashlib
import json

import pytest

from customer_identity import runtime
from customer_identity.core.errors import SessionRevoked
from customer_identity.storage import queries
from customer_identity.use_cases.sign_in.session_store import Client, coarse_address
from devserver.server import LambdaContext
from devserver.template import routes
from tests.unit.conftest import TEST_IP, code_in, load_event, load_handler


def sign_in(outbox, phone: str = "+919717619183", **body: str) -> dict:
    runtime.phone_sign_in().request(phone, source_ip=TEST_IP)
    event = load_event("verify_otp") | {"body": json.dumps({"phone": phone, "code": code_in(outbox(phone))} | body)}
    return event


def test_the_refresh_token_is_stored_only_as_its_hash(aws, outbox) -> None:
    runtime.phone_sign_in().request("+919717619183", source_ip=TEST_IP)
    client = Client.of("Mozilla/5.0 " + "x" * 400, "203.0.113.77")
    signed = runtime.phone_sign_in().verify("+919717619183", code_in(outbox("+919717619183")), client)
    (session,) = queries.account_sessions(signed.customer.customer_id)
    stored = json.dumps(session.serialize())
    assert signed.refresh_token and signed.refresh_token not in stored
    assert signed.refresh_token.split(".")[-1] not in stored  # nor its secret part
    assert session.refresh_hash == hashlib.sha256(signed.refresh_token.encode()).hexdigest()
    assert (session.address, len(session.user_agent or "")) == ("203.0.113.0/24", 256)


def test_a_forged_refresh_token_is_refused_and_ends_nothing(aws, outbox) -> None:
    runtime.phone_sign_in().request("+919717619183", source_ip=TEST_IP)
    signed = runtime.phone_sign_in().verify("+919717619183", code_in(outbox("+919717619183")))
    account, session_id, generation, mac = signed.refresh_token.split(".")
    for forged in (f"{account}.{session_id}.{generation}.{mac[::-1]}", f"{account}.{session_id}.0", "a.b.c.d"):
        with pytest.raises(SessionRevoked):
            runtime.refresh().refresh(forged, Client())
    runtime.sessions().authenticate(signed.token)  # still live
    assert runtime.refresh().refresh(signed.refresh_token, Client()).refresh_token


@pytest.mark.parametrize(
    ("source", "network"),
    [("198.51.100.23", "198.51.100.0/24"), ("2001:db8:1234:5678::1", "2001:db8:1234::/48"), ("not an ip", None)],
)
def test_a_session_keeps_the_clients_network_not_its_address(source: str, network: str | None) -> None:
    assert coarse_address(source) == network


@pytest.mark.parametrize(
    ("host", "seen_path", "cookie_path"),
    [
        ("abc123.execute-api.us-east-1.amazonaws.com", "/prod/auth/otp/verify", "Path=/prod/auth"),
        ("api.example.com", "/auth/otp/verify", "Path=/auth"),
        ("127.0.0.1:3000", "/local/auth/otp/verify", "Path=/auth"),
    ],
)
def test_the_cookie_is_scoped_to_auth_as_the_client_sees_it(
    aws, outbox, host: str, seen_path: str, cookie_path: str
) -> None:
    event = sign_in(outbox, refresh_in="cookie")
    event["headers"]["Host"] = host
    event["multiValueHeaders"]["Host"] = [host]
    event["requestContext"]["path"] = seen_path
    handler = load_handler(next(route for route in routes() if route.code_dir.name == "verify_otp"))
    answer = handler.handler(event, LambdaContext(function_name="verify_otp"))
    (cookie,) = answer["multiValueHeaders"]["Set-Cookie"]
    assert cookie_path in cookie.split("; ") and "HttpOnly" in cookie and "SameSite=Strict" in cookie
    assert json.loads(answer["body"])["refresh_token"] is None


def test_an_admin_sees_where_a_customer_is_signed_in_and_ends_it(invoke, domain) -> None:
    from tests.unit.conftest import load_event, real_staff_token, session_token

    customer = domain.create("9717619183").customer
    for _ in range(2):
        session_token(customer.customer_id)
    at = {"path": "/admin/customers/PL1/sessions", "pathParameters": {"ref": "PL1"}}
    status, listed = invoke("list_customer_sessions", load_event("list_customer_sessions") | at)
    assert status == 200 and len(listed["items"]) == 2 and not any(s["current"] for s in listed["items"])
    assert invoke("end_customer_sessions", load_event("end_customer_sessions") | at)[1] == {"ended": 2}
    assert invoke("list_customer_sessions", load_event("list_customer_sessions") | at)[1] == {"items": []}
    other = real_staff_token("delivery_person")
    assert invoke("list_customer_sessions", load_event("list_customer_sessions") | at, token=other)[0] == 403
