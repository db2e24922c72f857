"""The single-table layout. This module is the only place that knows a key shape.

Item types (``pk`` / ``sk``):

* ``PHONE#<e164>`` / ``CUSTOMER`` -- the customer itself, keyed by its phone (one phone, one item).
* ``CUSTOMER#<customer_id>`` / ``ALIAS``, ``NUMBER#<n>`` / ``ALIAS``, ``EMAIL#<email>`` / ``ALIAS``,
  ``LEGACY#<id>`` / ``ALIAS`` -- marker items. Each one exists at most once (``attribute_not_exists``)
  and names the customer (``customer_id``) and the phone its item lives under.
* ``COUNTER#customer_number`` / ``COUNTER`` -- the customer-number counter.
* ``STAFF#<account_id>`` / ``ACCOUNT`` -- a staff account (an identity without a customer number).
  Its email marker (``EMAIL#<email>`` / ``ALIAS``, entity ``staff_email``) shares the customers'
  email namespace, so one email is unique across all accounts.
* ``OTP#<e164>`` / ``OTP`` -- the current sign-in code of a phone (hashed), with its attempts.
* ``SENDS#<purpose>#<to>`` / ``SENDS`` -- when codes or reset links were last sent (rate limits).
* ``LOGIN#<identifier>`` / ``GUARD`` -- failed password attempts and lockouts of one login name.
* ``RESET#<sha256 of token>`` / ``RESET`` -- a password-reset token (single use, 1 h).
* ``OUTBOX#<to>`` / ``<created_at>#<id>`` -- messages kept by the local outbox sender (never in AWS).
* ``CUSTOMER#<customer_id>`` / ``BOOKING#<created_at>#<booking_id>`` -- a booking, in its customer's
  item collection (history is one strongly consistent query); ``BOOKING#<booking_id>`` / ``BOOKING``
  -- finds a booking by id.

Global secondary indexes (sparse, customers only) serve listing without scans:
``by_number`` (all customers in number order), ``by_status``, ``by_area`` (area, then status) and
``by_delivery_person`` (the customers assigned to one delivery person).
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from pynamodb.attributes import (
    Attribute,
    DiscriminatorAttribute,
    ListAttribute,
    NumberAttribute,
    UnicodeAttribute,
    UnicodeSetAttribute,
)
from pynamodb.constants import NUMBER
from pynamodb.exceptions import CancellationReason, DoesNotExist, PynamoDBException, TransactWriteError
from pynamodb.expressions.condition import Condition
from pynamodb.expressions.update import Action
from pynamodb.indexes import AllProjection, GlobalSecondaryIndex
from pynamodb.models import Model
from pynamodb.transactions import TransactWrite

from customer_identity.settings import Settings

CUSTOMER_SK = "CUSTOMER"
ALIAS_SK = "ALIAS"
COUNTER_SK = "COUNTER"
NUMBER_WIDTH = 12  # zero padding so that numbers sort as strings in the indexes


# --- key shapes -------------------------------------------------------------------------------


def phone_key(e164: str) -> tuple[str, str]:
    return f"PHONE#{e164}", CUSTOMER_SK


def customer_id_key(customer_id: str) -> tuple[str, str]:
    return f"CUSTOMER#{customer_id}", ALIAS_SK


def number_key(number: int) -> tuple[str, str]:
    return f"NUMBER#{number}", ALIAS_SK


def email_key(email: str) -> tuple[str, str]:
    return f"EMAIL#{email}", ALIAS_SK


def legacy_key(legacy_id: str) -> tuple[str, str]:
    return f"LEGACY#{legacy_id}", ALIAS_SK


COUNTER_KEY = ("COUNTER#customer_number", COUNTER_SK)
BOOKING_PREFIX = "BOOKING#"


def bookings_partition(customer_id: str) -> str:
    """The item collection holding a customer's bookings (newest last in sort order)."""
    return f"CUSTOMER#{customer_id}"


def booking_key(customer_id: str, created_at: str, booking_id: str) -> tuple[str, str]:
    return bookings_partition(customer_id), f"{BOOKING_PREFIX}{created_at}#{booking_id}"


def booking_ref_key(booking_id: str) -> tuple[str, str]:
    return f"BOOKING#{booking_id}", "BOOKING"


def staff_key(account_id: str) -> tuple[str, str]:
    return f"STAFF#{account_id}", "ACCOUNT"


def otp_key(e164: str) -> tuple[str, str]:
    return f"OTP#{e164}", "OTP"


def send_log_key(purpose: str, to: str) -> tuple[str, str]:
    return f"SENDS#{purpose}#{to}", "SENDS"


def login_guard_key(identifier: str) -> tuple[str, str]:
    return f"LOGIN#{identifier}", "GUARD"


def reset_token_key(token_hash: str) -> tuple[str, str]:
    return f"RESET#{token_hash}", "RESET"


def outbox_partition(to: str) -> str:
    return f"OUTBOX#{to}"


def padded_number(number: int) -> str:
    return str(number).zfill(NUMBER_WIDTH)


def area_index_value(area: str) -> str:
    return " ".join(area.split()).casefold()


# --- attributes -------------------------------------------------------------------------------


class DecimalAttribute(Attribute[Decimal]):
    """A DynamoDB number read and written as :class:`~decimal.Decimal`, never as float."""

    attr_type = NUMBER

    def serialize(self, value: Decimal) -> str:
        return str(value)

    def deserialize(self, value: str) -> Decimal:
        return Decimal(value)


# --- entities ---------------------------------------------------------------------------------


class ByNumberIndex(GlobalSecondaryIndex["TableItem"]):
    class Meta:
        index_name = "by_number"
        projection = AllProjection()

    gsi1pk = UnicodeAttribute(hash_key=True)
    gsi1sk = UnicodeAttribute(range_key=True)


class ByStatusIndex(GlobalSecondaryIndex["TableItem"]):
    class Meta:
        index_name = "by_status"
        projection = AllProjection()

    gsi2pk = UnicodeAttribute(hash_key=True)
    gsi2sk = UnicodeAttribute(range_key=True)


class ByAreaIndex(GlobalSecondaryIndex["TableItem"]):
    class Meta:
        index_name = "by_area"
        projection = AllProjection()

    gsi3pk = UnicodeAttribute(hash_key=True)
    gsi3sk = UnicodeAttribute(range_key=True)


class ByDeliveryPersonIndex(GlobalSecondaryIndex["TableItem"]):
    class Meta:
        index_name = "by_delivery_person"
        projection = AllProjection()

    gsi4pk = UnicodeAttribute(hash_key=True)
    gsi4sk = UnicodeAttribute(range_key=True)


class TableItem(Model):
    """Every item in the table; ``entity`` tells which subclass it is."""

    class Meta:
        table_name = "customer-identity"
        region = "us-east-1"
        host: str | None = None
        max_retry_attempts = 3

    pk = UnicodeAttribute(hash_key=True)
    sk = UnicodeAttribute(range_key=True)
    entity = DiscriminatorAttribute()

    # Index keys live on the base class so that the one shared connection knows every index;
    # only customers set them (sparse indexes).
    gsi1pk = UnicodeAttribute(null=True)
    gsi1sk = UnicodeAttribute(null=True)
    gsi2pk = UnicodeAttribute(null=True)
    gsi2sk = UnicodeAttribute(null=True)
    gsi3pk = UnicodeAttribute(null=True)
    gsi3sk = UnicodeAttribute(null=True)
    gsi4pk = UnicodeAttribute(null=True)
    gsi4sk = UnicodeAttribute(null=True)
    # Epoch seconds after which DynamoDB deletes the item (TTL): codes, tokens, rate limits, outbox.
    expiration = NumberAttribute(null=True)

    by_number = ByNumberIndex()
    by_status = ByStatusIndex()
    by_area = ByAreaIndex()
    by_delivery_person = ByDeliveryPersonIndex()


CUSTOMERS_PARTITION = "CUSTOMERS"


class CustomerItem(TableItem, discriminator="customer"):
    customer_id = UnicodeAttribute()
    # Null only while a contended create is between claiming the phone and taking its number.
    customer_number = NumberAttribute(null=True)
    pending_since = NumberAttribute(null=True)
    phone = UnicodeAttribute()
    phone_raw = UnicodeAttribute(null=True)
    name = UnicodeAttribute(null=True)
    email = UnicodeAttribute(null=True)
    status = UnicodeAttribute()
    address = UnicodeAttribute(null=True)
    area = UnicodeAttribute(null=True)
    legacy_ids = UnicodeSetAttribute(null=True)
    total_bookings = NumberAttribute(default=0)
    total_spent = DecimalAttribute(default=lambda: Decimal("0"))
    created_at = UnicodeAttribute()
    updated_at = UnicodeAttribute()
    delivery_person_id = UnicodeAttribute(null=True)
    # The login facet of the same identity: a customer is its own account (no orphan can exist).
    password_hash = UnicodeAttribute(null=True)
    password_changed_at = UnicodeAttribute(null=True)
    # Set when someone proved they hold the phone (OTP, or a reset link sent by SMS).
    phone_verified_at = UnicodeAttribute(null=True)
    # Bumped by every write; writes that replace the item are conditioned on it.
    revision = NumberAttribute(default=0)

    def refresh_keys(self) -> None:
        """Derive the primary and index keys from the customer's fields."""
        self.pk, self.sk = phone_key(self.phone)
        if self.customer_number is None:  # a claim: listed nowhere until it has its number
            self.gsi1pk = self.gsi1sk = self.gsi2pk = self.gsi2sk = self.gsi3pk = self.gsi3sk = None
            self.gsi4pk = self.gsi4sk = None
            return
        padded = padded_number(int(self.customer_number))
        self.gsi1pk, self.gsi1sk = CUSTOMERS_PARTITION, padded
        self.gsi2pk, self.gsi2sk = f"STATUS#{self.status}", padded
        if self.area:
            self.gsi3pk, self.gsi3sk = f"AREA#{area_index_value(self.area)}", f"{self.status}#{padded}"
        else:
            self.gsi3pk = self.gsi3sk = None
        if self.delivery_person_id:
            self.gsi4pk, self.gsi4sk = f"DELIVERY#{self.delivery_person_id}", padded
        else:
            self.gsi4pk = self.gsi4sk = None


class AliasItem(TableItem, discriminator="alias"):
    """A unique identifier (customer id, number, email, legacy id) pointing at one customer."""

    kind = UnicodeAttribute()
    customer_id = UnicodeAttribute()
    phone = UnicodeAttribute()
    created_at = UnicodeAttribute()


class CounterItem(TableItem, discriminator="counter"):
    next_number = NumberAttribute()
    last_issued = NumberAttribute(null=True)


class BookingItem(TableItem, discriminator="booking"):
    """A booking, in its customer's item collection (``CUSTOMER#<customer_id>``)."""

    booking_id = UnicodeAttribute()
    customer_id = UnicodeAttribute()
    service = UnicodeAttribute()
    amount = DecimalAttribute()
    status = UnicodeAttribute()
    scheduled_for = UnicodeAttribute(null=True)
    notes = UnicodeAttribute(null=True)
    created_at = UnicodeAttribute()
    updated_at = UnicodeAttribute()


class BookingRefItem(TableItem, discriminator="booking_ref"):
    """Finds a booking by its id: the customer whose collection holds it, and its sort key."""

    customer_id = UnicodeAttribute()
    booking_sk = UnicodeAttribute()


class StaffItem(TableItem, discriminator="staff"):
    """A staff account: delivery person, supplier, marketing staff or admin (no customer number)."""

    account_id = UnicodeAttribute()
    role = UnicodeAttribute()
    email = UnicodeAttribute()
    name = UnicodeAttribute(null=True)
    phone = UnicodeAttribute(null=True)
    password_hash = UnicodeAttribute(null=True)
    password_changed_at = UnicodeAttribute(null=True)
    created_at = UnicodeAttribute()
    updated_at = UnicodeAttribute()
    revision = NumberAttribute(default=0)


class StaffEmailItem(TableItem, discriminator="staff_email"):
    """The ``EMAIL#<email>`` marker of a staff account (same key space as customers' emails)."""

    account_id = UnicodeAttribute()
    created_at = UnicodeAttribute()


class OtpItem(TableItem, discriminator="otp"):
    """The one live sign-in code of a phone: an HMAC of the code, never the code itself."""

    code_hash = UnicodeAttribute(null=True)  # removed when the code is used
    expires_at = NumberAttribute()
    attempts = NumberAttribute(default=0)


class SendLogItem(TableItem, discriminator="send_log"):
    """Recent sends to one address for one purpose (a sliding-window rate limit)."""

    sent_at = ListAttribute(of=NumberAttribute, default=list)
    version = NumberAttribute(default=0)


class LoginGuardItem(TableItem, discriminator="login_guard"):
    """Password attempts on one login name since its last success, and how often it was locked."""

    failures = NumberAttribute(default=0)
    strikes = NumberAttribute(default=0)
    last_attempt_at = NumberAttribute(default=0)
    version = NumberAttribute(default=0)


class ResetTokenItem(TableItem, discriminator="reset_token"):
    """A password-reset token, keyed by its SHA-256 (the token itself is only in the message)."""

    account_kind = UnicodeAttribute()  # "customer" or "staff"
    account_id = UnicodeAttribute()
    channel = UnicodeAttribute()  # "sms" proves the phone, "email" does not
    expires_at = NumberAttribute()


class OutboxItem(TableItem, discriminator="outbox"):
    """A message the local outbox sender kept instead of sending it."""

    to = UnicodeAttribute()
    channel = UnicodeAttribute()
    text = UnicodeAttribute()
    created_at = UnicodeAttribute()


ENTITIES: tuple[type[TableItem], ...] = (
    CustomerItem,
    AliasItem,
    CounterItem,
    BookingItem,
    BookingRefItem,
    StaffItem,
    StaffEmailItem,
    OtpItem,
    SendLogItem,
    LoginGuardItem,
    ResetTokenItem,
    OutboxItem,
)


def alias_item(key: tuple[str, str], *, kind: str, customer_id: str, phone: str, now: str) -> AliasItem:
    return AliasItem(key[0], key[1], kind=kind, customer_id=customer_id, phone=phone, created_at=now)


def alias_keys_of(customer: CustomerItem) -> list[tuple[str, tuple[str, str]]]:
    """Every marker that names ``customer``, as (kind, key)."""
    keys = [("customer_id", customer_id_key(customer.customer_id))]
    if customer.customer_number is not None:
        keys.append(("customer_number", number_key(int(customer.customer_number))))
    if customer.email:
        keys.append(("email", email_key(customer.email)))
    keys.extend(("legacy_id", legacy_key(legacy)) for legacy in sorted(customer.legacy_ids or ()))
    return keys


# --- binding ----------------------------------------------------------------------------------


def bind(settings: Settings) -> None:
    """Point every entity at the configured table and endpoint (once per execution environment)."""
    meta = TableItem.Meta
    meta.table_name = settings.table_name
    meta.region = settings.aws_region
    meta.host = settings.dynamodb_endpoint
    TableItem._connection = None
    for cls in ENTITIES:
        if "_connection" in cls.__dict__:
            delattr(cls, "_connection")
    # Connect the base class: subclasses inherit its connection, so one client serves them all.
    TableItem._get_connection()


def dynamodb_client() -> Any:
    """The botocore client behind every entity (for the calls PynamoDB cannot express)."""
    return TableItem._get_connection().connection.client


def get[T: TableItem](cls: type[T], key: tuple[str, str]) -> T | None:
    """The item at ``key`` if it is a ``cls`` (strongly consistent), else None."""
    try:
        item = TableItem.get(*key, consistent_read=True)
    except DoesNotExist:
        return None
    return item if isinstance(item, cls) else None


def raise_unless_condition_failed(error: PynamoDBException) -> None:
    """Re-raise a failed single-item write unless its condition did not hold (a lost race)."""
    if error.cause_response_code != "ConditionalCheckFailedException":
        raise error


def from_raw[T: TableItem](cls: type[T], raw: dict[str, Any]) -> T:
    """An item in DynamoDB's wire format as the entity ``cls`` (TypeError if it is another entity)."""
    item = TableItem.from_raw_data(raw)
    if not isinstance(item, cls):
        raise TypeError(f"expected {cls.__name__}, got {type(item).__name__}")
    return item


# --- transactions -----------------------------------------------------------------------------

CONDITION_FAILED = "ConditionalCheckFailed"
ALL_OLD = "ALL_OLD"


class TransactionCancelled(Exception):
    """A transaction changed nothing; ``reasons`` maps each operation's label to why (or None)."""

    def __init__(self, reasons: dict[str, CancellationReason | None]) -> None:
        super().__init__({label: reason.code for label, reason in reasons.items() if reason})
        self.reasons = reasons

    def failed(self, label: str) -> bool:
        """True when the condition of the operation ``label`` did not hold."""
        reason = self.reasons.get(label)
        return reason is not None and reason.code == CONDITION_FAILED

    def old_item[T: TableItem](self, label: str, cls: type[T]) -> T | None:
        """The item that made ``label``'s condition fail, as it was (None if it did not exist)."""
        reason = self.reasons.get(label)
        if reason is None or not reason.raw_item:
            return None
        return from_raw(cls, reason.raw_item)


class Transaction:
    """One ``TransactWriteItems`` (all-or-nothing, at most 100 operations) with labelled operations.

    PynamoDB sends condition checks, deletes, puts and updates in that order whatever the call
    order; this keeps the labels in the same order so cancellation reasons map back to them.
    Every conditioned operation asks for the blocking item (``ReturnValuesOnConditionCheckFailure``).
    """

    _SEND_ORDER = ("check", "delete", "put", "update")

    def __init__(self) -> None:
        self._tx = TransactWrite(connection=TableItem._get_connection().connection)
        self._labels: dict[str, list[str]] = {kind: [] for kind in self._SEND_ORDER}

    def _label(self, kind: str, label: str) -> None:
        if any(label in labels for labels in self._labels.values()):
            raise ValueError(f"duplicate transaction label {label!r}")
        self._labels[kind].append(label)

    def check(self, label: str, cls: type[TableItem], key: tuple[str, str], condition: Condition) -> None:
        """Require ``condition`` on the item at ``key`` without writing it."""
        self._label("check", label)
        self._tx.condition_check(cls, key[0], key[1], condition=condition)

    def put(self, label: str, item: TableItem, condition: Condition | None = None) -> None:
        self._label("put", label)
        self._tx.save(item, condition=condition, return_values=ALL_OLD if condition is not None else None)

    def update(self, label: str, item: TableItem, actions: list[Action], condition: Condition | None = None) -> None:
        self._label("update", label)
        self._tx.update(
            item, actions=actions, condition=condition, return_values=ALL_OLD if condition is not None else None
        )

    def delete(self, label: str, item: TableItem, condition: Condition | None = None) -> None:
        self._label("delete", label)
        self._tx.delete(item, condition=condition)

    def commit(self) -> None:
        try:
            self._tx._commit()
        except TransactWriteError as error:
            reasons = error.cancellation_reasons
            if not reasons:  # throttling, validation, network: not a lost race
                raise
            labels = [label for kind in self._SEND_ORDER for label in self._labels[kind]]
            raise TransactionCancelled(dict(zip(labels, reasons, strict=True))) from error
