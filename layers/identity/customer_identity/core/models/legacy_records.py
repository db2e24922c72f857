"""The legacy rows kept verbatim with a customer (admins read them back)."""

from __future__ import annotations

from typing import Any

from pydantic import Field

from customer_identity.core.models.common import Answer
from customer_identity.core.models.review import LegacyCollection
from customer_identity.core.wire import Timestamp


class LegacyRecord(Answer):
    collection: LegacyCollection
    legacy_id: str
    line: int = Field(description="Line number in the export file (from 1)")
    customer_id: str = Field(
        description="The customer the row was attached to: the one asked for, or one merged into it since"
    )
    row: dict[str, Any] | str = Field(description="The row exactly as the export carried it, secrets removed")
    run_id: str = Field(description="The backfill run that imported it")
    imported_at: Timestamp


class LegacyRecordPage(Answer):
    customer_id: str = Field(description="The customer the reference resolved to")
    items: list[LegacyRecord]
    next_cursor: str | None
