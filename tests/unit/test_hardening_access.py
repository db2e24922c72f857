"""A role that may not use a route gets the same answer whether or not the customer exists (issue 11)."""

import pytest

from tests.unit.conftest import load_event, real_staff_token


def at(name: str, ref: str) -> dict:
    event = load_event(name)
    path = event["path"].replace(event["pathParameters"]["ref"], ref)
    return {**event, "path": path, "pathParameters": {"ref": ref}}


def token(role: str) -> str:
    return real_staff_token(role)


@pytest.mark.parametrize(
    ("role", "route"),
    [
        ("supplier", "get_customer"),
        ("supplier", "update_customer"),
        ("marketing_staff", "update_customer"),
        ("delivery_person", "update_customer"),
        ("supplier", "list_customer_bookings"),
        ("marketing_staff", "list_customer_bookings"),
    ],
)
def test_a_role_without_access_cannot_tell_existing_from_missing_customers(
    invoke, domain, role: str, route: str
) -> None:
    existing = domain.create("9717619183").customer.customer_number
    answers = {ref: invoke(route, at(route, ref), token=token(role)) for ref in (existing, "PL999", "9800000000")}
    assert {status for status, _ in answers.values()} == {403}, answers
    assert len({str(body) for _, body in answers.values()}) == 1, answers


def test_a_marketing_person_finds_a_customer_they_did_not_sign_up_as_missing(invoke, domain) -> None:
    existing = domain.create("9717619183").customer.customer_number
    answers = {
        ref: invoke("get_customer", at("get_customer", ref), token=token("marketing_staff"))
        for ref in (
            existing,
            "PL999",
            "9800000000",
        )
    }
    assert {(status, body["error"]["code"]) for status, body in answers.values()} == {(404, "customer_not_found")}


@pytest.mark.parametrize("role", ["supplier", "marketing_staff"])
def test_roles_that_never_change_bookings_get_403_for_existing_and_missing_ones(invoke, role: str) -> None:
    status, created = invoke("create_booking")
    assert status == 201
    answers = []
    for booking_id in (created["booking"]["booking_id"], "bk_missing"):
        event = load_event("update_booking")
        event |= {"path": f"/bookings/{booking_id}", "pathParameters": {"booking_id": booking_id}}
        answers.append(invoke("update_booking", event, token=token(role)))
    assert answers[0] == answers[1] and answers[0][0] == 403, answers
