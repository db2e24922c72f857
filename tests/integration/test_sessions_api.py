"""Sessions over real HTTP: refresh with rotation, theft detection, sign-out, expiry, cookie mode (issue 18)."""

import re
import threading
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor

import httpx
import pytest

from devserver.process import local_server
from tests.integration.conftest import UNLIMITED, authorized, forgot_password
from tests.integration.test_auth_api import code_for, latest_text, new_phone

pytestmark = pytest.mark.integration

# The short-lived server: a spent token is a retry for 1 s, a session ends after 4 s without a
# refresh or 9 s after its sign-in.
GRACE, IDLE, ABSOLUTE = 1, 4, 9
BROWSER = {"X-Requested-With": "fetch"}


@pytest.fixture(scope="module")
def short_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    env = {
        "REFRESH_GRACE_SECONDS": str(GRACE),
        "SESSION_IDLE_SECONDS": str(IDLE),
        "SESSION_ABSOLUTE_SECONDS": str(ABSOLUTE),
    }
    with local_server(tmp_path_factory.mktemp("short-sessions"), env=env) as url:
        yield url


@pytest.fixture
def short(short_url: str) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=short_url, timeout=120, limits=UNLIMITED) as client:
        yield client


def sign_in(client: httpx.Client, phone: str, **extra: str) -> httpx.Response:
    response = client.post("/auth/otp/verify", json={"phone": phone, "code": code_for(client, phone)} | extra)
    assert response.status_code == 200, response.text
    return response


def me(client: httpx.Client, token: str) -> httpx.Response:
    return client.get("/me", headers={"Authorization": f"Bearer {token}"})


def refresh(client: httpx.Client, token: str) -> httpx.Response:
    return client.post("/auth/refresh", json={"refresh_token": token})


def refused(response: httpx.Response) -> bool:
    return response.status_code == 401 and response.json()["error"]["code"] == "session_revoked"


def test_a_sign_in_refreshes_with_rotation_and_the_spent_token_is_refused_after_the_grace_window(
    short: httpx.Client,
) -> None:
    first = sign_in(short, new_phone()).json()
    assert first["refresh_token"] and first["refresh_expires_in"] > 0
    renewed = refresh(short, first["refresh_token"])
    assert renewed.status_code == 200
    pair = renewed.json()
    assert pair["refresh_token"] != first["refresh_token"] and pair["token"] != first["token"]
    assert refresh(short, first["refresh_token"]).json() == pair  # a retry within the grace window: the same pair
    assert me(short, pair["token"]).status_code == 200

    time.sleep(GRACE + 0.5)
    assert refused(refresh(short, first["refresh_token"]))  # reused after the window: theft
    # The whole session ended at once: its newest access token and its newest refresh token too.
    assert refused(me(short, pair["token"]))
    assert refused(refresh(short, pair["refresh_token"]))
    assert refused(me(short, first["token"]))


def test_every_bad_refresh_token_gets_the_same_answer(anonymous: httpx.Client) -> None:
    real = sign_in(anonymous, new_phone()).json()["refresh_token"]
    account, session, generation, mac = real.split(".")
    forged = [
        "nonsense",
        f"{account}.{session}.{generation}.{mac[:-2]}AA",  # a wrong MAC: not ours, and the session lives on
        f"{account}.{session}.7.{mac}",  # a generation never issued
        f"{account}.{'0' * 32}.0.{mac}",  # no such session
    ]
    answers = [anonymous.post("/auth/refresh", json={"refresh_token": token}) for token in forged]
    assert {(a.status_code, a.json()["error"]["code"], a.json()["error"]["message"]) for a in answers} == {
        (401, "session_revoked", "this session has ended; sign in again")
    }
    assert refresh(anonymous, real).status_code == 200  # forgeries end nothing


@pytest.fixture(scope="module")
def patient_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A server whose grace window outlasts any queue: 32 requests on a loaded 2-core machine can take
    longer than the default 10 s, and a request answered after the window is (rightly) theft."""
    with local_server(tmp_path_factory.mktemp("patient-sessions"), env={"REFRESH_GRACE_SECONDS": "120"}) as url:
        yield url


def test_32_concurrent_refreshes_of_one_token_leave_exactly_one_live_pair(patient_url: str) -> None:
    anonymous = httpx.Client(base_url=patient_url, timeout=120, limits=UNLIMITED)
    # First, 32 environments of the refresh function, as a service under load has them.
    warm = threading.Barrier(32)
    with ThreadPoolExecutor(32) as pool:
        list(pool.map(lambda _: (warm.wait(), refresh(anonymous, "warm.up.0.x")), range(32)))
    first = sign_in(anonymous, new_phone()).json()
    barrier = threading.Barrier(32)

    def one(_: int) -> httpx.Response:
        barrier.wait()
        return refresh(anonymous, first["refresh_token"])

    started = time.monotonic()
    with ThreadPoolExecutor(32) as pool:
        answers = list(pool.map(one, range(32)))
    took = time.monotonic() - started
    assert [a.status_code for a in answers] == [200] * 32, (took, [a.text for a in answers if a.status_code != 200][:3])
    pairs = {(a.json()["token"], a.json()["refresh_token"]) for a in answers}
    assert len(pairs) == 1  # every request got the one new pair
    ((access, newest),) = pairs
    sessions = authorized(access, str(anonymous.base_url)).get("/me/sessions").json()["items"]
    assert len(sessions) == 1 and sessions[0]["current"] is True
    assert refresh(anonymous, newest).status_code == 200  # and it is live: it rotates once more


def test_logout_and_logout_everywhere_take_effect_on_the_next_request(anonymous: httpx.Client) -> None:
    phone = new_phone()
    phone_a, phone_b, phone_c = (sign_in(anonymous, phone).json() for _ in range(3))
    listed = authorized(phone_b["token"], str(anonymous.base_url)).get("/me/sessions").json()["items"]
    assert len(listed) == 3 and [item["current"] for item in listed].count(True) == 1

    out = anonymous.post("/auth/logout", json={}, headers={"Authorization": f"Bearer {phone_a['token']}"})
    assert out.status_code == 200 and out.json() == {"ended": 1}
    assert refused(me(anonymous, phone_a["token"]))
    assert refused(refresh(anonymous, phone_a["refresh_token"]))
    assert me(anonymous, phone_b["token"]).status_code == 200

    everywhere = {"everywhere": True}
    out = anonymous.post("/auth/logout", json=everywhere, headers={"Authorization": f"Bearer {phone_b['token']}"})
    assert out.status_code == 200 and out.json() == {"ended": 2}
    assert refused(me(anonymous, phone_b["token"])) and refused(me(anonymous, phone_c["token"]))
    assert refused(refresh(anonymous, phone_c["refresh_token"]))


def test_one_session_ended_from_the_list_and_all_of_a_customer_by_an_admin(
    anonymous: httpx.Client, api: httpx.Client
) -> None:
    phone = new_phone()
    mine, lost = sign_in(anonymous, phone).json(), sign_in(anonymous, phone).json()
    client = authorized(mine["token"], str(anonymous.base_url))
    other = next(item for item in client.get("/me/sessions").json()["items"] if not item["current"])
    assert client.delete(f"/me/sessions/{other['session_id']}").json() == {"ended": 1}
    assert refused(me(anonymous, lost["token"]))
    gone = client.delete(f"/me/sessions/{other['session_id']}")
    assert (gone.status_code, gone.json()["error"]["code"]) == (404, "session_not_found")

    number = sign_in(anonymous, phone).json()["customer"]["customer_number"]
    assert api.delete(f"/admin/customers/{number}/sessions").json() == {"ended": 2}
    assert refused(me(anonymous, mine["token"]))
    forbidden = anonymous.delete(
        f"/admin/customers/{number}/sessions", headers={"Authorization": f"Bearer {mine['token']}"}
    )
    assert forbidden.status_code == 401  # its session ended: refused before the role is even looked at


def test_a_password_reset_from_another_device_ends_the_other_sessions(anonymous: httpx.Client) -> None:
    phone = new_phone()
    phone_session = sign_in(anonymous, phone).json()
    password = authorized(phone_session["token"], str(anonymous.base_url)).put(
        "/me/credentials", json={"password": "first long password"}
    )
    assert password.status_code == 200
    laptop = anonymous.post("/auth/login", json={"phone": phone, "password": "first long password"}).json()

    assert forgot_password(anonymous, {"phone": phone}).status_code == 202
    reset_token = re.search(r"token is (\S+)", latest_text(anonymous, phone))
    assert reset_token
    reset = anonymous.post("/auth/password/reset", json={"token": reset_token.group(1), "password": "second password"})
    assert reset.status_code == 200
    assert me(anonymous, reset.json()["token"]).status_code == 200
    for ended in (phone_session, laptop):
        assert refused(me(anonymous, ended["token"]))
        assert refused(refresh(anonymous, ended["refresh_token"]))


def test_a_password_change_ends_every_other_session_but_not_this_one(anonymous: httpx.Client) -> None:
    phone = new_phone()
    this, other = sign_in(anonymous, phone).json(), sign_in(anonymous, phone).json()
    changed = authorized(this["token"], str(anonymous.base_url)).put("/me/credentials", json={"password": "a long one"})
    assert changed.status_code == 200
    assert me(anonymous, this["token"]).status_code == 200
    assert refused(me(anonymous, other["token"]))


def test_a_phone_change_and_a_merge_end_the_customers_sessions(anonymous: httpx.Client, api: httpx.Client) -> None:
    moved, merged = sign_in(anonymous, new_phone()).json(), sign_in(anonymous, new_phone()).json()
    number = moved["customer"]["customer_number"]
    assert api.patch(f"/customers/{number}", json={"phone": new_phone()}).status_code == 200
    assert refused(me(anonymous, moved["token"]))

    survivor = sign_in(anonymous, new_phone()).json()
    into = survivor["customer"]["customer_number"]
    assert (
        api.post(f"/admin/customers/{merged['customer']['customer_number']}/merge", json={"into": into}).status_code
        == 200
    )
    assert refused(me(anonymous, merged["token"])) and refused(refresh(anonymous, merged["refresh_token"]))
    assert me(anonymous, survivor["token"]).status_code == 200


def test_a_session_ends_after_its_idle_time_without_a_refresh(short: httpx.Client) -> None:
    signed = sign_in(short, new_phone()).json()
    assert signed["refresh_expires_in"] <= IDLE
    assert me(short, signed["token"]).status_code == 200
    time.sleep(IDLE + 0.5)
    assert refused(me(short, signed["token"]))  # the access token has 15 minutes left, its session none
    assert refused(refresh(short, signed["refresh_token"]))


def test_a_session_ends_at_its_absolute_expiry_however_often_it_is_refreshed(short: httpx.Client) -> None:
    started = time.monotonic()
    pair = sign_in(short, new_phone()).json()
    while time.monotonic() - started < ABSOLUTE - 2:
        time.sleep(1)
        renewed = refresh(short, pair["refresh_token"])
        assert renewed.status_code == 200, (time.monotonic() - started, renewed.text)
        pair = renewed.json()
    assert pair["refresh_expires_in"] <= ABSOLUTE
    time.sleep(max(0.0, ABSOLUTE + 0.5 - (time.monotonic() - started)))
    assert refused(me(short, pair["token"]))
    assert refused(refresh(short, pair["refresh_token"]))


def set_cookies(response: httpx.Response) -> list[str]:
    return response.headers.get_list("set-cookie")


def cookie_value(response: httpx.Response) -> str:
    (header,) = set_cookies(response)
    return header.split(";")[0].split("=", 1)[1]


def test_cookie_mode_never_puts_the_refresh_token_in_a_body_and_refuses_cross_site_requests(
    anonymous: httpx.Client,
) -> None:
    signed = sign_in(anonymous, new_phone(), refresh_in="cookie")
    (header,) = set_cookies(signed)
    attributes = {part.strip().split("=")[0].lower(): part.strip() for part in header.split(";")[1:]}
    assert {"httponly", "secure", "samesite", "path"} <= set(attributes)
    assert attributes["samesite"] == "SameSite=Strict" and attributes["path"] == "Path=/auth"
    token = cookie_value(signed)
    assert len(token) > 43 and signed.json()["refresh_token"] is None and token not in signed.text

    cookie = {"Cookie": f"refresh_token={token}"}
    for headers, why in (
        (cookie, "X-Requested-With"),
        (cookie | BROWSER | {"Origin": "https://evil.example"}, "Origin"),
        (cookie | BROWSER | {"Sec-Fetch-Site": "cross-site"}, "Sec-Fetch-Site"),
    ):
        answer = anonymous.post("/auth/refresh", json={}, headers=headers)
        assert (answer.status_code, answer.json()["error"]["code"], answer.json()["error"]["field"]) == (
            403,
            "cross_site_request",
            why,
        )
    same_origin = {"Origin": str(anonymous.base_url).rstrip("/"), "Sec-Fetch-Site": "same-origin"}
    renewed = anonymous.post("/auth/refresh", json={}, headers=cookie | BROWSER | same_origin)
    assert renewed.status_code == 200 and renewed.json()["refresh_token"] is None
    newest = cookie_value(renewed)
    assert newest != token and newest not in renewed.text and token not in renewed.text
    assert me(anonymous, renewed.json()["token"]).status_code == 200

    refused_out = anonymous.post("/auth/logout", json={}, headers={"Cookie": f"refresh_token={newest}"})
    assert refused_out.status_code == 403  # sign-out by cookie is checked the same way
    out = anonymous.post("/auth/logout", json={}, headers={"Cookie": f"refresh_token={newest}"} | BROWSER)
    assert out.status_code == 200 and out.json() == {"ended": 1}
    assert "Max-Age=0" in set_cookies(out)[0] and newest not in out.text
    assert refused(me(anonymous, renewed.json()["token"]))


def test_logout_by_refresh_token_and_without_any_token(short: httpx.Client) -> None:
    signed = sign_in(short, new_phone()).json()
    out = short.post("/auth/logout", json={"refresh_token": signed["refresh_token"]})
    assert out.status_code == 200 and out.json() == {"ended": 1}
    assert refused(me(short, signed["token"]))
    again = short.post("/auth/logout", json={"refresh_token": signed["refresh_token"]})
    assert refused(again)
    assert short.post("/auth/logout", json={}).status_code == 401  # nothing names a session


def test_an_email_change_ends_every_other_session_but_not_this_one(anonymous: httpx.Client) -> None:
    phone, email = new_phone(), f"sessions.{new_phone()[3:]}@example.com"
    this, other = sign_in(anonymous, phone).json(), sign_in(anonymous, phone).json()
    client = authorized(this["token"], str(anonymous.base_url))
    assert client.put("/me/credentials", json={"email": email}).status_code == 202
    assert me(anonymous, other["token"]).status_code == 200  # asking changes nothing yet
    proof = re.search(r"confirmation token is (\S+)", latest_text(anonymous, email))
    assert proof
    assert client.put("/me/credentials", json={"email_token": proof.group(1)}).status_code == 200
    assert me(anonymous, this["token"]).json()["account"]["email"] == email
    assert refused(me(anonymous, other["token"]))
    assert refused(refresh(anonymous, other["refresh_token"]))
