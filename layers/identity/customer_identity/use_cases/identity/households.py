"""Households: a customer's members, people it books for on its one phone (a child on a parent's
phone, a family on a milk round). Members are names on the customer, never customers: no number, no
phone, no login. Admins and the customer itself edit them (``PATCH /customers/{ref}`` ``members``,
the list replaces the old one); a booking may name the member it is for (``member_id``)."""

from __future__ import annotations

import json
import uuid
from typing import Any

from customer_identity.core.errors import InvalidInput
from customer_identity.core.models.households import MemberInput
from customer_identity.storage.entities import CustomerItem


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
