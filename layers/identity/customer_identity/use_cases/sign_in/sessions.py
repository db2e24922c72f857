"""The caller of a request: its token verified, and a staff token checked against its account.

A staff account can be deactivated, or its role changed, at any time; both must take effect on
the very next request, not when the token expires. So every staff request reads the account with
one strongly consistent ``GetItem`` (1 read capacity unit for an item under 4 KB) and refuses the
token unless the account exists, is active, still has the token's role and is still in the
token's generation (bumped by every deactivation and role change, so a token issued before a
deactivation never works again, even after a reactivation). Customer tokens need no read: a
customer account cannot be deactivated.
"""

from __future__ import annotations

from customer_identity.core.errors import AccountDeactivated, TokenRevoked
from customer_identity.storage import keys, table
from customer_identity.storage.entities import StaffItem
from customer_identity.use_cases.sign_in.tokens import Principal, Tokens


class Sessions:
    def __init__(self, tokens: Tokens) -> None:
        self.tokens = tokens

    def authenticate(self, token: str) -> Principal:
        """The principal of ``token``; :class:`Unauthenticated` (or a subclass) for anything else."""
        principal = self.tokens.verify(token)
        if principal.customer_id is None:
            check_staff(principal, table.get(StaffItem, keys.staff_key(principal.account_id)))
        return principal


def check_staff(principal: Principal, staff: StaffItem | None) -> None:
    """Refuse a staff token whose account is gone, deactivated, or changed since it was issued."""
    if staff is None:
        raise TokenRevoked()
    if not staff.active:
        raise AccountDeactivated()
    if staff.role != principal.role or staff.generation != principal.generation:
        raise TokenRevoked()
