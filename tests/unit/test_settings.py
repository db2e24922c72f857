"""Settings come from the environment, validated at cold start with an error naming the variable."""

import pytest

from customer_identity.core.errors import ConfigurationError
from customer_identity.core.settings import load_settings


@pytest.mark.parametrize(
    ("variable", "value"),
    [
        ("CUSTOMER_NUMBER_PREFIX", "P1"),
        ("CUSTOMER_NUMBER_START", "0"),
        ("CONTENTION_BUDGET_SECONDS", "-1"),
        ("TOKEN_TTL_SECONDS", "5"),
        ("NOTIFICATION_SENDER", "pigeon"),
        ("DEFAULT_REGION", "India"),
        ("TABLE_NAME", "ab"),
    ],
)
def test_an_invalid_value_stops_the_cold_start_naming_its_variable(
    monkeypatch: pytest.MonkeyPatch, variable: str, value: str
) -> None:
    monkeypatch.setenv(variable, value)
    with pytest.raises(ConfigurationError, match=variable):
        load_settings()


def test_values_are_read_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TABLE_NAME", "identity-prod")
    monkeypatch.setenv("AWS_REGION", "ap-south-1")
    monkeypatch.setenv("DEFAULT_REGION", "cm")
    monkeypatch.setenv("DYNAMODB_ENDPOINT", "")
    settings = load_settings()
    assert (settings.table_name, settings.aws_region, settings.default_region) == ("identity-prod", "ap-south-1", "CM")
    assert settings.dynamodb_endpoint is None  # empty means AWS's own endpoint


def test_the_region_falls_back_to_aws_default_region(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("AWS_REGION", raising=False)
    monkeypatch.setenv("AWS_DEFAULT_REGION", "eu-west-1")
    assert load_settings().aws_region == "eu-west-1"
    monkeypatch.setenv("AWS_REGION", "ap-south-1")  # what Lambda sets wins
    assert load_settings().aws_region == "ap-south-1"


def test_a_secret_key_and_numbers_are_read_as_their_types(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("JWT_SIGNING_KEY", "k" * 40)
    monkeypatch.setenv("TOKEN_TTL_SECONDS", "600")
    monkeypatch.setenv("CONTENTION_BUDGET_SECONDS", "2.5")
    settings = load_settings()
    assert settings.jwt_signing_key is not None and settings.jwt_signing_key.get_secret_value() == "k" * 40
    assert "k" * 40 not in repr(settings)
    assert (settings.token_ttl_seconds, settings.contention_budget_seconds) == (600, 2.5)
