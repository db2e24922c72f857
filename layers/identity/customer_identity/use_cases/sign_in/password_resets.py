"""Asking for a password reset: a public half that cannot tell accounts apart, and a worker that can.

``POST /auth/password/forgot`` (:class:`ResetRequests`) checks only what does not depend on any
account -- the body, the phone's shape and country -- and hands the rest to the reset worker with
one asynchronous Lambda invocation, then answers 202. It reads nothing from the table, so its
answer and its time are the same whether or not an account has the address.

The worker (:class:`ResetDelivery`) counts the request against the address's send limit (3 per 15
minutes, known or not), looks the account up and, if there is an active one, stores a single-use
reset token (32 random bytes, kept as SHA-256, 1 hour) and sends it; an SMS also counts against
the SMS budgets of the requester's IP and of everyone (:mod:`.sms_budget`). Whatever it refuses
is dropped silently (logged): the requester was answered long before. Lambda retries a failed
invocation twice; each try counts against the same limits, so retries never pass them.
"""

from __future__ import annotations

import secrets
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Literal

from customer_identity.core.clock import epoch
from customer_identity.core.errors import InvalidInput, TooManyRequests
from customer_identity.core.observability import logger
from customer_identity.core.redaction import mask_address
from customer_identity.core.settings import Settings
from customer_identity.storage import keys
from customer_identity.storage.entities import ResetTokenItem
from customer_identity.use_cases.identity.emails import normalise_email
from customer_identity.use_cases.identity.phones import normalise_phone
from customer_identity.use_cases.sign_in.accounts import Accounts
from customer_identity.use_cases.sign_in.limits import Limits
from customer_identity.use_cases.sign_in.notifications import Message, Sender
from customer_identity.use_cases.sign_in.sms_budget import SmsBudget
from customer_identity.use_cases.sign_in.tokens import token_digest

RESET_TTL_SECONDS = 3600

type Invoke = Callable[[dict[str, Any]], None]


@dataclass(frozen=True)
class ResetRequest:
    """What the public half hands to the worker: one normalised address and the requester's IP."""

    channel: Literal["email", "sms"]
    to: str  # a lower-case email, or an E.164 phone
    source_ip: str

    def to_event(self) -> dict[str, str]:
        return {"channel": self.channel, "to": self.to, "source_ip": self.source_ip}

    @classmethod
    def from_event(cls, event: dict[str, Any]) -> ResetRequest:
        channel = event.get("channel")
        if channel not in {"email", "sms"} or not event.get("to") or not event.get("source_ip"):
            raise ValueError("a reset request names a channel (email or sms), an address and a source IP")
        return cls(channel=channel, to=str(event["to"]), source_ip=str(event["source_ip"]))


class ResetRequests:
    """The public half: validates, then queues the request for the worker (one asynchronous invoke)."""

    def __init__(self, settings: Settings, sms_budget: SmsBudget, invoke_worker: Invoke) -> None:
        self.settings = settings
        self.sms_budget = sms_budget
        self.invoke_worker = invoke_worker

    def prepare(self, *, email: str | None, phone: str | None, source_ip: str) -> ResetRequest:
        """The request for exactly one of ``email`` and ``phone``; 422 for a phone that is invalid or
        outside the SMS countries (both known from the number alone)."""
        if (email is None) == (phone is None):
            raise InvalidInput("send either email or phone", field="email", code="missing_field")
        if email is not None:
            return ResetRequest(channel="email", to=normalise_email(str(email)) or "", source_ip=source_ip)
        assert phone is not None
        e164 = normalise_phone(phone, self.settings.default_region).e164
        self.sms_budget.check_country(e164)
        return ResetRequest(channel="sms", to=e164, source_ip=source_ip)

    def submit(self, *, email: str | None, phone: str | None, source_ip: str) -> None:
        self.invoke_worker(self.prepare(email=email, phone=phone, source_ip=source_ip).to_event())


class ResetDelivery:
    """The worker: limits, account look-up, token, message."""

    def __init__(self, accounts: Accounts, limits: Limits, sms_budget: SmsBudget, sender: Sender) -> None:
        self.accounts = accounts
        self.limits = limits
        self.sms_budget = sms_budget
        self.sender = sender

    @staticmethod
    def request_of(event: dict[str, Any]) -> ResetRequest:
        """The request in a worker invocation's event (:meth:`ResetRequest.to_event`)."""
        return ResetRequest.from_event(event)

    def deliver(self, request: ResetRequest) -> None:
        """Send a reset token if the address has an active account; a refusal by a limit drops it."""
        try:
            self._deliver(request)
        except TooManyRequests as refused:
            logger.info("reset not sent", extra={"reason": refused.code, "to": mask_address(request.to)})

    def _deliver(self, request: ResetRequest) -> None:
        email, phone = (request.to, None) if request.channel == "email" else (None, request.to)
        self.limits.record_send("reset", request.to)
        _, account = self.accounts.by_login_name(email, phone)
        if account is None or not account.active:  # a deactivated account gets no way back in
            return
        if account.customer is not None and request.channel == "email" and not account.password_hash:
            # Setting a first password needs proof of the phone; an email address is no such proof.
            self.sender.send(to=request.to, channel="email", message=Message.no_password_yet())
            return
        if request.channel == "sms":
            self.sms_budget.take(request.source_ip)
        token = issue_reset_token(account.kind, account.account_id, request.channel)
        self.sender.send(to=request.to, channel=request.channel, message=Message.reset_token(token))
        logger.info("reset token sent", extra={"channel": request.channel, "to": mask_address(request.to)})


def issue_reset_token(account_kind: str, account_id: str, channel: Literal["email", "sms"]) -> str:
    """Store a single-use reset token for an account (1 hour, kept as its SHA-256) and return it."""
    token = secrets.token_urlsafe(32)
    now = epoch()
    ResetTokenItem(
        *keys.reset_token_key(token_digest(token)),
        account_kind=account_kind,
        account_id=account_id,
        channel=channel,
        expires_at=int(now + RESET_TTL_SECONDS),
        expiration=int(now + RESET_TTL_SECONDS + 3600),
    ).save()
    return token
