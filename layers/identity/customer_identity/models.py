"""Pydantic models: what callers send and what they get back."""

from __future__ import annotations

from decimal import Decimal
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, EmailStr, Field, StringConstraints

CustomerStatus = Literal["trial", "active", "paused", "stopped"]
DEFAULT_STATUS: CustomerStatus = "active"

Name = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)]
Address = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=500)]
Area = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=100)]
PhoneText = Annotated[str, StringConstraints(min_length=1, max_length=64)]


class _Input(BaseModel):
    model_config = ConfigDict(extra="forbid")


class NewCustomer(_Input):
    """Body of ``POST /customers``. Only ``phone`` is required."""

    phone: PhoneText = Field(description="Any shape people type; read in DEFAULT_REGION without +country")
    name: Name | None = None
    email: EmailStr | None = None
    address: Address | None = None
    area: Area | None = None
    status: CustomerStatus | None = Field(default=None, description=f"Defaults to {DEFAULT_STATUS!r}")


class CustomerChanges(_Input):
    """Body of ``PATCH /customers/{ref}``: fields present are set; ``null`` clears an optional field."""

    phone: PhoneText | None = None
    name: Name | None = None
    email: EmailStr | None = None
    address: Address | None = None
    area: Area | None = None
    status: CustomerStatus | None = None


class NextNumber(_Input):
    """Body of ``PUT /admin/customer-numbers``."""

    next: int = Field(ge=1, le=10**11, description="The number the next new customer gets")


class Customer(BaseModel):
    customer_id: str
    customer_number: str
    phone: str
    name: str | None
    email: str | None
    status: CustomerStatus
    address: str | None
    area: str | None
    legacy_ids: list[str]
    total_bookings: int
    total_spent: Decimal = Field(description="Exact decimal, 2 places")
    created_at: str
    updated_at: str


class CustomerResult(BaseModel):
    created: bool
    customer: Customer
    ignored_fields: list[str] = Field(
        default_factory=list,
        description="Fields sent for an existing customer that differ from what is stored; "
        "POST never changes an existing customer (use PATCH)",
    )


class ResolvedCustomer(BaseModel):
    customer: Customer
    resolved_from: Literal["customer_id", "customer_number", "phone", "email", "legacy_id"]


class CustomerEnvelope(BaseModel):
    customer: Customer


class CustomerPage(BaseModel):
    items: list[Customer]
    next_cursor: str | None


class NumberingState(BaseModel):
    next_number: int
    next_customer_number: str
    last_issued: str | None


class Health(BaseModel):
    status: Literal["ok"]


class ErrorDetail(BaseModel):
    code: str
    message: str
    field: str | None


class ErrorBody(BaseModel):
    error: ErrorDetail
