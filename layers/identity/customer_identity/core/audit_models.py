"""What ``GET /admin/audit`` and the alias check answer."""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from customer_identity.core.models.accounts import StrandedPage
from customer_identity.core.models.common import Answer
from customer_identity.core.wire import Timestamp


class CustomerExample(Answer):
    customer_id: str
    customer_number: str | None = Field(description="None only for a create still in flight (a claim)")
    name: str | None
    status: str


class CustomerFinding(Answer):
    count: int
    examples: list[CustomerExample] = Field(description="The lowest-numbered first; at most 10")


class MarkerExample(Answer):
    marker: str = Field(description="The identifier's key, e.g. NUMBER#12")
    names: str = Field(description="The customer or staff account id it names")
    problem: Literal[
        "customer_missing", "customer_does_not_hold_it", "staff_account_missing", "staff_account_does_not_hold_it"
    ]


class AliasCheckState(Answer):
    """The latest background check of every identifier marker (``POST /admin/audit/alias-checks``)."""

    run_id: str | None = None
    state: Literal["never_run", "running", "completed"]
    started_at: Timestamp | None = None
    started_by: str | None = None
    completed_at: Timestamp | None = None
    markers_checked: int = 0
    dangling: int = Field(default=0, description="Markers naming a customer or account that does not exist")
    mismatched: int = Field(default=0, description="Markers naming a customer that no longer holds the identifier")
    examples: list[MarkerExample] = Field(default_factory=list)


class AliasCheckEnvelope(Answer):
    alias_check: AliasCheckState


class ReviewFinding(Answer):
    open: int
    by_reason: dict[str, int]


class AuditReport(Answer):
    """The linkage report: exact counts (maintained counters) and the first examples (sparse indexes)."""

    generated_at: Timestamp
    customers_total: int = Field(description="Live customers (not merged away)")
    cannot_sign_in: CustomerFinding = Field(description="Live customers with neither a password nor a verified phone")
    without_email: CustomerFinding = Field(description="Live customers whose account has no email")
    without_number: CustomerFinding = Field(
        description="Customers without a number: only creates in flight (claims); 0 at rest"
    )
    review: ReviewFinding = Field(description="Open review items, by reason")
    aliases: AliasCheckState = Field(description="The latest alias check: dangling and mismatched must be 0")
    deactivated_delivery_persons: StrandedPage = Field(
        description="Deactivated delivery persons who still have customers assigned, with the first of them; "
        "continue with GET /admin/staff?role=delivery_person&active=false"
    )
