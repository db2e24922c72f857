"""Sessions: refreshing, signing out, listing and ending them."""

from __future__ import annotations

from typing import Annotated

from pydantic import Field, StrictBool, StringConstraints

from customer_identity.core.models.common import Answer
from customer_identity.core.models.fields import Input
from customer_identity.core.wire import Timestamp

RefreshTokenText = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=400)]


class RefreshRequest(Input):
    """Body of ``POST /auth/refresh``: the refresh token, unless it travels as the cookie."""

    refresh_token: RefreshTokenText | None = Field(
        default=None, description="The refresh token of the last sign-in or refresh (omit it in cookie mode)"
    )


class Logout(Input):
    """Body of ``POST /auth/logout`` (optional)."""

    everywhere: StrictBool = Field(default=False, description="End every session of the account, not only this one")
    refresh_token: RefreshTokenText | None = Field(
        default=None, description="Names the session to end when no bearer token is sent (or use the cookie)"
    )


class SessionInfo(Answer):
    session_id: str
    current: bool = Field(description="True for the session of the token making this request")
    method: str = Field(description="How it signed in: otp, pwd, reset or local")
    created_at: Timestamp
    last_used_at: Timestamp = Field(description="The sign-in or the last refresh")
    user_agent: str | None
    address: str | None = Field(description="Coarse: the /24 (IPv4) or /48 (IPv6) network it last refreshed from")
    expires_at: Timestamp = Field(description="Absolute expiry: it ends then whatever happens")
    idle_expires_at: Timestamp = Field(description="It ends then unless refreshed before")


class SessionList(Answer):
    items: list[SessionInfo] = Field(description="The live sessions, newest sign-in first")


class SessionsEnded(Answer):
    ended: int = Field(description="How many live sessions were ended")
