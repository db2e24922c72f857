"""What staff of a role other than admin see of a customer (docs/accounts.md, "Who sees what").

A delivery person gets what a delivery needs and no money; a marketing person gets the customers they
signed up, enough to follow them up, and no money. Admins and the customer itself get
:class:`~customer_identity.core.models.customers.Customer`.
"""

from __future__ import annotations

from pydantic import Field

from customer_identity.core.models.common import Answer
from customer_identity.core.models.customers import CustomerStatus, ReferenceKind
from customer_identity.core.models.profile_fields import LocationAnswer
from customer_identity.core.wire import Timestamp


class DeliveryCustomer(Answer):
    """A customer as their delivery person sees them: where, who, how to reach; never money."""

    customer_id: str
    customer_number: str
    name: str | None
    phone: str | None = Field(description="E.164; null once the phone was released")
    address: str | None
    area: str | None
    map_link: str | None
    location: LocationAnswer | None
    house_image_url: str | None
    notes: str | None
    status: CustomerStatus


class DeliveryCustomerPage(Answer):
    items: list[DeliveryCustomer]
    next_cursor: str | None


class DeliveryResolvedCustomer(Answer):
    customer: DeliveryCustomer
    resolved_from: ReferenceKind


class MarketingCustomer(Answer):
    """A customer as the marketing person who signed them up sees them; never money."""

    customer_id: str
    customer_number: str
    name: str | None
    phone: str | None = Field(description="E.164; null once the phone was released")
    area: str | None
    status: CustomerStatus
    trial_start_date: str | None = Field(description="YYYY-MM-DD")
    marketing_person_id: str | None = Field(description="The marketing staff account that signed them up")
    created_at: Timestamp


class MarketingCustomerPage(Answer):
    items: list[MarketingCustomer]
    next_cursor: str | None


class MarketingResolvedCustomer(Answer):
    customer: MarketingCustomer
    resolved_from: ReferenceKind


class MarketingCustomerResult(Answer):
    created: bool
    customer: MarketingCustomer
    ignored_fields: list[str] = Field(
        default_factory=list, description="Fields sent for an existing customer that differ from what is stored"
    )
