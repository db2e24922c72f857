"""The log filter masks secrets (by key) and personal data (by value), and leaves everything else byte-exact."""

from __future__ import annotations

import io
import json
import logging
import uuid
from collections.abc import Iterator

import pytest
from aws_lambda_powertools import Logger

from customer_identity.core.redaction import RedactingFilter, redact_text

JWT = "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiJjdXNfMSIsInJvbGUiOiJjdXN0b21lciJ9.c2lnbmF0dXJlLWJ5dGVz"

# Personal data in free text: (text, exactly what the log keeps of it).
MASKED_TEXT = [
    ("+919717619183", "+**********83"),
    ("+91 97176 19183", "+**********83"),
    ("+91-97176-19183", "+**********83"),
    ("919717619183", "+**********83"),
    ("09717619183", "+*********83"),
    ("9717619183", "+********83"),
    ("97176-19183", "+********83"),
    ("97176 19183", "+********83"),
    ("+1 (415) 555-2671", "+*********71"),
    ("+4915123456789", "+***********89"),
    ("user_9717619183", "user_+********83"),
    ("call 97176 19183 on 2024-05-01", "call +********83 on 2024-05-01"),
    ("to=+919717619183, status 503", "to=+**********83, status 503"),
    ("asha@example.com", "a***@e***"),
    ("Asha.Rao+test@mail.example.co.in", "A***@m***"),
    ("mail asha@example.com or call 9717619183", "mail a***@e*** or call +********83"),
    (JWT, "[token]"),
    (f"token={JWT}; path=/", "token=[token]; path=/"),
    ("Authorization: Bearer opaque-Token_123.x", "Authorization: Bearer [token]"),
    ("Your sign-in code is 123456", "Your sign-in code is [code]"),
    ("code 654321.", "code [code]."),
    ("sent 123456 to +919717619183", "sent [code] to +**********83"),
]

# Not personal data: kept byte-exact.
KEPT_TEXT = [
    "2024-05-01",
    "2024-12-31",
    "2024-05-01T10:00:00.000Z",
    "2024-05-01T10:00:00Z",
    "2024-05-01T10:00:00+05:30",
    "2024-05-01 10:00:00,123+0000",
    "scheduled for 2024-05-01T10:00:00.000Z, created 2024-04-30",
    "10:00:00",
    "550e8400-e29b-41d4-a716-446655440000",
    "12345678-1234-1234-1234-123456789012",
    "cus_3f2b1c4e5d6a7b8c9d0e1f2a3b4c5d6e",
    "bkg_0123456789abcdef0123456789abcdef",
    "Root=1-5759e988-bd862e3fe1be46a994272793",
    "PL12",
    "pl24",
    "PL123456",
    "invalid_phone",
    "too_many_codes",
    "busy",
    "request failed: 503 busy",
    "status 503",
    "took 1234 ms",
    "0",
    "42",
    "12345",
    "1234567",
    "amount 249.50",
    "amount 123456.78",
    "192.168.100.200",
    "3.37.0",
    "+91",
    "page 2 of 17, limit 100",
]


@pytest.mark.parametrize(("text", "expected"), MASKED_TEXT)
def test_personal_data_in_text_is_masked(text: str, expected: str) -> None:
    assert redact_text(text) == expected


@pytest.mark.parametrize("text", KEPT_TEXT)
def test_other_text_is_kept_byte_exact(text: str) -> None:
    assert redact_text(text) == text


SECRET_KEYS = [
    "password",
    "Password",
    "new_password",
    "current_password",
    "password_hash",
    "passcode",
    "token",
    "access_token",
    "reset_token",
    "refreshToken",
    "tokens",
    "authorization",
    "Authorization",
    "secret",
    "client_secret",
    "otp",
    "otp_code",
    "code",
    "sign_in_code",
    "signInCode",
    "verification_code",
    "api_key",
    "apiKey",
    "X-Api-Key",
    "cookie",
    "Set-Cookie",
    "hash",
    "jwt",
]

KEPT_KEYS = [
    "error_code",
    "status_code",
    "statusCode",
    "country_code",
    "currency_code",
    "error",
    "status",
    "channel",
    "customer_number",
    "customer_id",
    "scheduled_for",
    "count",
]


@pytest.fixture
def records() -> Iterator[tuple[logging.Logger, list[logging.LogRecord]]]:
    """A plain ``logging`` logger with the filter, and the records its handler received."""
    received: list[logging.LogRecord] = []

    class Keep(logging.Handler):
        def emit(self, record: logging.LogRecord) -> None:
            received.append(record)

    logger = logging.getLogger(f"test.redaction.{uuid.uuid4().hex}")
    logger.propagate = False
    logger.setLevel(logging.DEBUG)
    logger.addFilter(RedactingFilter())
    logger.addHandler(Keep())
    yield logger, received
    logger.handlers.clear()
    logger.filters.clear()


@pytest.mark.parametrize("key", SECRET_KEYS)
def test_fields_named_like_secrets_are_redacted(records, key: str) -> None:
    logger, received = records
    logger.info("event", extra={key: "s3cret-value-4242", "nested": {key: 123456}})
    record = received[0]
    assert record.__dict__[key] == "[redacted]"
    assert record.__dict__["nested"] == {key: "[redacted]"}


@pytest.mark.parametrize("key", KEPT_KEYS)
def test_other_fields_are_kept(records, key: str) -> None:
    logger, received = records
    logger.info("event", extra={key: "busy", "nested": {key: 503}})
    record = received[0]
    assert record.__dict__[key] == "busy"
    assert record.__dict__["nested"] == {key: 503}


def test_a_real_record_with_extra_fields(records) -> None:
    logger, received = records
    logger.warning(
        "sent %s to %s on %s",
        "123456",
        "+919717619183",
        "2024-05-01",
        extra={
            "error_code": "busy",
            "status": 503,
            "took_ms": 1234,
            "has_password": True,
            "password": None,
            "to": "asha@example.com",
            "customer": {"customer_number": "PL12", "phone": "+91 97176 19183", "created_at": "2024-05-01T10:00:00Z"},
            "headers": {"Authorization": f"Bearer {JWT}", "Content-Type": "application/json"},
            "attempts": [1, 2, "9717619183"],
        },
    )
    record = received[0]
    assert record.getMessage() == "sent [code] to +**********83 on 2024-05-01"
    fields = {key: record.__dict__[key] for key in ("error_code", "status", "took_ms", "has_password", "password")}
    assert fields == {"error_code": "busy", "status": 503, "took_ms": 1234, "has_password": True, "password": None}
    assert record.__dict__["to"] == "a***@e***"
    assert record.__dict__["customer"] == {
        "customer_number": "PL12",
        "phone": "+**********83",
        "created_at": "2024-05-01T10:00:00Z",
    }
    assert record.__dict__["headers"] == {"Authorization": "[redacted]", "Content-Type": "application/json"}
    assert record.__dict__["attempts"] == [1, 2, "+********83"]


@pytest.fixture
def powertools_log() -> Iterator[tuple[Logger, io.StringIO]]:
    """A Powertools ``Logger`` set up like the service logger (``customer_identity.api``), writing JSON to a buffer."""
    buffer = io.StringIO()
    logger = Logger(service=f"redaction-test-{uuid.uuid4().hex}", logger_handler=logging.StreamHandler(buffer))
    logger.addFilter(RedactingFilter())
    yield logger, buffer


def _lines(buffer: io.StringIO) -> list[dict]:
    return [json.loads(line) for line in buffer.getvalue().splitlines()]


def test_powertools_json_keeps_the_error_code_of_a_failed_request(powertools_log) -> None:
    logger, buffer = powertools_log
    logger.warning("request failed", extra={"error_code": "busy", "status": 503})
    [line] = _lines(buffer)
    assert line["message"] == "request failed"
    assert (line["error_code"], line["status"], line["level"]) == ("busy", 503, "WARNING")


def test_powertools_json_masks_personal_data_and_secrets_and_keeps_the_rest(powertools_log) -> None:
    logger, buffer = powertools_log
    logger.info(
        "Your sign-in code is %s (took %d ms)",
        "123456",
        1234,
        extra={
            "to": "+91 97176 19183",
            "scheduled_for": "2024-05-01T10:00:00.000Z",
            "customer_id": "cus_3f2b1c4e5d6a7b8c9d0e1f2a3b4c5d6e",
            "customer_number": "PL12",
            "request_id": "550e8400-e29b-41d4-a716-446655440000",
            "code": "123456",
            "country_code": "IN",
            "reset_token": "opaque-reset-token",
        },
    )
    logger.info({"message": "dict message", "email": "asha@example.com", "otp_code": "654321", "status_code": 200})
    first, second = _lines(buffer)
    assert first["message"] == "Your sign-in code is [code] (took 1234 ms)"
    assert first["to"] == "+**********83"
    assert first["scheduled_for"] == "2024-05-01T10:00:00.000Z"
    assert first["customer_id"] == "cus_3f2b1c4e5d6a7b8c9d0e1f2a3b4c5d6e"
    assert first["customer_number"] == "PL12"
    assert first["request_id"] == "550e8400-e29b-41d4-a716-446655440000"
    assert first["code"] == "[redacted]"
    assert first["country_code"] == "IN"
    assert first["reset_token"] == "[redacted]"
    assert second["message"] == {
        "message": "dict message",
        "email": "a***@e***",
        "otp_code": "[redacted]",
        "status_code": 200,
    }
    output = buffer.getvalue()
    for secret in ("123456", "654321", "9717619183", "97176 19183", "asha@example.com", "opaque-reset-token"):
        assert secret not in output, secret
