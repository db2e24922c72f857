"""One way out for sign-in codes and reset links: SMS through SNS and email through SES in AWS, or a
local outbox (items in the table) that ``make run`` serves at ``GET /dev/outbox``.
"""

from __future__ import annotations

import time
import uuid
from typing import Any, Literal, Protocol

from botocore.exceptions import BotoCoreError, ClientError

from customer_identity import table
from customer_identity.customers import utc_now
from customer_identity.errors import DeliveryFailed
from customer_identity.redaction import mask_address
from customer_identity.settings import Settings
from customer_identity.table import OutboxItem

Channel = Literal["sms", "email"]
OUTBOX_KEEP_SECONDS = 24 * 3600
EMAIL_SUBJECTS = {"reset": "Reset your password", "info": "About your account"}


class Sender(Protocol):
    def send(self, *, to: str, channel: Channel, text: str, subject: str) -> None: ...


class OutboxSender:
    """Keeps each message in the table (for developers); nothing leaves the machine."""

    def send(self, *, to: str, channel: Channel, text: str, subject: str) -> None:
        created_at = utc_now()
        OutboxItem(
            table.outbox_partition(to),
            f"{created_at}#{uuid.uuid4().hex}",
            to=to,
            channel=channel,
            text=text,
            created_at=created_at,
            expiration=int(time.time()) + OUTBOX_KEEP_SECONDS,
        ).save()


class AwsSender:
    """SMS with SNS ``Publish`` to a phone number; email with SES v2 ``SendEmail``."""

    def __init__(self, settings: Settings) -> None:
        import boto3

        self._settings = settings
        self._sns: Any = boto3.client("sns", region_name=settings.aws_region)
        self._ses: Any = boto3.client("sesv2", region_name=settings.aws_region)

    def send(self, *, to: str, channel: Channel, text: str, subject: str) -> None:
        from customer_identity.api import logger

        try:
            if channel == "sms":
                self._sns.publish(
                    PhoneNumber=to,
                    Message=text,
                    MessageAttributes={"AWS.SNS.SMS.SMSType": {"DataType": "String", "StringValue": "Transactional"}},
                )
            else:
                self._ses.send_email(
                    FromEmailAddress=self._settings.email_from,
                    Destination={"ToAddresses": [to]},
                    Content={"Simple": {"Subject": {"Data": subject}, "Body": {"Text": {"Data": text}}}},
                )
        except (ClientError, BotoCoreError) as error:
            logger.warning("message not sent", extra={"channel": channel, "to": mask_address(to)})
            raise DeliveryFailed() from error


def sender_for(settings: Settings) -> Sender:
    return OutboxSender() if settings.notification_sender == "outbox" else AwsSender(settings)


def outbox_messages(to: str, *, limit: int = 50) -> list[dict[str, str]]:
    """Messages the outbox kept for ``to`` (E.164 phone or lower-case email), newest first."""
    items = OutboxItem.query(table.outbox_partition(to), scan_index_forward=False, limit=limit, consistent_read=True)
    return [
        {"to": item.to, "channel": item.channel, "text": item.text, "created_at": item.created_at} for item in items
    ]
