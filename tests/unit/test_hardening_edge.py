"""The HTTP edge refuses bodies it must not parse: too deep, too large, not JSON (issue 11)."""

import json

import pytest

from devserver.template import routes
from tests.unit.conftest import load_event

BODY_ROUTES = [route.code_dir.name for route in routes() if route.method in {"POST", "PUT", "PATCH"}]


def with_body(name: str, body: str, content_type: str | None = "application/json") -> dict:
    event = load_event(name)
    headers = {k: v for k, v in event["headers"].items() if k.lower() != "content-type"}
    if content_type is not None:
        headers["Content-Type"] = content_type
    return {**event, "headers": headers, "multiValueHeaders": None, "body": body}


@pytest.mark.parametrize("name", BODY_ROUTES)
@pytest.mark.parametrize("body", ["[" * 100_000 + "]" * 100_000, '{"a":' * 50_000 + "1" + "}" * 50_000])
def test_deeply_nested_json_is_a_400_on_every_route_with_a_body(invoke, name: str, body: str) -> None:
    status, answer = invoke(name, with_body(name, body))
    assert status in (400, 413), (name, status, answer)
    assert answer["error"]["code"] in {"malformed_json", "payload_too_large"}


@pytest.mark.parametrize("name", BODY_ROUTES)
def test_nesting_within_the_size_limit_but_too_deep_is_a_400_malformed_json(invoke, name: str) -> None:
    status, answer = invoke(name, with_body(name, "[" * 5000 + "]" * 5000))
    assert (status, answer["error"]["code"], answer["error"]["field"]) == (400, "malformed_json", None), name
    assert "deeper" in answer["error"]["message"]


def test_an_oversized_body_is_a_413_in_our_shape(invoke) -> None:
    body = json.dumps({"phone": "9717619183", "name": "x" * 40_000})
    status, answer = invoke("request_otp", with_body("request_otp", body))
    assert (status, answer["error"]["code"]) == (413, "payload_too_large")


def test_brackets_inside_strings_do_not_count_as_nesting(invoke) -> None:
    body = json.dumps({"phone": "9717619183", "name": "[" * 100})
    status, answer = invoke("create_customer", with_body("create_customer", body))
    assert status == 201 and answer["customer"]["name"] == "[" * 100


FORM = "multipart/form-data; boundary=xyz"
MULTIPART_PHONE = '--xyz\r\nContent-Disposition: form-data; name="phone"\r\n\r\n+919717619183\r\n--xyz--\r\n'


@pytest.mark.parametrize(
    ("content_type", "body"),
    [
        (FORM, MULTIPART_PHONE),
        ("application/x-www-form-urlencoded", "phone=%2B919717619183"),
        ("text/plain", '{"phone": "+919717619183"}'),
        (None, '{"phone": "+919717619183"}'),
        ("application/json; charset=latin-1", '{"phone": "+919717619183"}'),
        ("application/jsonp", '{"phone": "+919717619183"}'),
        ("application/json-patch+json", '{"phone": "+919717619183"}'),
    ],
)
def test_only_json_bodies_are_read_others_get_415_in_our_shape_and_nothing_is_sent(
    invoke, content_type: str | None, body: str
) -> None:
    from customer_identity.use_cases.sign_in.notifications import outbox_messages

    status, answer = invoke("request_otp", with_body("request_otp", body, content_type))
    assert (status, answer["error"]["code"], answer["error"]["field"]) == (415, "unsupported_media_type", None)
    assert outbox_messages("+919717619183") == []


def test_a_multipart_form_login_gets_no_token(invoke, domain) -> None:
    from customer_identity.core.models.accounts import NewStaff

    domain.staff.create(NewStaff(email="kiran@example.com", role="admin", password="route 42 mornings"))
    form = "".join(
        f'--xyz\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n{value}\r\n'
        for name, value in (("email", "kiran@example.com"), ("password", "route 42 mornings"))
    )
    status, answer = invoke("login", with_body("login", form + "--xyz--\r\n", FORM))
    assert (status, answer["error"]["code"]) == (415, "unsupported_media_type") and "token" not in answer
    assert (
        invoke(
            "login", with_body("login", json.dumps({"email": "kiran@example.com", "password": "route 42 mornings"}))
        )[0]
        == 200
    )


@pytest.mark.parametrize(
    "content_type", ["APPLICATION/JSON", "application/json; charset=UTF-8", "Application/Json;charset=utf8"]
)
def test_json_in_any_case_with_a_utf8_charset_is_accepted(invoke, content_type: str) -> None:
    status, _ = invoke("request_otp", with_body("request_otp", '{"phone": "+919717619183"}', content_type))
    assert status == 202


def test_the_longest_legitimate_body_fits_even_fully_escaped(invoke) -> None:
    emoji = "\U0001f9fa"  # json.dumps writes it as a 12-byte \\u escape pair
    body = {"customer": "9717619183", "name": emoji * 200, "service": emoji * 100, "amount": "1.00"}
    body |= {"notes": emoji * 1000, "scheduled_for": "2026-11-22T09:00:00+05:30"}
    event = with_body("create_booking", json.dumps(body))
    event["headers"] = {k: v for k, v in event["headers"].items() if k != "Idempotency-Key"}
    status, answer = invoke("create_booking", event)
    assert status == 201 and answer["booking"]["notes"] == emoji * 1000


def test_two_content_types_are_refused(invoke) -> None:
    event = with_body("request_otp", '{"phone": "+919717619183"}')
    event["multiValueHeaders"] = {"Content-Type": ["application/json", "text/plain"]}
    assert invoke("request_otp", event)[1]["error"]["code"] == "unsupported_media_type"
