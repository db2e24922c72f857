"""The one typed settings object, read from the environment once per execution environment."""

from __future__ import annotations

import os
from collections.abc import Mapping
from functools import cache
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, SecretStr, field_validator


class Settings(BaseModel):
    model_config = ConfigDict(frozen=True)

    table_name: str = "customer-identity"
    aws_region: str = "us-east-1"
    # Empty means the AWS endpoint for ``aws_region``; set it for an emulator or DynamoDB Local.
    dynamodb_endpoint: str | None = None
    # ISO 3166 region used to read phone numbers typed without a +country prefix.
    default_region: str = "IN"
    customer_number_prefix: str = Field(default="PL", pattern=r"^[A-Za-z]{1,8}$")
    # First customer number issued on an empty table (admins can move it later).
    customer_number_start: int = Field(default=1, ge=1)
    # How long a create may keep retrying under contention before answering 503.
    contention_budget_seconds: float = Field(default=10.0, gt=0)

    # Token signing key (HS256, at least 32 bytes): given directly (local runs), or the name/ARN of a
    # Secrets Manager secret holding it (deployed; read once per environment, cached 5 minutes).
    jwt_signing_key: SecretStr | None = None
    jwt_signing_key_secret: str | None = None
    token_ttl_seconds: int = Field(default=900, ge=60, le=24 * 3600)
    # "aws": SMS through SNS, email through SES. "outbox": kept in the table for GET /dev/outbox.
    notification_sender: Literal["aws", "outbox"] = "aws"
    email_from: str | None = None
    # argon2id cost (RFC 9106 second recommendation by default).
    password_hash_memory_kib: int = Field(default=65536, ge=8)
    password_hash_time_cost: int = Field(default=3, ge=1)

    @field_validator("default_region")
    @classmethod
    def _upper_region(cls, value: str) -> str:
        return value.upper()

    @field_validator("dynamodb_endpoint")
    @classmethod
    def _empty_is_none(cls, value: str | None) -> str | None:
        return value or None

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> Settings:
        env = os.environ if environ is None else environ
        names = {
            "table_name": "TABLE_NAME",
            "dynamodb_endpoint": "DYNAMODB_ENDPOINT",
            "default_region": "DEFAULT_REGION",
            "customer_number_prefix": "CUSTOMER_NUMBER_PREFIX",
            "customer_number_start": "CUSTOMER_NUMBER_START",
            "contention_budget_seconds": "CONTENTION_BUDGET_SECONDS",
            "jwt_signing_key": "JWT_SIGNING_KEY",
            "jwt_signing_key_secret": "JWT_SIGNING_KEY_SECRET",
            "token_ttl_seconds": "TOKEN_TTL_SECONDS",
            "notification_sender": "NOTIFICATION_SENDER",
            "email_from": "EMAIL_FROM",
            "password_hash_memory_kib": "PASSWORD_HASH_MEMORY_KIB",
            "password_hash_time_cost": "PASSWORD_HASH_TIME_COST",
        }
        values: dict[str, str] = {field: env[var] for field, var in names.items() if env.get(var)}
        region = env.get("AWS_REGION") or env.get("AWS_DEFAULT_REGION")
        if region:
            values["aws_region"] = region
        return cls.model_validate(values)


@cache
def settings() -> Settings:
    """Settings of this execution environment (read at cold start, then reused)."""
    return Settings.from_env()
