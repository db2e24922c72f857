"""The caller of a request: its token verified, and the token's session checked.

Every session can end before its tokens expire -- a sign-out, a credential change, a reused
refresh token, a staff account deactivated or given another role -- and that must take effect on
the very next request. So every authenticated request reads the token's session item with one
strongly consistent ``GetItem`` (1 read capacity unit: the item is well under 4 KB) and refuses
the token unless the session is live (not ended, not past its absolute or idle expiry). Staff pay
nothing more than that read: a deactivation or role change ends the account's sessions in its own
transaction (:mod:`customer_identity.use_cases.admin.staff_management`), so the session alone
tells. Public routes (``/health``, ``/auth/*``) read nothing.
"""

from __future__ import annotations

from customer_identity.use_cases.sign_in.session_store import SessionStore
from customer_identity.use_cases.sign_in.tokens import Principal, Tokens


class Sessions:
    def __init__(self, tokens: Tokens, store: SessionStore) -> None:
        self.tokens = tokens
        self.store = store

    def authenticate(self, token: str) -> Principal:
        """The principal of ``token``; :class:`Unauthenticated` (or a subclass) for anything else."""
        principal = self.tokens.verify(token)
        self.store.check(principal)
        return principal
