"""Strict numbers and clean text at the HTTP edge (issue 11)."""

import json
from urllib.parse import quote

import pytest

from tests.unit.conftest import load_event


def booking(**fields: object) -> dict:
    event = load_event("create_booking")
    headers = {k: v for k, v in event["headers"].items() if k != "Idempotency-Key"}
    body = {"customer": "9717619183", "service": "Ironing", "amount": "10.00"} | fields
    return {**event, "headers": headers, "multiValueHeaders": None, "body": json.dumps(body)}


def refused(answer: tuple[int, dict], field: str) -> bool:
    status, body = answer
    return status == 422 and body["error"]["field"] == field and body["error"]["code"] == f"invalid_{field}"


@pytest.mark.parametrize(
    "amount",
    [
        "1e2",
        "1E+2",
        "1_000",
        "\u0661\u0660\u0660",
        "\u0967\u0966\u0966",
        " 1.00 ",
        "+5",
        "-0",
        "-0.00",
        "-1",
        "1.001",
        "NaN",
        "Infinity",
        "",
        "0x10",
        "1.",
        ".5",
        True,
        False,
        None,
        "1,00",
        "\uff11\uff10\uff10",
    ],
)
def test_amounts_are_plain_ascii_decimals_only(invoke, amount: object) -> None:
    assert refused(invoke("create_booking", booking(amount=amount)), "amount"), amount


@pytest.mark.parametrize(
    ("amount", "stored"), [("249.5", "249.50"), ("0", "0.00"), ("007.10", "7.10"), (249.5, "249.50"), (12, "12.00")]
)
def test_plain_amounts_are_accepted_and_normalised(invoke, amount: object, stored: str) -> None:
    status, body = invoke("create_booking", booking(amount=amount))
    assert (status, body["booking"]["amount"]) == (201, stored)
    history = invoke("list_customer_bookings")[1]["items"]
    assert history[0]["amount"] == stored


@pytest.mark.parametrize(
    "when",
    [
        -1,
        0,
        1795000000,
        True,
        "tomorrow",
        "2026-13-01T00:00:00Z",
        "2026-11-22",
        "\u0662\u0660\u0662\u0666-11-22T09:00:00Z",
    ],
)
def test_scheduled_for_is_an_iso_8601_date_time_only(invoke, when: object) -> None:
    assert refused(invoke("create_booking", booking(scheduled_for=when)), "scheduled_for"), when


def test_an_iso_8601_date_time_is_kept(invoke) -> None:
    status, body = invoke("create_booking", booking(scheduled_for="2026-11-22T09:00:00+05:30"))
    assert (status, body["booking"]["scheduled_for"]) == (201, "2026-11-22T09:00:00+05:30")


@pytest.mark.parametrize("value", [True, False, "24", 24.0, 24.5])
def test_the_next_number_is_a_json_integer_not_a_boolean(invoke, value: object) -> None:
    event = {**load_event("set_next_customer_number"), "body": json.dumps({"next": value})}
    assert refused(invoke("set_next_customer_number", event), "next"), value


@pytest.mark.parametrize("ref", ["PL\u0663", "PL\uff13", "PL\u0969"])
def test_customer_numbers_are_ascii_digits_only(invoke, domain, ref: str) -> None:
    for phone in ("9717619181", "9717619182", "9717619183"):
        domain.create(phone)
    event = load_event("get_customer")
    event |= {"path": f"/customers/{quote(ref)}", "pathParameters": {"ref": ref}}
    status, body = invoke("get_customer", event)
    assert (status, body["error"]["code"]) == (404, "customer_not_found"), body
    assert invoke("get_customer", event | {"pathParameters": {"ref": "pl3"}})[0] == 200
