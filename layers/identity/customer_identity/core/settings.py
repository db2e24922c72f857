"""The one typed settings object, read from the environment once per execution environment.

Each field is the environment variable of the same name in upper case (``TABLE_NAME``,
``DYNAMODB_ENDPOINT``, ...); ``aws_region`` is ``AWS_REGION`` (or ``AWS_DEFAULT_REGION``); an empty
variable counts as unset. An invalid value stops the cold start with :class:`ConfigurationError`
naming the variable. A plain pydantic model read from ``os.environ`` (pydantic-settings would add
about a tenth of a cold start for what these few lines do: docs/cold-start.md).
"""

from __future__ import annotations

import os
import re
from functools import cache
from typing import Literal

from pydantic import AliasChoices, BaseModel, ConfigDict, Field, SecretStr, ValidationError, field_validator

from customer_identity.core.errors import ConfigurationError


class Settings(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid", populate_by_name=True)

    table_name: str = Field(default="customer-identity", min_length=3, max_length=255)
    aws_region: str = Field(default="us-east-1", validation_alias=AliasChoices("AWS_REGION", "AWS_DEFAULT_REGION"))
    # Empty means the AWS endpoint for ``aws_region``; set it for DynamoDB Local.
    dynamodb_endpoint: str | None = None
    # ISO 3166 region used to read phone numbers typed without a +country prefix.
    default_region: str = Field(default="IN", pattern=r"^[A-Za-z]{2}$")
    customer_number_prefix: str = Field(default="PL", pattern=r"^[A-Za-z]{1,8}$")
    # First customer number issued on an empty table (admins can move it later).
    customer_number_start: int = Field(default=1, ge=1)
    # How long a write may keep retrying lost races before answering 503 busy.
    contention_budget_seconds: float = Field(default=10.0, gt=0)
    # A create that claimed its phone and then died is finished by the next write after this long.
    claim_abandoned_after_seconds: float = Field(default=10.0, gt=0)

    # Token signing key (HS256, at least 32 bytes): given directly (local runs), or the name/ARN of a
    # Secrets Manager secret holding it (deployed; read once per environment, cached 5 minutes).
    jwt_signing_key: SecretStr | None = None
    jwt_signing_key_secret: str | None = None
    token_ttl_seconds: int = Field(default=900, ge=60, le=24 * 3600)
    # Sessions (use_cases.sign_in.session_store): a session ends this long after its sign-in
    # whatever happens, or earlier when it goes this long without a refresh; a refresh token spent
    # this recently is answered again with the pair that replaced it (a retry), later it is theft.
    session_absolute_seconds: int = Field(default=30 * 24 * 3600, ge=1, le=365 * 24 * 3600)
    session_idle_seconds: int = Field(default=7 * 24 * 3600, ge=1, le=365 * 24 * 3600)
    refresh_grace_seconds: float = Field(default=10.0, ge=0, le=300)
    # "aws": SMS through SNS, email through SES. "outbox": kept in the table for GET /dev/outbox.
    notification_sender: Literal["aws", "outbox"] = "aws"
    email_from: str | None = None
    # argon2id cost (RFC 9106 second recommendation by default).
    password_hash_memory_kib: int = Field(default=65536, ge=8)
    password_hash_time_cost: int = Field(default=3, ge=1)
    # Tests only: a merge (or undo) fails after moving this many batches of bookings, as a crashed
    # request would (0: never). The next call on that merge resumes it.
    merge_fail_after_batches: int = Field(default=0, ge=0)
    # Background work (the alias check) runs as asynchronous Lambda invocations of this function;
    # ``lambda_endpoint`` points the Lambda client elsewhere (the local server answers Invoke).
    alias_check_function: str = Field(default="AuditAliasCheckFunction", min_length=1, max_length=140)
    # POST /auth/password/forgot hands its work to this function (asynchronously, see use_cases.password_resets).
    reset_worker_function: str = Field(default="ForgotPasswordWorkerFunction", min_length=1, max_length=140)
    lambda_endpoint: str | None = None
    # Customer CSV exports larger than the inline limit are written to the S3 bucket (deployed) or
    # the folder (``make run``) and answered with a link valid for the given time.
    export_bucket: str | None = None
    export_dir: str | None = None
    # Stays under API Gateway's 6 MB answer even when JSON escaping doubles every byte.
    export_inline_limit_bytes: int = Field(default=1024 * 1024, ge=0, le=2 * 1024 * 1024)
    export_link_ttl_seconds: int = Field(default=300, ge=60, le=3600)
    # Backfill runs from the console (/admin/backfill-runs): uploads go to the bucket under runs/<run_id>/
    # (deployed) or to the folder, through links the local server checks with ``backfill_link_key``
    # (``make run``); the state machine is started by its ARN (``states_endpoint``: the local runner).
    backfill_bucket: str | None = None
    backfill_dir: str | None = None
    backfill_link_key: SecretStr | None = None
    backfill_state_machine_arn: str | None = None
    states_endpoint: str | None = None
    backfill_link_ttl_seconds: int = Field(default=900, ge=60, le=3600)
    # SMS pumping defence (use_cases.sms_budget): codes go only to phones of these ISO regions
    # (comma-separated, e.g. "IN,NP"; empty: the default region), and at most this many SMS per
    # minute per client IP and in all (sign-in codes and password resets by SMS).
    sms_countries: tuple[str, ...] = ()
    sms_per_ip_per_minute: int = Field(default=10, ge=1)
    sms_global_per_minute: int = Field(default=60, ge=1)

    # Change events (docs/events.md): the EventBridge bus the stream publisher puts them on, and
    # their ``source``.
    event_bus_name: str | None = None
    event_source: str = Field(default="customer-identity", min_length=1, max_length=256)
    # Phones over time (use_cases/identity/junk_phones.py, docs/phones.md). The business's own numbers
    # (comma-separated): staff type them when a customer gives none, so no customer may have one.
    junk_phones: tuple[str, ...] = ()
    # A legacy phone whose rows carry at least this many distinct names is held as one shared_phone
    # review item instead of being merged (two names stay one customer with a name_conflict).
    shared_phone_names: int = Field(default=3, ge=2)
    # A phone code for a customer idle this long does not open its account until proven (recycled numbers).
    phone_recycle_days: int = Field(default=90, ge=1)

    # Browser frontends allowed to call the API (CORS), comma-separated origins such as
    # ``https://app.example.com``; empty: no CORS headers at all, so browsers refuse cross-origin calls.
    allowed_origins: str = ""

    @property
    def cors_origins(self) -> tuple[str, ...]:
        return tuple(origin.strip() for origin in self.allowed_origins.split(",") if origin.strip())

    @field_validator("allowed_origins")
    @classmethod
    def _plain_origins(cls, value: str) -> str:
        for origin in (part.strip() for part in value.split(",")):
            if origin and not re.fullmatch(r"https?://[A-Za-z0-9.-]+(:[0-9]{1,5})?", origin):
                raise ValueError(f"{origin!r} is not an origin (scheme://host[:port], no path, no wildcard)")
        return value

    @field_validator("default_region")
    @classmethod
    def _upper_region(cls, value: str) -> str:
        return value.upper()

    @field_validator("junk_phones", mode="before")
    @classmethod
    def _phone_list(cls, value: object) -> tuple[str, ...]:
        parts = value.split(",") if isinstance(value, str) else list(value)  # type: ignore[call-overload]
        numbers = tuple(str(part).strip() for part in parts if str(part).strip())
        bad = [number for number in numbers if not re.fullmatch(r"\+?[0-9][0-9 ().\-]{4,30}", number)]
        if bad:
            raise ValueError(f"not phone numbers: {', '.join(bad)}")
        return numbers

    @field_validator("sms_countries", mode="before")
    @classmethod
    def _region_list(cls, value: object) -> tuple[str, ...]:
        parts = value.split(",") if isinstance(value, str) else list(value)  # type: ignore[call-overload]
        regions = tuple(str(part).strip().upper() for part in parts if str(part).strip())
        bad = [region for region in regions if not re.fullmatch(r"[A-Z]{2}", region)]
        if bad:
            raise ValueError(f"not ISO 3166 region codes: {', '.join(bad)}")
        return regions

    @property
    def sms_regions(self) -> frozenset[str]:
        """Where SMS may go: ``sms_countries``, or the default region when none is set."""
        return frozenset(self.sms_countries or (self.default_region,))


def _variables(name: str) -> tuple[str, ...]:
    alias = Settings.model_fields[name].validation_alias
    return tuple(str(choice) for choice in alias.choices) if isinstance(alias, AliasChoices) else (name.upper(),)


def environment() -> dict[str, str]:
    """The fields set by the environment (the first of a field's variables that is set and not empty)."""
    found = {}
    for name in Settings.model_fields:
        value = next((os.environ[variable] for variable in _variables(name) if os.environ.get(variable)), None)
        if value is not None:
            found[name] = value
    return found


def load_settings(**overrides: object) -> Settings:
    """Settings from the environment (``overrides`` win), or :class:`ConfigurationError` naming the variables."""
    try:
        return Settings.model_validate(environment() | overrides)
    except ValidationError as error:
        problems = "; ".join(
            f"{'/'.join(str(part).upper() for part in problem['loc'])}: {problem['msg']}" for problem in error.errors()
        )
        raise ConfigurationError(f"invalid configuration: {problems}") from error


@cache
def settings() -> Settings:
    """Settings of this execution environment (read at cold start, then reused)."""
    return load_settings()


_TRUE = frozenset({"1", "true", "yes", "on", "y", "t"})


def tracing_enabled() -> bool:
    """Whether Powertools' Tracer sends traces from this process, by its own rule (read before building one).

    On in Lambda (``LAMBDA_TASK_ROOT`` set; with ``Tracing: Active``), unless ``POWERTOOLS_TRACE_DISABLED``
    is true or the function runs in SAM or Chalice locally; off everywhere else (``make run``, tests).
    """
    disabled = os.environ.get("POWERTOOLS_TRACE_DISABLED", "false").strip().lower() in _TRUE
    local = bool(os.environ.get("AWS_SAM_LOCAL") or os.environ.get("AWS_CHALICE_CLI_MODE"))
    return bool(os.environ.get("LAMBDA_TASK_ROOT")) and not disabled and not local
