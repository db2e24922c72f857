"""One way out for sign-in codes and reset links: SMS through SNS and email through SES in AWS, or a
local outbox (items in the table) that ``make run`` serves at ``GET /dev/outbox``.

Every message the service sends is built here (:class:`Message`), once.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from functools import cached_property
from typing import Any, Literal, Protocol

from botocore.exceptions import BotoCoreError, ClientError

from customer_identity.core.clock import epoch, utc_now
from customer_identity.core.errors import DeliveryFailed
from customer_identity.core.observability import logger
from customer_identity.core.redaction import mask_address
from customer_identity.core.settings import Settings
from customer_identity.storage import keys, queries
from customer_identity.storage.entities import OutboxItem

Channel = Literal["sms", "email"]
OUTBOX_KEEP_SECONDS = 24 * 3600


@dataclass(frozen=True)
class Message:
    subject: str
    text: str

    @classmethod
    def sign_in_code(cls, code: str, minutes: int) -> Message:
        return cls("Sign-in code", f"Your sign-in code is {code}. It expires in {minutes} minutes.")

    @classmethod
    def reset_token(cls, token: str) -> Message:
        return cls(
            "Reset your password",
            f"Your password reset token is {token} . It works once, for 1 hour. "
            "If you did not ask for it, ignore this message.",
        )

    @classmethod
    def email_proof(cls, token: str) -> Message:
        return cls(
            "Confirm your email address",
            f"Your email confirmation token is {token} . Send it back to make this address the login of the "
            "account that asked; it works once, for 1 hour. If you did not ask for it, ignore this message.",
        )

    @classmethod
    def email_in_use(cls) -> Message:
        return cls(
            "About your email address",
            "Someone asked to use this address as the login of an account, but it already belongs to an account. "
            "If that was you, sign in with this address or reset your password; otherwise ignore this message.",
        )

    @classmethod
    def no_password_yet(cls) -> Message:
        return cls(
            "About your account",
            "Your account has no password yet. Sign in with a code sent to your phone, then set one.",
        )


class Sender(Protocol):
    def send(self, *, to: str, channel: Channel, message: Message) -> None: ...


class OutboxSender:
    """Keeps each message in the table (for developers); nothing leaves the machine."""

    def send(self, *, to: str, channel: Channel, message: Message) -> None:
        created_at = utc_now()
        OutboxItem(
            *keys.outbox_key(to, created_at, uuid.uuid4().hex),
            to=to,
            channel=channel,
            text=message.text,
            created_at=created_at,
            expiration=int(epoch()) + OUTBOX_KEEP_SECONDS,
        ).save()


class AwsSender:
    """SMS with SNS ``Publish`` to a phone number; email with SES v2 ``SendEmail``.

    Each client is created on its first message (then reused), as the table's client is: a function
    that sends nothing, or only SMS, never pays for building the other (docs/cold-start.md).
    """

    def __init__(self, settings: Settings) -> None:
        self._settings = settings

    @cached_property
    def _sns(self) -> Any:
        import boto3

        return boto3.client("sns", region_name=self._settings.aws_region)

    @cached_property
    def _ses(self) -> Any:
        import boto3

        return boto3.client("sesv2", region_name=self._settings.aws_region)

    def send(self, *, to: str, channel: Channel, message: Message) -> None:
        try:
            if channel == "sms":
                self._sns.publish(
                    PhoneNumber=to,
                    Message=message.text,
                    MessageAttributes={"AWS.SNS.SMS.SMSType": {"DataType": "String", "StringValue": "Transactional"}},
                )
            else:
                self._ses.send_email(
                    FromEmailAddress=self._settings.email_from,
                    Destination={"ToAddresses": [to]},
                    Content={
                        "Simple": {"Subject": {"Data": message.subject}, "Body": {"Text": {"Data": message.text}}}
                    },
                )
        except (ClientError, BotoCoreError) as error:
            logger.warning("message not sent", extra={"channel": channel, "to": mask_address(to)})
            raise DeliveryFailed() from error


def sender_for(settings: Settings) -> Sender:
    return OutboxSender() if settings.notification_sender == "outbox" else AwsSender(settings)


def outbox_messages(to: str, *, limit: int = 50) -> list[dict[str, str]]:
    """Messages the outbox kept for ``to`` (E.164 phone or lower-case email), newest first."""
    return [
        {"to": item.to, "channel": item.channel, "text": item.text, "created_at": item.created_at}
        for item in queries.outbox(to, limit=limit)
    ]
