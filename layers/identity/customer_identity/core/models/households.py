"""Households: the people a customer books for on its one phone (a child, a parent); never accounts."""

from __future__ import annotations

from typing import Annotated

from pydantic import Field, StringConstraints

from customer_identity.core.models.common import Answer
from customer_identity.core.models.fields import Input, Name

MemberId = Annotated[str, StringConstraints(strip_whitespace=True, pattern=r"^mem_[a-f0-9]{8,32}$")]
Relation = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=50)]
MAX_MEMBERS = 20


class MemberInput(Input):
    """A household member in ``PATCH /customers/{ref}`` ``members`` (the list replaces the old one; keep a
    member's ``member_id`` to keep it, bookings name it)."""

    member_id: MemberId | None = Field(default=None, description="Omit for a new member")
    name: Name
    relation: Relation | None = Field(default=None, description="Free text: child, parent, guest...")


class Member(Answer):
    member_id: str
    name: str
    relation: str | None
