"""The roles an account can have, defined once."""

from __future__ import annotations

from typing import Literal, get_args

Role = Literal["customer", "delivery_person", "supplier", "marketing_staff", "admin"]
ROLES: tuple[str, ...] = get_args(Role)
StaffRole = Literal["delivery_person", "supplier", "marketing_staff", "admin"]
STAFF_ROLES: tuple[str, ...] = get_args(StaffRole)
# Names older systems used for the same role.
ROLE_ALIASES: dict[str, StaffRole] = {"delivery_boy": "delivery_person"}
StaffRoleInput = Literal["delivery_person", "delivery_boy", "supplier", "marketing_staff", "admin"]


def canonical_role(role: str) -> str:
    return ROLE_ALIASES.get(role, role)
