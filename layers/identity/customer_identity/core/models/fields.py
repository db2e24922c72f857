"""Field types shared by the request models: text people type, phones, passwords, the strict input base."""

from __future__ import annotations

import re
import unicodedata
from typing import Annotated, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, StringConstraints, WithJsonSchema

from customer_identity.core.wire import (
    ADDRESS_PATTERN,
    PHONE_PATTERN,
    TEXT_PATTERN,
    SchemaPattern,
)

# Never in text people type: C0 and C1 controls (NUL, TAB, CR, LF, ESC, DEL, ...), the bidi
# embeddings, overrides and isolates that make text display as something else, lone surrogates.
_FORBIDDEN_IN_TEXT = re.compile("[\x00-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069\ud800-\udfff]")


def _refusing(forbidden: re.Pattern[str]) -> AfterValidator:
    """A validator refusing ``forbidden`` characters, then normalising to NFC."""

    def clean(value: str) -> str:
        found = forbidden.search(value)
        if found:
            raise ValueError(f"must not contain control or bidi-override characters (U+{ord(found.group()):04X})")
        return unicodedata.normalize("NFC", value)

    return AfterValidator(clean)


# Text people type (names, addresses, areas, services, notes): trimmed, NFC-normalised, every script
# kept as typed, no control or bidi-override characters. Add the lengths: Annotated[Text, StringConstraints(...)].
Text = Annotated[
    str, StringConstraints(strip_whitespace=True), _refusing(_FORBIDDEN_IN_TEXT), SchemaPattern(TEXT_PATTERN)
]
Name = Annotated[Text, StringConstraints(min_length=1, max_length=200)]
# Addresses may span lines (CR and LF kept as typed); every other control character is refused.
_FORBIDDEN_IN_ADDRESS = re.compile("[\x00-\x09\x0b\x0c\x0e-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069\ud800-\udfff]")

Address = Annotated[
    str,
    StringConstraints(strip_whitespace=True, min_length=1, max_length=500),
    _refusing(_FORBIDDEN_IN_ADDRESS),
    SchemaPattern(ADDRESS_PATTERN),
]
Area = Annotated[Text, StringConstraints(min_length=1, max_length=100)]
PhoneText = Annotated[str, StringConstraints(min_length=1, max_length=64), SchemaPattern(PHONE_PATTERN)]
AccountId = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=64)]
# Long enough to resist guessing, short enough that hashing cannot be used to exhaust a function.
Password = Annotated[str, StringConstraints(min_length=8, max_length=128)]
OtpCode = Annotated[str, StringConstraints(pattern=r"^[0-9]{6}$")]


def _email(value: str) -> str:
    # Imported on the first email validated: email-validator costs a tenth of a cold start to import.
    from pydantic.networks import validate_email

    return validate_email(value)[1]


# What pydantic's ``EmailStr`` does (the same check and normalisation, the same schema), except that
# the email-validator package is loaded when an email is first validated, not when a model is built.
Email = Annotated[str, AfterValidator(_email), WithJsonSchema({"type": "string", "format": "email"})]


class Input(BaseModel):
    """A request body: unknown fields are refused."""

    model_config = ConfigDict(extra="forbid", defer_build=True)


# How a sign-in answers its refresh token (every sign-in body takes it).
RefreshIn = Literal["body", "cookie"]
REFRESH_IN = Field(
    default="body",
    description="`cookie`: the refresh token comes as an `HttpOnly; Secure; SameSite=Strict` cookie scoped to "
    "`/auth`, and `refresh_token` in the answer is null (browsers: no long-lived secret a script can read)",
)
