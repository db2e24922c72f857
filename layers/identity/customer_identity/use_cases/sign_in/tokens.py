"""Access tokens: short-lived HS256 JWTs (PyJWT), issued and verified only here.

Claims: ``iss``, ``aud``, ``sub`` (customer id or staff account id), ``role``, ``customer_id``
(null for staff), ``amr`` (how the bearer proved who they are: ``otp``, ``pwd``, ``reset`` or
``local`` for ``make token``), ``sid`` (the session it belongs to: :mod:`.sessions` refuses it once
the session ended), ``iat``, ``nbf``, ``exp``, ``jti``; staff tokens also ``gen`` (the account's
token generation; no longer issued: sessions replaced it).
"""

from __future__ import annotations

import hashlib
import hmac
import time
import uuid
from dataclasses import dataclass
from typing import Annotated, Literal

import jwt
from pydantic import BaseModel, ConfigDict, Field, StringConstraints, ValidationError, model_validator

from customer_identity.core.errors import ConfigurationError, Unauthenticated
from customer_identity.core.roles import ROLES, Role
from customer_identity.core.settings import Settings

AuthMethod = Literal["otp", "pwd", "reset", "local"]
ISSUER = "customer-identity"
AUDIENCE = "customer-identity-api"
ALGORITHM = "HS256"
MIN_KEY_BYTES = 32
LEEWAY_SECONDS = 5


ClaimText = Annotated[str, StringConstraints(min_length=1, max_length=128)]


class Claims(BaseModel):
    """What a token must say, type by type (strict: ``"sub": 123`` or ``"role": ["admin"]`` is not valid).

    Signature, issuer, audience and time claims are PyJWT's to check; this is the rest, untrusted
    until it fits.
    """

    model_config = ConfigDict(strict=True, extra="ignore", frozen=True, defer_build=True)

    sub: ClaimText
    role: Role
    customer_id: ClaimText | None = None
    amr: list[AuthMethod] = Field(min_length=1, max_length=4)
    jti: ClaimText | None = None
    sid: ClaimText | None = None
    gen: int = Field(default=0, ge=0, description="Staff accounts: the token generation it was issued in")

    @model_validator(mode="after")
    def _customers_name_their_customer(self) -> Claims:
        if (self.role == "customer") != (self.customer_id is not None):
            raise ValueError("a customer token names its customer, a staff token none")
        return self


@dataclass(frozen=True)
class Principal:
    """Who is calling, as the token says."""

    account_id: str
    role: str
    customer_id: str | None
    method: str
    generation: int = 0  # staff: the account's token generation when the token was issued
    session_id: str | None = None

    @property
    def is_admin(self) -> bool:
        return self.role == "admin"


def read_secret(secret_id: str, region: str) -> str:
    """A Secrets Manager secret's string, through a client closed right after (no connection is kept
    for a SnapStart snapshot to carry; the key is read once per execution environment)."""
    import boto3

    client = boto3.client("secretsmanager", region_name=region)
    try:
        return str(client.get_secret_value(SecretId=secret_id)["SecretString"])
    finally:
        client.close()


def signing_key(settings: Settings) -> bytes:
    """The key from configuration: the value itself, or a Secrets Manager secret holding it (read once)."""
    if settings.jwt_signing_key is not None:
        key = settings.jwt_signing_key.get_secret_value()
    elif settings.jwt_signing_key_secret:
        key = read_secret(settings.jwt_signing_key_secret, settings.aws_region)
    else:
        raise ConfigurationError("no token signing key: set JWT_SIGNING_KEY or JWT_SIGNING_KEY_SECRET")
    encoded = key.encode()
    if len(encoded) < MIN_KEY_BYTES:
        raise ConfigurationError(f"the token signing key must be at least {MIN_KEY_BYTES} bytes")
    return encoded


class Tokens:
    def __init__(self, key: bytes, *, ttl_seconds: int = 900) -> None:
        self._key = key
        self.ttl_seconds = ttl_seconds

    def derived_key(self, purpose: bytes) -> bytes:
        """A key for another use (e.g. hashing codes), derived from the signing key."""
        return hmac.new(self._key, purpose, hashlib.sha256).digest()

    def issue(
        self,
        *,
        account_id: str,
        role: str,
        customer_id: str | None,
        method: str,
        ttl_seconds: int | None = None,
        generation: int | None = None,
        session_id: str | None = None,
        issued_at: int | None = None,
        expires_at: int | None = None,
        token_id: str | None = None,
    ) -> str:
        """A signed token. Given ``issued_at``, ``expires_at`` and ``token_id``, the same token every time
        (HS256 is deterministic): a refresh retried within its grace window gets the same pair back."""
        if role not in ROLES:
            raise ValueError(f"unknown role {role!r}")
        now = int(time.time()) if issued_at is None else issued_at
        expiry = now + (ttl_seconds or self.ttl_seconds)
        claims = {
            "iss": ISSUER,
            "aud": AUDIENCE,
            "sub": account_id,
            "role": role,
            "customer_id": customer_id,
            "amr": [method],
            "iat": now,
            "nbf": now,
            "exp": expiry if expires_at is None else min(expiry, expires_at),
            "jti": token_id or uuid.uuid4().hex,
        }
        if session_id is not None:
            claims["sid"] = session_id
        if generation is not None:
            claims["gen"] = generation
        return jwt.encode(claims, self._key, algorithm=ALGORITHM)

    def verify(self, token: str, *, allow_expired: bool = False) -> Principal:
        """The principal of a valid token; :class:`Unauthenticated` for anything else.

        ``allow_expired``: a genuine token past its expiry still names its session (signing out)."""
        try:
            claims = jwt.decode(
                token,
                self._key,
                algorithms=[ALGORITHM],  # never "none", never an algorithm the token picks
                audience=AUDIENCE,
                issuer=ISSUER,
                leeway=LEEWAY_SECONDS,
                options={"require": ["exp", "iat", "nbf", "sub", "iss", "aud"], "verify_exp": not allow_expired},
            )
        except jwt.ExpiredSignatureError as error:
            raise Unauthenticated("the token has expired; sign in again") from error
        except jwt.InvalidTokenError as error:
            raise Unauthenticated("the token is not valid") from error
        try:
            checked = Claims.model_validate(claims)
        except ValidationError as error:
            raise Unauthenticated("the token is not valid") from error
        return Principal(
            account_id=checked.sub,
            role=checked.role,
            customer_id=checked.customer_id,
            method=checked.amr[0],
            generation=checked.gen,
            session_id=checked.sid,
        )


def bearer_token(headers: dict[str, str] | None) -> str | None:
    """The token of an ``Authorization: Bearer <token>`` header (any header-name case)."""
    for name, value in (headers or {}).items():
        if name.lower() == "authorization" and value:
            scheme, _, token = value.strip().partition(" ")
            if scheme.lower() == "bearer" and token.strip():
                return token.strip()
    return None


def token_digest(token: str) -> str:
    """What a single-use token sent in a message (reset, email proof) is stored under: its SHA-256."""
    return hashlib.sha256(token.encode()).hexdigest()
