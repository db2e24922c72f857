"""Reading legacy lines: Extended JSON in every shape, phones as people and exports write them, exact money."""

import json
from datetime import UTC, datetime
from decimal import Decimal

import pytest

from customer_identity.use_cases.backfill.extjson import object_id_time, parse_date, parse_line
from customer_identity.use_cases.backfill.records import Booking, Identity, Staff, Unreadable, legacy_phone, read_record

MAY_FIRST = datetime(2024, 5, 1, 10, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    "value",
    [
        {"$date": "2024-05-01T10:00:00.000Z"},
        {"$date": {"$numberLong": "1714557600000"}},
        "2024-05-01T10:00:00Z",
        "2024-05-01T15:30:00+05:30",
        "2024-05-01 10:00:00",
        1714557600000,
    ],
)
def test_every_timestamp_shape_reads_as_the_same_utc_moment(value: object) -> None:
    parsed = parse_line(json.dumps({"t": value}))["t"]  # as a line of an export
    assert (parsed if isinstance(parsed, datetime) else parse_date(parsed)) == MAY_FIRST


def test_an_object_id_carries_its_creation_time() -> None:
    assert object_id_time("663212a0" + "0" * 16) == MAY_FIRST


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ('{"a": 144.8}', Decimal("144.8")),
        ('{"a": {"$numberDecimal": "0.10"}}', Decimal("0.10")),
        ('{"a": {"$numberLong": "42"}}', 42),
        ('{"a": {"$oid": "65C9AEB8FAE923D5A4FD12AA"}}', "65c9aeb8fae923d5a4fd12aa"),
    ],
)
def test_numbers_and_ids_are_read_exactly(text: str, expected: object) -> None:
    assert parse_line(text)["a"] == expected


@pytest.mark.parametrize(
    "written",
    [
        "9717619183",
        9717619183,
        919717619183,
        "09717619183",
        "+91 97176 19183",
        "(+91) 97176 19183",
        "0091 97176 19183",
        "97176-19183",
        "97176.19183",
        " 9717619183 ",
        "user_9717619183",
    ],
)
def test_every_shape_of_one_phone_reads_as_one_e164(written: object) -> None:
    assert legacy_phone(written, "IN") == "+919717619183"


@pytest.mark.parametrize("written", ["", "N/A", "555-1234", None, "12345", True, "CUST-123"])
def test_what_is_not_a_valid_phone_reads_as_none(written: object) -> None:
    assert legacy_phone(written, "IN") is None


def test_foreign_numbers_keep_their_country() -> None:
    assert legacy_phone("+237 6 77 12 34 56", "IN") == "+237677123456"
    assert legacy_phone("00237677123456", "IN") == "+237677123456"


def test_a_line_that_is_not_json_is_unreadable_not_fatal() -> None:
    record = read_record("otp_users", 7, '{"_id": {"$oid": "65c9aeb8', "IN")
    assert record == Unreadable("otp_users", 7, None, "not_json")


def test_a_profile_row_keeps_names_byte_exact_and_money_exact() -> None:
    line = (
        '{"id": "cust-1", "name": "राहुल शर्मा", "phone": "9717619183", "status": "paused", "previous_balance": 144.8,'
        ' "custom_product_prices": {"milk": {"$numberDecimal": "45"}}, "delivery_boy_id": "u-1",'
        ' "created_at": "2024-05-01T10:00:00+00:00"}'
    )
    record = read_record("customers_v2", 1, line, "IN")
    assert isinstance(record, Identity)
    assert record.fields["name"] == "राहुल शर्मा"
    assert record.fields["previous_balance"] == Decimal("144.80")
    assert record.fields["custom_product_prices"] == {"milk": Decimal("45.00")}
    assert (record.phone, record.time, record.fields["status"]) == ("+919717619183", MAY_FIRST, "paused")


def test_staff_and_bookings_are_told_apart() -> None:
    staff = read_record("auth_users", 1, '{"id": "u-1", "email": "Ravi@X.com", "role": "delivery_boy"}', "IN")
    assert isinstance(staff, Staff) and (staff.role, staff.email) == ("delivery_person", "ravi@x.com")
    booking = read_record(
        "bookings",
        2,
        '{"_id": {"$oid": "663212a0aaaaaaaaaaaaaaaa"}, "customer_id": "user_9717619183", "amount": 0.1}',
        "IN",
    )
    assert isinstance(booking, Booking)
    assert (booking.amount, booking.status, booking.time) == (Decimal("0.10"), "completed", MAY_FIRST)
