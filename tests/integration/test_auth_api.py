"""Accounts and access over real HTTP: the customer journey, races, brute force, enumeration, roles."""

import itertools
import re
import statistics
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import httpx
import jwt
import pytest

from tests.integration.conftest import authorized, forgot_password

pytestmark = pytest.mark.integration

_phones = itertools.count(9_600_000_001)
_emails = itertools.count(1)


def new_phone() -> str:
    return f"+91{next(_phones)}"


def new_email(name: str = "person") -> str:
    return f"{name}.{next(_emails)}@example.com"


def concurrently(count: int, request: Any) -> list[httpx.Response]:
    with ThreadPoolExecutor(max_workers=count) as pool:
        return list(pool.map(request, range(count)))


def latest_text(client: httpx.Client, to: str) -> str:
    messages = client.get("/dev/outbox", params={"to": to}).json()["messages"]
    assert messages, f"nothing sent to {to}"
    return messages[0]["text"]


def code_for(client: httpx.Client, phone: str) -> str:
    assert client.post("/auth/otp/request", json={"phone": phone}).status_code == 202
    found = re.search(r"\b(\d{6})\b", latest_text(client, phone))
    assert found
    return found.group(1)


def sign_in(client: httpx.Client, phone: str) -> dict[str, Any]:
    response = client.post("/auth/otp/verify", json={"phone": phone, "code": code_for(client, phone)})
    assert response.status_code == 200, response.text
    return response.json()


def staff(api: httpx.Client, anonymous: httpx.Client, role: str) -> tuple[str, httpx.Client]:
    """A new staff account of ``role``: (its id, a client signed in as it)."""
    email, password = new_email(role), "staff password 1"
    created = api.post("/admin/staff", json={"email": email, "role": role, "password": password})
    assert created.status_code == 201, created.text
    token = anonymous.post("/auth/login", json={"email": email, "password": password}).json()["token"]
    return created.json()["account"]["account_id"], authorized(token, str(anonymous.base_url))


def test_the_readme_customer_journey(anonymous: httpx.Client) -> None:
    phone = new_phone()
    signed_in = sign_in(anonymous, phone)
    assert signed_in["created"] is True and signed_in["customer"]["phone"] == phone
    with authorized(signed_in["token"], str(anonymous.base_url)) as me:
        profile = me.get("/me").json()
        assert profile["account"]["account_id"] == profile["customer"]["customer_id"]
        assert profile["account"]["role"] == "customer" and profile["account"]["phone_verified"] is True
        email = new_email("asha")
        asked = me.put("/me/credentials", json={"email": email, "password": "correct horse battery"})
        assert asked.status_code == 202  # the email waits for proof of its inbox
        proof = re.search(r"confirmation token is (\S+)", latest_text(anonymous, email))
        assert proof
        changed = me.put("/me/credentials", json={"email_token": proof.group(1)})
        assert changed.status_code == 200 and changed.json()["account"]["has_password"] is True
        assert changed.json()["account"]["email"] == email
    for name in ({"email": email.upper()}, {"phone": phone[3:]}):
        login = anonymous.post("/auth/login", json=name | {"password": "correct horse battery"})
        assert login.status_code == 200 and login.json()["token_type"] == "Bearer"
        with authorized(login.json()["token"], str(anonymous.base_url)) as again:
            assert again.get("/me").json()["customer"]["customer_id"] == profile["customer"]["customer_id"]


def test_32_concurrent_verifies_of_one_new_phone_make_one_customer_and_one_account(
    anonymous: httpx.Client, admin: httpx.Client, base_url: str
) -> None:
    phone = new_phone()
    code = code_for(anonymous, phone)
    verifies = concurrently(32, lambda i: anonymous.post("/auth/otp/verify", json={"phone": phone, "code": code}))
    statuses = sorted(response.status_code for response in verifies)
    winners = [response.json() for response in verifies if response.status_code == 200]
    assert len(winners) == 1 and winners[0]["created"] is True, statuses  # a code works once
    assert set(statuses) <= {200, 401, 429}
    customer = admin.get(f"{base_url}/customers/{phone}").json()["customer"]
    assert customer["customer_id"] == winners[0]["customer"]["customer_id"]
    # Signing in again, while staff create the same phone concurrently, still finds that one customer.
    code = code_for(anonymous, phone)
    mixed = concurrently(
        17,
        lambda i: (
            anonymous.post("/auth/otp/verify", json={"phone": phone, "code": code})
            if i == 0
            else admin.post(f"{base_url}/customers", json={"phone": phone})
        ),
    )
    assert mixed[0].status_code == 200 and mixed[0].json()["created"] is False
    assert {r.json()["customer"]["customer_id"] for r in mixed} == {customer["customer_id"]}
    with authorized(mixed[0].json()["token"], base_url) as me:
        assert me.get("/me").json()["account"]["account_id"] == customer["customer_id"]


def test_concurrent_code_guesses_get_exactly_five_tries(anonymous: httpx.Client) -> None:
    phone = new_phone()
    code = code_for(anonymous, phone)
    guesses = [f"{n:06d}" for n in range(40) if f"{n:06d}" != code][:39]
    answers = concurrently(
        len(guesses), lambda i: anonymous.post("/auth/otp/verify", json={"phone": phone, "code": guesses[i]})
    )
    codes = sorted(response.json()["error"]["code"] for response in answers)
    assert codes.count("invalid_code") == 5 and codes.count("too_many_attempts") == len(guesses) - 5, codes
    late = anonymous.post("/auth/otp/verify", json={"phone": phone, "code": code})
    assert late.status_code == 429 and int(late.headers["Retry-After"]) > 0


def test_concurrent_password_guesses_are_capped_and_then_locked_out(anonymous: httpx.Client, api: httpx.Client) -> None:
    email = new_email("victim")
    assert (
        api.post("/admin/staff", json={"email": email, "role": "admin", "password": "the real one"}).status_code == 201
    )
    answers = concurrently(30, lambda i: anonymous.post("/auth/login", json={"email": email, "password": f"guess {i}"}))
    statuses = sorted(response.status_code for response in answers)
    assert statuses.count(401) == 5 and statuses.count(429) == 25, statuses
    locked = anonymous.post("/auth/login", json={"email": email, "password": "the real one"})
    assert locked.status_code == 429 and locked.json()["error"]["code"] == "too_many_attempts"


def test_codes_and_reset_tokens_work_once(anonymous: httpx.Client) -> None:
    phone = new_phone()
    code = code_for(anonymous, phone)
    assert anonymous.post("/auth/otp/verify", json={"phone": phone, "code": code}).status_code == 200
    reused = anonymous.post("/auth/otp/verify", json={"phone": phone, "code": code})
    assert (reused.status_code, reused.json()["error"]["code"]) == (401, "invalid_code")
    assert forgot_password(anonymous, {"phone": phone}).status_code == 202
    token = re.search(r"token is (\S+)", latest_text(anonymous, phone)).group(1)  # type: ignore[union-attr]
    first = anonymous.post("/auth/password/reset", json={"token": token, "password": "new password 1"})
    assert first.status_code == 200
    again = anonymous.post("/auth/password/reset", json={"token": token, "password": "new password 2"})
    assert (again.status_code, again.json()["error"]["field"]) == (400, "token")
    assert anonymous.post("/auth/login", json={"phone": phone, "password": "new password 1"}).status_code == 200


def test_at_most_three_codes_per_phone(anonymous: httpx.Client) -> None:
    phone = new_phone()
    for _ in range(3):
        assert anonymous.post("/auth/otp/request", json={"phone": phone}).status_code == 202
    refused = anonymous.post("/auth/otp/request", json={"phone": phone})
    assert refused.status_code == 429 and refused.json()["error"]["code"] == "too_many_codes"
    assert 0 < int(refused.headers["Retry-After"]) <= 900


def test_answers_do_not_tell_known_from_unknown(anonymous: httpx.Client, api: httpx.Client) -> None:
    known_phone, unknown_phone = new_phone(), new_phone()
    known_email, unknown_email = new_email("known"), new_email("unknown")
    api.post("/admin/staff", json={"email": known_email, "role": "supplier", "password": "supplier pass"})
    api.post("/customers", json={"phone": known_phone})

    def same(path: str, known: dict[str, str], unknown: dict[str, str]) -> httpx.Response:
        a, b = anonymous.post(path, json=known), anonymous.post(path, json=unknown)
        assert (a.status_code, a.content) == (b.status_code, b.content), path
        return a

    assert same("/auth/otp/request", {"phone": known_phone}, {"phone": unknown_phone}).status_code == 202
    assert same("/auth/password/forgot", {"email": known_email}, {"email": unknown_email}).status_code == 202
    assert same("/auth/password/forgot", {"phone": known_phone}, {"phone": unknown_phone}).status_code == 202
    wrong = {"email": known_email, "password": "not the password"}
    assert same("/auth/login", wrong, {"email": unknown_email, "password": "not the password"}).status_code == 401

    def median_seconds(body: dict[str, str]) -> float:
        times = []
        for _ in range(3):  # below the lockout threshold
            started = time.perf_counter()
            anonymous.post("/auth/login", json=body)
            times.append(time.perf_counter() - started)
        return statistics.median(times)

    wrong_password = median_seconds({"email": known_email, "password": "still not it"})
    no_account = median_seconds({"email": new_email("nobody"), "password": "still not it"})
    assert 1 / 3 < no_account / wrong_password < 3, (no_account, wrong_password)


def test_tokens_that_are_missing_tampered_forged_or_expired_get_401(
    anonymous: httpx.Client, admin_token: str, data_dir: Path
) -> None:
    assert anonymous.get("/me").status_code == 401
    header, payload, signature = admin_token.split(".")
    tampered = f"{header}.{payload}.{signature[:-2]}{'AA' if signature[-2:] != 'AA' else 'BB'}"
    now = int(time.time())
    claims = jwt.decode(admin_token, options={"verify_signature": False})
    forged = jwt.encode(claims, "a key we guessed, long enough to be used" * 2, algorithm="HS256")
    key = (data_dir / "jwt-signing-key").read_text().strip()
    expired = jwt.encode(claims | {"iat": now - 3600, "nbf": now - 3600, "exp": now - 60}, key, algorithm="HS256")
    for token in (tampered, forged, expired, "nonsense"):
        response = anonymous.get("/customers", headers={"Authorization": f"Bearer {token}"})
        assert response.status_code == 401 and response.headers["WWW-Authenticate"].startswith("Bearer"), token
        assert response.json()["error"]["code"] == "unauthenticated"
    assert anonymous.get("/customers", headers={"Authorization": f"Bearer {admin_token}"}).status_code == 200


def test_a_customer_sees_and_changes_only_itself(anonymous: httpx.Client, api: httpx.Client, base_url: str) -> None:
    other = api.post("/customers", json={"phone": new_phone(), "name": "Someone else"}).json()["customer"]
    signed_in = sign_in(anonymous, new_phone())
    mine = signed_in["customer"]
    with authorized(signed_in["token"], base_url) as me:
        assert me.get(f"/customers/{mine['customer_number']}").status_code == 200
        for ref in (other["customer_number"], other["phone"], other["customer_id"], "PL999999"):
            answer = me.get(f"/customers/{ref}")
            assert (answer.status_code, answer.json()["error"]["code"]) == (404, "customer_not_found"), ref
            assert me.get(f"/customers/{ref}/bookings").status_code == 404
            assert me.patch(f"/customers/{ref}", json={"name": "Mine now"}).status_code == 404
        assert me.patch(f"/customers/{mine['customer_id']}", json={"name": "Asha"}).json()["customer"]["name"] == "Asha"
        refused = me.patch(f"/customers/{mine['customer_id']}", json={"status": "stopped"})
        assert (refused.status_code, refused.json()["error"]["field"]) == (403, "status")
        for method, path, body in (
            ("GET", "/customers", None),
            ("POST", "/customers", {"phone": new_phone()}),
            ("PUT", "/admin/customer-numbers", {"next": 10**9}),
            ("POST", "/admin/staff", {"email": new_email(), "role": "admin"}),
        ):
            assert me.request(method, path, json=body).status_code == 403, path
        booking = {"customer": other["customer_number"], "service": "wash", "amount": "10"}
        assert me.post("/bookings", json=booking).status_code == 404
        assert me.post("/bookings", json=booking | {"customer": new_phone()}).status_code == 404  # creates no one
        own = me.post("/bookings", json=booking | {"customer": mine["customer_number"]})
        assert own.status_code == 201
        booking_id = own.json()["booking"]["booking_id"]
        assert me.patch(f"/bookings/{booking_id}", json={"status": "completed"}).status_code == 403
        assert me.patch(f"/bookings/{booking_id}", json={"status": "cancelled"}).status_code == 200
    others_booking = api.post("/bookings", json=booking).json()["booking"]["booking_id"]
    with authorized(signed_in["token"], base_url) as me:
        assert me.patch(f"/bookings/{others_booking}", json={"status": "cancelled"}).status_code == 404


def test_a_delivery_person_sees_only_assigned_customers(anonymous: httpx.Client, api: httpx.Client) -> None:
    ravi_id, ravi = staff(api, anonymous, "delivery_boy")
    supplier_id, _ = staff(api, anonymous, "supplier")
    assigned = api.post("/customers", json={"phone": new_phone(), "area": "Sector 9"}).json()["customer"]
    unassigned = api.post("/customers", json={"phone": new_phone()}).json()["customer"]
    wrong = api.patch(f"/customers/{assigned['customer_id']}", json={"delivery_person_id": supplier_id})
    assert (wrong.status_code, wrong.json()["error"]["field"]) == (422, "delivery_person_id")
    ok = api.patch(f"/customers/{assigned['customer_id']}", json={"delivery_person_id": ravi_id})
    assert ok.json()["customer"]["delivery_person_id"] == ravi_id
    with ravi:
        assert ravi.get("/me").json()["account"]["role"] == "delivery_person"
        assert ravi.get(f"/customers/{assigned['customer_number']}").status_code == 200
        assert ravi.get(f"/customers/{unassigned['customer_number']}").status_code == 404
        listed = ravi.get("/customers").json()
        assert [c["customer_id"] for c in listed["items"]] == [assigned["customer_id"]]
        assert (
            ravi.get("/customers", params={"area": "sector 9"}).json()["items"][0]["customer_id"]
            == assigned["customer_id"]
        )
        assert ravi.patch(f"/customers/{assigned['customer_id']}", json={"name": "x"}).status_code == 403
        booking = api.post("/bookings", json={"customer": assigned["customer_id"], "service": "milk", "amount": 2})
        booking_id = booking.json()["booking"]["booking_id"]
        assert ravi.patch(f"/bookings/{booking_id}", json={"status": "completed"}).status_code == 200
        assert (
            ravi.post("/bookings", json={"customer": assigned["customer_id"], "service": "x", "amount": 1}).status_code
            == 403
        )


def test_staff_created_customers_cannot_be_claimed_without_the_phone(
    anonymous: httpx.Client, api: httpx.Client
) -> None:
    phone, email = new_phone(), new_email("typed-by-staff")
    api.post("/customers", json={"phone": phone, "email": email, "name": "Walk-in"})
    for guess in ("", "password", phone):
        assert anonymous.post("/auth/login", json={"phone": phone, "password": guess or "x"}).status_code == 401
    assert forgot_password(anonymous, {"email": email}).status_code == 202
    assert "token" not in latest_text(anonymous, email)  # the email gets advice, not a way in
    wrong = anonymous.post("/auth/otp/verify", json={"phone": phone, "code": "000000"})
    assert wrong.status_code == 401
    owner = sign_in(anonymous, phone)  # the phone's holder can
    assert owner["created"] is False and owner["customer"]["email"] == email


def test_dev_outbox_checks_its_parameter(anonymous: httpx.Client) -> None:
    assert anonymous.get("/dev/outbox").status_code == 422
    assert anonymous.get("/dev/outbox", params={"to": "12"}).json()["error"]["code"] == "invalid_to"
    assert anonymous.get("/dev/outbox", params={"to": new_email()}).json() == {"messages": []}
