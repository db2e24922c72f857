"""Change events: what other systems receive when a customer or a booking changes (docs/events.md).

One model per event type; ``events/schemas/<type>.json`` is generated from them
(``python -m devserver.event_schemas``) and checked for drift. Every event carries the same
envelope: ``event_id`` (the same on every retry and redelivery), ``type``, ``customer_id`` and
``customer_number`` (null only for ``backfill.completed``), ``revision`` (only grows for one customer;
for ``booking.*``, for one booking; ``ledger.entry_posted`` is 1, an entry never changes),
``occurred_at`` and ``data``.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from customer_identity.core.models.bookings import Booking
from customer_identity.core.models.common import Answer
from customer_identity.core.models.customers import Customer
from customer_identity.core.models.ledger import LedgerEntry
from customer_identity.core.wire import Timestamp

STRICT = ConfigDict(
    extra="forbid", populate_by_name=True, json_schema_serialization_defaults_required=True, defer_build=True
)


class Part(Answer):
    """Events say exactly what they hold: their schemas refuse any other property."""

    model_config = STRICT


class CustomerState(Customer):
    """The customer as the API shows it, and where it forwards when merged away."""

    model_config = STRICT

    merged_into: str | None = Field(description="The survivor's customer_id while this customer is merged away")


class CustomerRef(Part):
    customer_id: str
    customer_number: str


class FieldChange(Part):
    old: Any
    new: Any


class Identifier(Part):
    kind: Literal["customer_id", "customer_number", "phone", "email", "legacy_id"]
    value: str


class CustomerData(Part):
    customer: CustomerState


class ChangedCustomerData(CustomerData):
    changes: dict[str, FieldChange] = Field(description="Each field that changed: its value before and after")


class MergeData(CustomerData):
    merge_id: str
    from_: CustomerRef = Field(alias="from")
    into: CustomerRef
    forwarding: list[Identifier] = Field(
        description="customer.merged: every identifier that now forwards to `into`; "
        "customer.merge_undone: every identifier that names this customer again"
    )


class LegacyIdsData(CustomerData):
    legacy_ids_added: list[str]


class BookingData(Part):
    booking: Booking


class ChangedBookingData(BookingData):
    changes: dict[str, FieldChange]


class LedgerEntryData(Part):
    entry: LedgerEntry


class BackfillData(Part):
    run_id: str
    customers_created: int
    first_number: str | None
    completed_at: Timestamp


class Envelope(Part):
    event_id: str = Field(description="The same on every retry and redelivery: deduplicate on it")
    customer_id: str | None
    customer_number: str | None
    revision: int = Field(description="Only grows per customer (booking.*: per booking); ignore one not above yours")
    occurred_at: Timestamp


class CustomerCreated(Envelope):
    type: Literal["customer.created"]
    data: CustomerData


class CustomerUpdated(Envelope):
    type: Literal["customer.updated"]
    data: ChangedCustomerData


class CustomerPhoneChanged(Envelope):
    type: Literal["customer.phone_changed"]
    data: ChangedCustomerData


class CustomerMerged(Envelope):
    type: Literal["customer.merged"]
    data: MergeData


class CustomerMergeUndone(Envelope):
    type: Literal["customer.merge_undone"]
    data: MergeData


class CustomerLegacyIdAttached(Envelope):
    type: Literal["customer.legacy_id_attached"]
    data: LegacyIdsData


class BookingCreated(Envelope):
    type: Literal["booking.created"]
    data: BookingData


class BookingUpdated(Envelope):
    type: Literal["booking.updated"]
    data: ChangedBookingData


class LedgerEntryPosted(Envelope):
    type: Literal["ledger.entry_posted"]
    data: LedgerEntryData


class BackfillCompleted(Envelope):
    type: Literal["backfill.completed"]
    data: BackfillData


EVENT_MODELS: tuple[type[Envelope], ...] = (
    CustomerCreated,
    CustomerUpdated,
    CustomerPhoneChanged,
    CustomerMerged,
    CustomerMergeUndone,
    CustomerLegacyIdAttached,
    BookingCreated,
    BookingUpdated,
    LedgerEntryPosted,
    BackfillCompleted,
)
EVENT_TYPES: tuple[str, ...] = tuple(model.model_fields["type"].annotation.__args__[0] for model in EVENT_MODELS)  # type: ignore[union-attr]

type DomainEvent = Annotated[
    CustomerCreated
    | CustomerUpdated
    | CustomerPhoneChanged
    | CustomerMerged
    | CustomerMergeUndone
    | CustomerLegacyIdAttached
    | BookingCreated
    | BookingUpdated
    | LedgerEntryPosted
    | BackfillCompleted,
    Field(discriminator="type"),
]


def as_json(event: BaseModel) -> dict[str, Any]:
    """The event as it is published (aliases such as ``from``)."""
    return event.model_dump(mode="json", by_alias=True)
