"""Text people type is stored as they meant it, NFC-normalised, and never carries control characters (issue 11)."""

import json
import unicodedata

import pytest

from tests.unit.conftest import load_event

BAD = {
    "nul": "\x00",
    "bell": "\x07",
    "escape": "\x1b[31m",
    "tab": "\t",
    "cr": "\r",
    "lf": "\n",
    "delete": "\x7f",
    "c1": "\x9b",
    "rlo": "\u202e",
    "lre": "\u202a",
    "lri": "\u2066",
    "pdi": "\u2069",
    "surrogate": "\ud800",
}


def with_body(name: str, body: dict) -> dict:
    event = load_event(name)
    headers = {k: v for k, v in event["headers"].items() if k != "Idempotency-Key"}
    return {**event, "headers": headers, "multiValueHeaders": None, "body": json.dumps(body)}


CASES = [
    ("create_customer", {"phone": "9717619183"}, "name"),
    ("create_customer", {"phone": "9717619183"}, "address"),
    ("create_customer", {"phone": "9717619183"}, "area"),
    ("update_customer", {}, "name"),
    ("create_booking", {"customer": "9717619183", "amount": "1.00", "service": "x"}, "service"),
    ("create_booking", {"customer": "9717619183", "amount": "1.00", "service": "x"}, "notes"),
    ("create_staff", {"email": "kiran@example.com", "role": "supplier"}, "name"),
]


@pytest.mark.parametrize(
    ("route", "body", "field", "bad"),
    [("create_customer", {"phone": "9717619183"}, "name", bad) for bad in BAD.values()]
    + [(route, body, field, BAD["rlo"]) for route, body, field in CASES],
    ids=[f"name-{name}" for name in BAD] + [f"{route}.{field}" for route, _, field in CASES],
)
def test_control_and_bidi_characters_are_refused_naming_the_field(
    invoke, route: str, body: dict, field: str, bad: str
) -> None:
    if route == "update_customer":
        invoke("create_customer")
    status, answer = invoke(route, with_body(route, body | {field: f"Asha{bad}Rao"}))
    assert (status, answer["error"]["code"], answer["error"]["field"]) == (422, f"invalid_{field}", field), answer


@pytest.mark.parametrize(
    "typed", ["Zoe\u0308 Ba\u0301rd", "राहुल शर्मा", "山田 太郎", "محمد", "Łukasz Żółć", "O'Brien-Smith", "👩🏽‍🍳 Asha"]
)
def test_real_scripts_are_kept_exactly_after_nfc(invoke, typed: str) -> None:
    expected = unicodedata.normalize("NFC", typed)
    status, body = invoke(
        "create_customer", with_body("create_customer", {"phone": "9717619183", "name": typed, "area": typed})
    )
    assert status == 201 and (body["customer"]["name"], body["customer"]["area"]) == (expected, expected)
    assert invoke("get_customer")[1]["customer"]["name"].encode() == expected.encode()
    status, body = invoke(
        "create_booking",
        with_body("create_booking", {"customer": "9717619183", "amount": "1", "service": typed, "notes": typed}),
    )
    assert status == 201 and (body["booking"]["service"], body["booking"]["notes"]) == (expected, expected)


def test_decomposed_input_is_stored_composed(invoke) -> None:
    status, body = invoke("create_customer", with_body("create_customer", {"phone": "9717619183", "name": "Zoe\u0308"}))
    assert status == 201 and body["customer"]["name"] == "Zo\u00eb"


def test_an_address_may_span_lines_but_refuses_other_controls(invoke) -> None:
    lines = "12 MG Road,\nFlat 3\r\nBengaluru"
    status, body = invoke("create_customer", with_body("create_customer", {"phone": "9717619183", "address": lines}))
    assert status == 201 and body["customer"]["address"] == lines
    status, body = invoke("create_customer", with_body("create_customer", {"phone": "9717619184", "address": "A\tB"}))
    assert (status, body["error"]["field"]) == (422, "address")
