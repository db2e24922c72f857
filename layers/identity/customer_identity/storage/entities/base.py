"""The table's base item and the attribute types every item uses."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from pynamodb.attributes import (
    Attribute,
    DiscriminatorAttribute,
    NumberAttribute,
    UnicodeAttribute,
)
from pynamodb.constants import NUMBER
from pynamodb.indexes import AllProjection, GlobalSecondaryIndex, IncludeProjection, Projection
from pynamodb.models import Model

from customer_identity.storage import keys


class DecimalAttribute(Attribute[Decimal]):
    """A DynamoDB number read and written as :class:`~decimal.Decimal`, never as float."""

    attr_type = NUMBER

    def serialize(self, value: Decimal) -> str:
        return str(value)

    def deserialize(self, value: str) -> Decimal:
        return Decimal(value)


def _index(spec: keys.Index, projection: Projection | None = None) -> GlobalSecondaryIndex[Any]:
    meta = type("Meta", (), {"index_name": spec.name, "projection": projection or AllProjection()})
    attributes = {
        "Meta": meta,
        spec.hash_attribute: UnicodeAttribute(hash_key=True),
        spec.range_attribute: UnicodeAttribute(range_key=True),
    }
    return type(f"{spec.name}_index", (GlobalSecondaryIndex,), attributes)()


class TableItem(Model):
    """Every item in the table. ``Meta`` is set once by :func:`customer_identity.storage.table.configure`."""

    class Meta:
        table_name: str = "customer-identity"
        region: str = "us-east-1"
        host: str | None = None
        max_retry_attempts = 3

    pk = UnicodeAttribute(hash_key=True)
    sk = UnicodeAttribute(range_key=True)
    entity = DiscriminatorAttribute()

    # Index keys live on the base class so that the one connection knows every index; only
    # customers and staff accounts set them (sparse indexes; staff under their own hash keys).
    gsi1pk = UnicodeAttribute(null=True)
    gsi1sk = UnicodeAttribute(null=True)
    gsi2pk = UnicodeAttribute(null=True)
    gsi2sk = UnicodeAttribute(null=True)
    gsi3pk = UnicodeAttribute(null=True)
    gsi3sk = UnicodeAttribute(null=True)
    gsi4pk = UnicodeAttribute(null=True)
    gsi4sk = UnicodeAttribute(null=True)
    missingpk = UnicodeAttribute(null=True)
    missingsk = UnicodeAttribute(null=True)
    gsi5pk = UnicodeAttribute(null=True)
    gsi5sk = UnicodeAttribute(null=True)
    gsi6pk = UnicodeAttribute(null=True)
    gsi6sk = UnicodeAttribute(null=True)
    gsi7pk = UnicodeAttribute(null=True)
    gsi7sk = UnicodeAttribute(null=True)
    # Epoch seconds after which DynamoDB deletes the item (TTL): codes, tokens, rate limits, outbox.
    expiration = NumberAttribute(null=True)

    # What each index projects (as template.yaml declares it): keys, ``entity`` and what its
    # queries' filters read; a page's items are read back by one BatchGetItem (storage/hydrate.py).
    by_number = _index(keys.BY_NUMBER, IncludeProjection(["entity"]))
    by_status = _index(keys.BY_STATUS, IncludeProjection(["entity"]))
    by_area = _index(keys.BY_AREA, IncludeProjection(["entity"]))
    by_delivery_person = _index(
        keys.BY_DELIVERY_PERSON, IncludeProjection(["entity", "status", "gsi3pk", "gsi5sk", "gsi6sk"])
    )
    by_missing_linkage = _index(
        keys.BY_MISSING_LINKAGE,
        IncludeProjection(["entity", "customer_id", "customer_number", "name", "status", "created_at"]),
    )
    by_name = _index(keys.BY_NAME, IncludeProjection(["entity", "status", "gsi3pk"]))
    by_name_last_word = _index(keys.BY_NAME_LAST_WORD, IncludeProjection(["entity", "status", "gsi3pk", "gsi5sk"]))
    by_marketing_person = _index(keys.BY_MARKETING_PERSON, IncludeProjection(["entity"]))

    def copy(self) -> TableItem:
        """An independent copy of this item."""
        return type(self).from_raw_data(self.serialize(null_check=False))
