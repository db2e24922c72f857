"""Renewing a session: a refresh token in, a new access token and a new refresh token out.

* Rotation is one conditional ``UpdateItem`` on the session (its generation and current refresh
  hash as read): of concurrent refreshes with one token, exactly one rotates.
* The others, and any retry of that token within ``REFRESH_GRACE_SECONDS`` of the rotation, get the
  pair that replaced it: the same refresh token and the same access token, derived again
  (:meth:`.session_store.SessionStore.pair`), so a flaky network never signs a user out.
* A spent token presented later -- or the token before it at any time -- is theft (someone else
  has it or had it): the whole session ends (``refresh_token_reused``) and its access token and
  newest refresh token stop working at once.
* Every refusal is the same 401 ``session_revoked``: a token this service never issued, one of an
  ended or expired session, one just treated as theft.
"""

from __future__ import annotations

import hmac

from pynamodb.exceptions import UpdateError

from customer_identity.core.clock import epoch, utc_now
from customer_identity.core.errors import SessionRevoked
from customer_identity.core.models.accounts import Token
from customer_identity.core.observability import logger
from customer_identity.storage import keys, table
from customer_identity.storage.entities import SessionItem
from customer_identity.use_cases.sign_in.session_store import Client, Pair, RefreshToken, SessionStore
from customer_identity.use_cases.sign_in.tokens import token_digest

THEFT = "refresh_token_reused"


class Refresh:
    def __init__(self, store: SessionStore) -> None:
        self.store = store
        self.grace_seconds = store.settings.refresh_grace_seconds

    def refresh(self, token: str, client: Client) -> Token:
        """The next pair of the session ``token`` belongs to (see the module's rules)."""
        return self.rotate(token, client).token()

    def rotate(self, token: str, client: Client) -> Pair:
        """The next pair of the session (tokens as :class:`Pair`)."""
        session = self.session_of(token)
        presented = RefreshToken.parse(token)
        if presented.generation == session.generation:
            rotated = self._rotate(session, token, client)
            if rotated is not None:
                return self._pair(rotated)
            session = self.store.ensure_live(self.store.get(session.account_id, session.session_id))
        return self._successor(session, presented)

    def session_of(self, token: str) -> SessionItem:
        """The live session a genuine, current (or just-spent) refresh token belongs to, else 401.

        A genuine token older than that is theft: the session is ended before the 401.
        """
        presented = RefreshToken.parse(token)
        session = self.store.get(presented.account_id, presented.session_id)
        if session is None or presented.generation > session.generation:
            raise SessionRevoked()
        if not hmac.compare_digest(token, self.store.refresh_token(session, presented.generation)):
            raise SessionRevoked()  # not one of ours: nothing learned, nothing ended
        session = self.store.ensure_live(session)
        if presented.generation < session.generation - 1 or (
            presented.generation == session.generation - 1 and not self._in_grace(session)
        ):
            self.store.revoke(session.account_id, session.session_id, THEFT)
            logger.warning("spent refresh token reused: session ended", extra={"session_id": session.session_id})
            raise SessionRevoked()
        return session

    def _rotate(self, session: SessionItem, token: str, client: Client) -> SessionItem | None:
        """Move the session to its next generation; None if another request rotated it first."""
        now = epoch()
        successor = session.copy()
        assert isinstance(successor, SessionItem)
        successor.generation = int(session.generation) + 1
        successor.previous_hash = token_digest(token)
        successor.refresh_hash = token_digest(self.store.refresh_token(successor, successor.generation))
        successor.rotated_at = now
        successor.last_used_at = utc_now()
        successor.idle_expires_at = min(int(session.expires_at), int(now + self.store.settings.session_idle_seconds))
        successor.address = client.address or session.address
        item = SessionItem(*keys.session_key(session.account_id, session.session_id))
        try:
            item.update(
                actions=[
                    SessionItem.generation.set(successor.generation),
                    SessionItem.refresh_hash.set(successor.refresh_hash),
                    SessionItem.previous_hash.set(successor.previous_hash),
                    SessionItem.rotated_at.set(successor.rotated_at),
                    SessionItem.last_used_at.set(successor.last_used_at),
                    SessionItem.idle_expires_at.set(successor.idle_expires_at),
                    *([SessionItem.address.set(successor.address)] if successor.address else []),
                ],
                condition=(SessionItem.generation == session.generation)
                & (SessionItem.refresh_hash == session.refresh_hash)
                & SessionItem.revoked_at.does_not_exist(),
            )
        except UpdateError as error:
            if not table.condition_failed(error):
                raise
            return None
        return successor

    def _successor(self, session: SessionItem, presented: RefreshToken) -> Pair:
        """The pair that replaced the token just spent, for a retry within the grace window."""
        if presented.generation != session.generation - 1 or not self._in_grace(session):
            raise SessionRevoked()
        return self._pair(session)

    def _in_grace(self, session: SessionItem) -> bool:
        return epoch() - float(session.rotated_at) <= self.grace_seconds

    def _pair(self, session: SessionItem) -> Pair:
        customer_id = session.account_id if session.account_kind == "customer" else None
        return self.store.pair(session, customer_id)
