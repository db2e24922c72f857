"""Staff management over real HTTP: deactivation and role changes take effect at the next request,
listings page through the index, concurrent changes are safe."""

import uuid
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import httpx
import pytest

from tests.integration.conftest import authorized, forgot_password

pytestmark = pytest.mark.integration
PASSWORD = "staff password 1"


def new_staff(api: httpx.Client, role: str, tag: str = "staff") -> tuple[str, str]:
    """A new staff account of ``role``: (its id, its email)."""
    email = f"{tag}.{uuid.uuid4().hex[:10]}@example.com"
    created = api.post("/admin/staff", json={"email": email, "role": role, "password": PASSWORD})
    assert created.status_code == 201, created.text
    return created.json()["account"]["account_id"], email


def login(anonymous: httpx.Client, email: str) -> httpx.Response:
    return anonymous.post("/auth/login", json={"email": email, "password": PASSWORD})


def signed_in(anonymous: httpx.Client, email: str) -> httpx.Client:
    response = login(anonymous, email)
    assert response.status_code == 200, response.text
    return authorized(response.json()["token"], str(anonymous.base_url))


def concurrently(requests: list[Any]) -> list[httpx.Response]:
    with ThreadPoolExecutor(max_workers=len(requests)) as pool:
        return list(pool.map(lambda request: request(), requests))


def error_code(response: httpx.Response) -> str:
    return response.json()["error"]["code"]


def test_a_deactivated_delivery_person_is_out_at_once_and_reactivation_restores_sign_in(
    api: httpx.Client, anonymous: httpx.Client
) -> None:
    rider_id, email = new_staff(api, "delivery_person", "rider")
    with signed_in(anonymous, email) as rider:
        assert rider.get("/customers").status_code == 200
        changed = api.patch(f"/admin/staff/{rider_id}", json={"active": False})
        assert changed.status_code == 200 and changed.json()["account"]["active"] is False
        refused = rider.get("/customers")  # the very next request
        assert (refused.status_code, error_code(refused)) == (401, "account_deactivated")
        assert refused.headers["www-authenticate"].startswith("Bearer")
        assert (login(anonymous, email).status_code, error_code(login(anonymous, email))) == (
            401,
            "account_deactivated",
        )
        assert forgot_password(anonymous, {"email": email}).status_code == 202  # waits for the worker
        assert anonymous.get("/dev/outbox", params={"to": email}).json()["messages"] == []  # no reset sent

        assert api.patch(f"/admin/staff/{rider_id}", json={"active": True}).json()["account"]["active"] is True
        assert (
            error_code(rider.get("/customers")) == "account_deactivated"
        )  # old tokens stay dead (their sessions ended)
    with signed_in(anonymous, email) as again:
        me = again.get("/me").json()["account"]
        assert (me["account_id"], me["active"], me["deactivated_at"]) == (rider_id, True, None)


def test_demoting_an_admin_removes_admin_rights_at_once(api: httpx.Client, anonymous: httpx.Client) -> None:
    other_id, email = new_staff(api, "admin", "deputy")
    with signed_in(anonymous, email) as deputy:
        assert deputy.get("/admin/staff", params={"limit": 1}).status_code == 200
        assert api.patch(f"/admin/staff/{other_id}", json={"role": "supplier"}).status_code == 200
        refused = deputy.get("/admin/staff", params={"limit": 1})
        assert (refused.status_code, error_code(refused)) == (401, "token_revoked")
        assert (
            deputy.post("/admin/staff", json={"email": f"x{uuid.uuid4().hex}@example.com", "role": "admin"}).status_code
            == 401
        )
    with signed_in(anonymous, email) as supplier:
        assert supplier.get("/me").json()["account"]["role"] == "supplier"
        assert supplier.get("/admin/staff").status_code == 403


def test_admins_cannot_deactivate_or_demote_themselves(api: httpx.Client, anonymous: httpx.Client) -> None:
    boss_id, email = new_staff(api, "admin", "boss")
    with signed_in(anonymous, email) as boss:
        for body, field in (({"active": False}, "active"), ({"role": "delivery_person"}, "role")):
            refused = boss.patch(f"/admin/staff/{boss_id}", json=body)
            assert (refused.status_code, error_code(refused), refused.json()["error"]["field"]) == (
                409,
                "own_account",
                field,
            )
        assert boss.patch(f"/admin/staff/{boss_id}", json={"name": "Boss"}).status_code == 200
        assert boss.get("/admin/staff", params={"limit": 1}).status_code == 200  # still an admin


def test_bad_changes_name_their_field_and_unknown_accounts_are_404(api: httpx.Client) -> None:
    rider_id, _ = new_staff(api, "delivery_person")
    for body, code in (
        ({"active": "no"}, "invalid_active"),
        ({"role": "owner"}, "invalid_role"),
        ({}, "missing_field"),
    ):
        refused = api.patch(f"/admin/staff/{rider_id}", json=body)
        assert (refused.status_code, error_code(refused)) == (422, code), refused.text
    missing = api.patch("/admin/staff/stf_nobody", json={"name": "x"})
    assert (missing.status_code, error_code(missing)) == (404, "staff_not_found")


def test_listing_by_role_pages_through_every_account_once(api: httpx.Client) -> None:
    mine = [new_staff(api, "marketing_staff", "promo")[0] for _ in range(5)]
    assert api.patch(f"/admin/staff/{mine[0]}", json={"active": False}).status_code == 200
    seen: list[dict[str, Any]] = []
    cursor = None
    while True:
        params = {"role": "marketing_staff", "limit": 2} | ({"cursor": cursor} if cursor else {})
        page = api.get("/admin/staff", params=params)
        assert page.status_code == 200, page.text
        seen += page.json()["items"]
        cursor = page.json()["next_cursor"]
        if cursor is None:
            break
    ids = [account["account_id"] for account in seen]
    assert len(ids) == len(set(ids)) and set(mine) <= set(ids)
    assert {account["role"] for account in seen} == {"marketing_staff"}
    states = [account["active"] for account in seen]
    assert states == sorted(states, reverse=True)  # active ones first
    assert "$argon2" not in str(seen) and not any("password_hash" in account for account in seen)
    deactivated = api.get("/admin/staff", params={"role": "marketing_staff", "active": "false", "limit": 100})
    assert mine[0] in [account["account_id"] for account in deactivated.json()["items"]]
    assert (
        error_code(api.get("/admin/staff", params={"role": "supplier", "cursor": page.json()["next_cursor"] or "x"}))
        == "invalid_cursor"
    )


def test_concurrent_changes_of_one_account_all_apply(api: httpx.Client, base_url: str) -> None:
    rider_id, _ = new_staff(api, "delivery_person")
    names = [f"Name {i}" for i in range(8)]
    answers = concurrently(
        [lambda name=name: api.patch(f"/admin/staff/{rider_id}", json={"name": name}) for name in names]
        + [lambda: api.patch(f"/admin/staff/{rider_id}", json={"active": False})]
    )
    assert [answer.status_code for answer in answers] == [200] * 9, [a.text for a in answers]
    final = api.get("/admin/staff", params={"role": "delivery_person", "active": "false", "limit": 100}).json()
    account = next(a for a in final["items"] if a["account_id"] == rider_id)
    assert account["active"] is False and account["name"] in names  # no change was lost


def test_two_admins_demoting_each_other_at_once_leave_one_admin(api: httpx.Client, anonymous: httpx.Client) -> None:
    for _ in range(3):
        (first_id, first_email), (second_id, second_email) = new_staff(api, "admin", "a"), new_staff(api, "admin", "b")
        with signed_in(anonymous, first_email) as first, signed_in(anonymous, second_email) as second:
            answers = concurrently(
                [
                    lambda c=first, target=second_id: c.patch(f"/admin/staff/{target}", json={"active": False}),
                    lambda c=second, target=first_id: c.patch(f"/admin/staff/{target}", json={"role": "supplier"}),
                ]
            )
        # The loser is refused by the transaction (403) or, if the winner committed first, by its token (401).
        statuses = sorted(answer.status_code for answer in answers)
        assert statuses in ([200, 401], [200, 403]), [a.text for a in answers]
        admins = api.get("/admin/staff", params={"role": "admin", "active": "true", "limit": 100}).json()["items"]
        assert len({first_id, second_id} & {a["account_id"] for a in admins}) == 1
