"""A legacy row kept verbatim beside the customer it was attached to (nothing of an import is lost)."""

from __future__ import annotations

from pynamodb.attributes import NumberAttribute, UnicodeAttribute

from customer_identity.storage.entities.base import TableItem


class LegacyRecordItem(TableItem, discriminator="legacy_record"):
    """One source row of a customer (identity or booking row) as the export carried it, secrets
    removed; keyed by its collection and legacy id, so a resumed or repeated run writes it again in
    place. Never changed afterwards; a merge leaves it under the customer it was attached to."""

    customer_id = UnicodeAttribute()
    collection = UnicodeAttribute()
    legacy_id = UnicodeAttribute()
    line = NumberAttribute()  # its line in the export file (from 1)
    row = UnicodeAttribute()  # the original line, secret values replaced by "[removed]"
    run_id = UnicodeAttribute()
    imported_at = UnicodeAttribute()
