"""Households: a customer's members, people it books for on its one phone (a child on a parent's
phone, a family on a milk round). Members are names on the customer, never customers: no number, no
phone, no login. Admins and the customer itself edit them (``PATCH /customers/{ref}`` ``members``,
the list replaces the old one); a booking may name the member it is for (``member_id``). A name search
finds a customer by a member's name: each member's name is a :class:`MemberNameItem` in the name
index, written in the same transaction as the members."""

from __future__ import annotations

import json
import uuid
from typing import Any

from customer_identity.core.errors import InvalidInput
from customer_identity.core.models.households import MemberInput
from customer_identity.storage import keys
from customer_identity.storage.entities import CustomerItem, MemberNameItem
from customer_identity.storage.transactions import Transaction


def members_of(item: CustomerItem) -> list[dict[str, Any]]:
    return json.loads(item.members) if item.members else []


def new_member_id() -> str:
    return f"mem_{uuid.uuid4().hex[:16]}"


def stored(given: list[MemberInput] | None, current: CustomerItem) -> str | None:
    """The members JSON for ``given`` (None or empty: no members); a ``member_id`` must be one of the
    customer's (422 ``invalid_member_id``), a new member gets one."""
    if not given:
        return None
    known = {member["member_id"] for member in members_of(current)}
    found = []
    for index, member in enumerate(given):
        if member.member_id is not None and member.member_id not in known:
            raise InvalidInput(
                f"{member.member_id!r} is not a member of this customer",
                field=f"members.{index}.member_id",
                code="invalid_member_id",
            )
        found.append(
            {"member_id": member.member_id or new_member_id(), "name": member.name, "relation": member.relation}
        )
    return json.dumps(found, ensure_ascii=False, separators=(",", ":"))


def ensure_member(item: CustomerItem, member_id: str | None) -> None:
    """422 ``invalid_member_id`` unless ``member_id`` (when given) is a member of the customer."""
    if member_id is not None and member_id not in {m["member_id"] for m in members_of(item)}:
        raise InvalidInput(
            f"{member_id!r} is not a member of this customer", field="member_id", code="invalid_member_id"
        )


def name_items(item: CustomerItem | None) -> dict[str, MemberNameItem]:
    """The name index items ``item``'s members give it, by member id (none before it has a number)."""
    if item is None or item.customer_number is None:
        return {}
    return {
        member["member_id"]: MemberNameItem(
            customer_id=item.customer_id,
            customer_number=int(item.customer_number),
            member_id=member["member_id"],
            name=member["name"],
        )
        for member in members_of(item)
        if member.get("name")
    }


def index_members(tx: Transaction, before: CustomerItem | None, after: CustomerItem) -> None:
    """Add to ``tx`` the name index writes that take ``before``'s members to ``after``'s: a put per
    new or renamed member, a delete per removed one."""
    old, new = name_items(before), name_items(after)
    for member_id, item in new.items():
        if member_id not in old or old[member_id].name != item.name:
            tx.put(f"member:{member_id}", item)
    for member_id in old.keys() - new.keys():
        tx.delete(f"member:{member_id}", keys.member_name_key(after.customer_id, member_id))
