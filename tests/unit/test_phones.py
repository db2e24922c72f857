import pytest

from customer_identity.core.errors import InvalidPhone, PhoneNotAllowed
from customer_identity.core.settings import load_settings
from customer_identity.use_cases.identity.junk_phones import allowed_phone
from customer_identity.use_cases.identity.phones import junk_pattern, looks_like_phone, normalise_phone


@pytest.mark.parametrize(
    "typed",
    [
        "9717619183",
        "09717619183",
        "919717619183",
        "+919717619183",
        "+91 97176 19183",
        "97176-19183",
        "  97176 19183  ",
        "(971) 761-9183",
        "user_9717619183",
        "USER_9717619183",
        "00919717619183",
    ],
)
def test_every_shape_people_type_becomes_one_e164_key(typed: str) -> None:
    phone = normalise_phone(typed, "IN")
    assert phone.e164 == "+919717619183"
    assert phone.raw == typed


def test_other_countries_keep_their_prefix() -> None:
    assert normalise_phone("+1 415 555 2671", "IN").e164 == "+14155552671"
    assert normalise_phone("+44 20 7946 0958", "IN").e164 == "+442079460958"


def test_default_region_is_configurable() -> None:
    assert normalise_phone("(415) 555-2671", "US").e164 == "+14155552671"


@pytest.mark.parametrize(
    "typed",
    ["555-1234", "", "   ", "CUST-00012", "5f8d0a3b9c1e4a2b3c4d5e6f", "1-800-FLOWERS", "9" * 70],
)
def test_invalid_or_merely_possible_numbers_are_refused(typed: str) -> None:
    with pytest.raises(InvalidPhone) as raised:
        normalise_phone(typed, "IN")
    assert raised.value.field == "phone"
    assert raised.value.code == "invalid_phone"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("9717619183", True),
        ("user_9717619183", True),
        ("+91 97176 19183", True),
        ("CUST-1234", False),
        ("5f8d0a3b9c1e4a2b3c4d5e6f", False),
        ("a@b.co", False),
        ("PL24", False),
    ],
)
def test_looks_like_phone_tells_phones_from_other_ids(text: str, expected: bool) -> None:
    assert looks_like_phone(text) is expected


@pytest.mark.parametrize(
    "typed",
    [
        "0000000000",
        "9999999999",
        "+91 99999 99999",
        "1234567890",
        "9876543210",
        "user_8888888888",
        "12345",
        "+91 12345",
    ],
)
def test_junk_phones_are_not_allowed(typed: str) -> None:
    with pytest.raises(PhoneNotAllowed) as raised:
        normalise_phone(typed, "IN", field="customer")
    assert (raised.value.code, raised.value.field) == ("phone_not_allowed", "customer")


@pytest.mark.parametrize("typed", ["9717619183", "9800000003", "+14155552671", "9123456780"])
def test_real_phones_are_not_junk(typed: str) -> None:
    assert junk_pattern(typed, "IN") is None


def test_the_business_own_numbers_are_not_allowed() -> None:
    settings = load_settings(junk_phones="+91 98111 22334, 98111 55667")
    with pytest.raises(PhoneNotAllowed) as raised:
        allowed_phone("9811122334", settings)
    assert raised.value.field == "phone"
    assert allowed_phone("9811122335", settings).e164 == "+919811122335"
