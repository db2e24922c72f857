"""Merges of two customers into one, and their undo."""

from __future__ import annotations

from decimal import Decimal
from typing import Annotated, Literal

from pydantic import Field, StringConstraints

from customer_identity.core.models.common import Answer
from customer_identity.core.models.fields import Input
from customer_identity.core.wire import (
    DecimalString,
    Timestamp,
)

Reference = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=256)]
MergeState = Literal["moving", "completed", "undoing", "undone"]


class MergeRequest(Input):
    """Body of ``POST /admin/customers/{ref}/merge``: the customer ``ref`` is merged into ``into``."""

    into: Reference = Field(description="Any reference to the survivor (it keeps its id, number and phone)")


class MergeMoved(Answer):
    bookings: int = Field(description="Bookings moved onto the survivor")
    aliases: int = Field(description="References of the merged customer that now resolve to the survivor")
    balance: DecimalString = Field(
        default=Decimal("0.00"),
        description="The merged customer's balance, moved to the survivor as two ledger entries",
    )


class Merge(Answer):
    merge_id: str
    kind: Literal["admin", "backfill"] = Field(description="`backfill`: legacy rows joined into one new customer")
    state: MergeState = Field(description="`moving` until every booking has moved (any later call resumes it)")
    survivor: str = Field(description="Customer id of the survivor")
    survivor_number: str
    merged: str | None = Field(description="Customer id of the merged customer (null for backfill merges)")
    merged_number: str | None
    moved: MergeMoved
    legacy_ids: list[str] = Field(default_factory=list, description="Backfill: the legacy rows that joined")
    created_at: Timestamp
    by: str = Field(description="Account id of the admin (or `backfill:<run>`)")
    completed_at: Timestamp | None = None
    undone_at: Timestamp | None = None
    undone_by: str | None = None


class MergeEnvelope(Answer):
    merge: Merge


class MergePage(Answer):
    items: list[Merge]
    next_cursor: str | None
