"""Phones over time: who held a phone when, releasing a phone, and the recycling guard's answers."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import Field, StringConstraints

from customer_identity.core.models.common import Answer
from customer_identity.core.models.fields import REFRESH_IN, Email, Input, OtpCode, Password, RefreshIn
from customer_identity.core.wire import Timestamp

ReleaseReason = Literal["admin", "self", "recycled", "changed"]


class PhoneHolding(Answer):
    """One time a customer held a phone (in the customer's ``phone_history``)."""

    phone: str = Field(description="E.164")
    held_from: Timestamp = Field(description="When the customer got the phone")
    held_until: Timestamp = Field(description="When the phone was released")
    reason: ReleaseReason = Field(
        description="`admin`: released by an admin; `self`: by the customer; `recycled`: a new person proved "
        "the number is theirs now (the recycling guard); `changed`: the customer moved to another phone (PATCH)"
    )


class PhoneHolder(Answer):
    """Who held a phone, from when to when (``GET /admin/phone-history/{phone}``)."""

    customer_id: str
    customer_number: str
    held_from: Timestamp
    held_until: Timestamp | None = Field(description="null: holds it now")
    reason: ReleaseReason | None = Field(description="Why it was released (null: holds it now)")


class PhoneHistory(Answer):
    phone: str = Field(description="E.164")
    holders: list[PhoneHolder] = Field(description="Oldest first; the current holder (if any) last")


class PhoneRelease(Input):
    """Body of ``POST /admin/customers/{ref}/release-phone`` and ``POST /me/release-phone`` (optional)."""

    note: str | None = Field(default=None, max_length=500, description="Why (kept on the history item)")


RecycleProofKind = Literal["password", "email", "new"]
ChallengeToken = Annotated[str, StringConstraints(min_length=20, max_length=200, pattern=r"^[A-Za-z0-9_-]+$")]


class RecycleChallenge(Answer):
    """``POST /auth/otp/verify`` for a phone whose customer has been idle ``PHONE_RECYCLE_DAYS``: the code
    proved the phone, not the person; nothing of the account is shown, and the answer is the same
    whatever the account holds."""

    status: Literal["proof_required"] = "proof_required"
    challenge: str = Field(description="Single use; send it to /auth/recycled/prove or /auth/recycled/new")
    expires_in: int = Field(description="Seconds the challenge stays valid")
    proofs: list[RecycleProofKind] = Field(
        description="Always all three: `password` or `email` (the account's own) proves it is the same customer; "
        "`new` says the number is yours now and opens a new customer"
    )


class RecycleProof(Input):
    """Body of ``POST /auth/recycled/prove``: the challenge and exactly one of ``password``, ``email``
    (a code is sent there if it is the account's email) or ``email_code`` (that code)."""

    challenge: ChallengeToken
    password: Password | None = None
    email: Email | None = None
    email_code: OtpCode | None = None
    refresh_in: RefreshIn = REFRESH_IN


class RecycleNew(Input):
    """Body of ``POST /auth/recycled/new``."""

    challenge: ChallengeToken
    refresh_in: RefreshIn = REFRESH_IN
