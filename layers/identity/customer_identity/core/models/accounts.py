"""Accounts and access: sign-in bodies, tokens, credentials, staff accounts, ``/me``."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import Field, StrictBool, StringConstraints

from customer_identity.core.models.common import Answer
from customer_identity.core.models.customers import Customer, CustomerPage
from customer_identity.core.models.fields import REFRESH_IN, Email, Input, Name, OtpCode, Password, PhoneText, RefreshIn
from customer_identity.core.roles import Role, StaffRoleInput
from customer_identity.core.wire import (
    Timestamp,
)


class OtpRequest(Input):
    """Body of ``POST /auth/otp/request``."""

    phone: PhoneText


class OtpVerification(Input):
    """Body of ``POST /auth/otp/verify``."""

    phone: PhoneText
    code: OtpCode = Field(description="The 6 digits sent by SMS")
    refresh_in: RefreshIn = REFRESH_IN


class LoginName(Input):
    """Either ``email`` or ``phone`` (exactly one)."""

    email: Email | None = None
    phone: PhoneText | None = None


class Login(LoginName):
    """Body of ``POST /auth/login``."""

    password: Annotated[str, StringConstraints(min_length=1, max_length=128)]
    refresh_in: RefreshIn = REFRESH_IN


class PasswordForgotten(LoginName):
    """Body of ``POST /auth/password/forgot``."""


class PasswordReset(Input):
    """Body of ``POST /auth/password/reset``."""

    token: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)]
    password: Password
    refresh_in: RefreshIn = REFRESH_IN


class CredentialsChange(Input):
    """Body of ``PUT /me/credentials``: set or change the password, ask for a login email, or confirm one.

    An ``email`` counts only once its inbox proves it: a confirmation token is sent there (to be sent
    back as ``email_token``), or, if another account has that address, a notice instead.
    """

    email: Email | None = Field(
        default=None, description="Ask for this login email: 202, and a confirmation token goes to that inbox"
    )
    email_token: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)] | None = Field(
        default=None, description="The token the confirmation email carried: the email becomes your login"
    )
    password: Password | None = None
    current_password: Annotated[str, StringConstraints(max_length=128)] | None = Field(
        default=None,
        description="Required to change existing credentials, unless the token came from a sign-in code "
        "or a reset link",
    )


class NewStaff(Input):
    """Body of ``POST /admin/staff``. Without a password the person sets one with a reset link."""

    email: Email
    role: StaffRoleInput = Field(description="`delivery_boy` (legacy name) is stored as `delivery_person`")
    name: Name | None = None
    phone: PhoneText | None = None
    password: Password | None = None


class StaffChanges(Input):
    """Body of ``PATCH /admin/staff/{account_id}``: fields present are set; ``null`` clears ``name``."""

    name: Name | None = None
    role: StaffRoleInput | None = Field(
        default=None, description="A change revokes the account's tokens (sign in again for the new role)"
    )
    active: StrictBool | None = Field(
        default=None, description="`false` deactivates: no sign-in, and its tokens stop working at once"
    )


class Token(Answer):
    token: str
    token_type: Literal["Bearer"] = "Bearer"  # noqa: S105 - a scheme name
    expires_in: int = Field(description="Seconds until the token expires")
    refresh_token: str | None = Field(
        description="Renews the session at POST /auth/refresh (once: each refresh answers a new one); "
        "null when it was sent as a cookie"
    )
    refresh_expires_in: int = Field(
        description="Seconds the refresh token stays usable unless refreshed sooner (the session's idle or "
        "absolute expiry, whichever comes first)"
    )


class OtpVerified(Token):
    customer: Customer
    created: bool = Field(description="True when this sign-in created the customer")


class Account(Answer):
    account_id: str
    role: Role
    email: str | None
    phone: str | None
    name: str | None
    has_password: bool
    phone_verified: bool
    created_at: Timestamp
    active: bool = Field(default=True, description="False for a deactivated staff account (customers: always true)")
    deactivated_at: Timestamp | None = None


class AccountEnvelope(Answer):
    account: Account


class StaffPage(Answer):
    items: list[Account]
    next_cursor: str | None


class StrandedCustomers(Answer):
    """A deactivated delivery person who still has customers assigned (for the linkage audit)."""

    delivery_person: Account
    customers: CustomerPage = Field(description="The first page of the customers assigned to them")


class StrandedPage(Answer):
    items: list[StrandedCustomers]
    next_cursor: str | None = Field(description="Continues through the deactivated delivery persons")


class Me(Answer):
    account: Account
    customer: Customer | None
