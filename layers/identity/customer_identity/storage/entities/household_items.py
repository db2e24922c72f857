"""A household member's name in the name index: one item per member, beside its customer."""

from __future__ import annotations

from typing import Any

from pynamodb.attributes import NumberAttribute, UnicodeAttribute

from customer_identity.storage import keys
from customer_identity.storage.entities.base import TableItem


class MemberNameItem(TableItem, discriminator="member_name"):
    """``name`` of member ``member_id`` of customer ``customer_id``: a name search finds the customer by
    it. Written in the transaction that sets the customer's members, never read otherwise."""

    customer_id = UnicodeAttribute()
    customer_number = NumberAttribute()
    member_id = UnicodeAttribute()
    name = UnicodeAttribute()

    def serialize(self, null_check: bool = True) -> dict[str, dict[str, Any]]:
        self.pk, self.sk = keys.member_name_key(self.customer_id, self.member_id)
        order = f"{keys.padded_number(int(self.customer_number))}#{self.member_id}"
        for name, value in keys.name_index_keys(self.name, order).items():
            setattr(self, name, value)
        return super().serialize(null_check=null_check)
