"""What docs/openapi.json promises a client, read from the document itself (`make test` checks it is current)."""

import json
import re
from typing import Any

import pytest

from customer_identity.core.errors import InvalidInput
from customer_identity.core.models.customers import NewCustomer
from customer_identity.use_cases.identity.phones import normalise_phone
from devserver.openapi import DOCUMENT_PATH

DOCUMENT = json.loads(DOCUMENT_PATH.read_text())
OPERATIONS = [
    (f"{method.upper()} {path}", operation)
    for path, operations in DOCUMENT["paths"].items()
    for method, operation in operations.items()
]
ERROR_BODY = {"$ref": "#/components/schemas/ErrorBody"}


def ids(pairs: list[tuple[str, Any]]) -> list[str]:
    return [name for name, _ in pairs]


def properties(schema: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return schema.get("properties", {})


def branches(schema: dict[str, Any]) -> list[dict[str, Any]]:
    """The non-null alternatives of a property (``X | None`` is an ``anyOf`` with null)."""
    return [branch for branch in schema.get("anyOf", [schema]) if branch.get("type") != "null"]


@pytest.mark.parametrize(("name", "operation"), OPERATIONS, ids=ids(OPERATIONS))
def test_every_operation_documents_a_typed_success(name: str, operation: dict[str, Any]) -> None:
    successes = {status: answer for status, answer in operation["responses"].items() if status[0] in "23"}
    assert successes, f"{name} documents no success: a generated client returns None for it"
    for status, answer in successes.items():
        schemas = [content.get("schema") for content in answer.get("content", {}).values()]
        assert schemas and all(schemas), f"{name} {status} has no body schema"


@pytest.mark.parametrize(("name", "operation"), OPERATIONS, ids=ids(OPERATIONS))
def test_every_error_is_our_error_body_with_its_headers(name: str, operation: dict[str, Any]) -> None:
    responses = operation["responses"]
    for status, answer in responses.items():
        if status[0] in "45":
            assert answer["content"] == {"application/json": {"schema": ERROR_BODY}}, f"{name} {status}"
    for status, header in [("401", "WWW-Authenticate"), ("429", "Retry-After"), ("503", "Retry-After")]:
        if status in responses:
            assert header in responses[status].get("headers", {}), f"{name} {status} does not declare {header}"
    if "303" in responses:
        assert "Location" in responses["303"]["headers"]
    if operation["security"]:
        assert "401" in responses, f"{name} needs a token but documents no 401"
    if "requestBody" in operation or name.split()[0] in {"POST", "PUT", "PATCH"}:
        assert {"400", "413", "415"} <= set(responses), f"{name} takes a body: 400, 413 and 415 can happen"
    validated = [parameter for parameter in operation.get("parameters", []) if parameter["in"] != "path"]
    if "requestBody" in operation or validated:  # (a path parameter is any string: it cannot fail)
        assert "422" in responses, f"{name} validates input: 422 can happen"


def test_operation_ids_are_readable_camel_case_names() -> None:
    names = [operation["operationId"] for _, operation in OPERATIONS]
    assert len(names) == len(set(names))
    assert [name for name in names if not re.fullmatch(r"[a-z]+(?:[A-Z][a-z]+)*", name)] == []
    assert {"getCustomer", "listCustomers", "createBooking", "verifyOtp", "getMe"} <= set(names)


def test_powertools_validation_error_shape_is_gone() -> None:
    assert "HTTPValidationError" not in json.dumps(DOCUMENT)


def test_idempotency_key_is_a_declared_header() -> None:
    (header,) = [p for p in DOCUMENT["paths"]["/bookings"]["post"]["parameters"] if p["in"] == "header"]
    assert header["name"].lower() == "idempotency-key" and header["schema"]["maxLength"] == 255


def test_timestamps_are_date_times_and_amounts_decimal_strings_in_both_directions() -> None:
    schemas = DOCUMENT["components"]["schemas"]
    seen = set()
    for model, schema in schemas.items():
        for name, field in properties(schema).items():
            if name.endswith("_at") or name in {"at", "scheduled_for"}:
                assert [branch.get("format") for branch in branches(field)] == ["date-time"], f"{model}.{name}"
                seen.add("time")
            if name in {"amount", "total_spent", "previous_balance"}:
                assert [(b["type"], bool(b.get("pattern"))) for b in branches(field)] == [("string", True)], (
                    f"{model}.{name}"
                )
                seen.add("money")
    assert seen == {"time", "money"}
    assert schemas["NewBooking"]["properties"]["amount"]["pattern"] == r"^[0-9]{1,12}(\.[0-9]{1,2})?$"


@pytest.mark.parametrize(
    ("field", "samples"),
    [
        (
            "phone",
            [
                "+91 97176 19183",
                "097176-19183",
                "user_9717619183",
                "CUST-7F3A",
                "98x",
                "+",
                "\u0669\u0668\u0661\u0661\u0661\u0662\u0662\u0662\u0663\u0663",
            ],
        ),
        ("name", ["Zoë", "राहुल", "山田", "a\x00b", "Ravi\x1b[31m", "x\u202ey", "line\nbreak"]),
        ("address", ["12 MG Road\r\nBlock B", "tab\there", "x\u2066y"]),
    ],
)
def test_request_patterns_say_what_the_server_accepts(field: str, samples: list[str]) -> None:
    """A pattern matches exactly the samples the server's own validation accepts (for a phone: its shape)."""
    (schema,) = branches(DOCUMENT["components"]["schemas"]["NewCustomer"]["properties"][field])
    pattern = re.compile(schema["pattern"])
    for text in samples:
        try:
            NewCustomer.model_validate({"phone": "+919717619183", field: text})
            if field == "phone":
                normalise_phone(text, "IN")
            accepted = True
        except (ValueError, InvalidInput):  # pydantic's ValidationError, InvalidPhone
            accepted = False
        assert bool(pattern.search(text)) == accepted, (text, accepted)
