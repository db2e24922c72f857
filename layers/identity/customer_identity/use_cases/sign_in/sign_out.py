"""Signing out: this session, every session, one listed session; admins end a customer's sessions.

Ending a session sets its ``revoked_at`` (one conditional ``UpdateItem``); its access token is
refused at its next request (:mod:`.sessions`) and its refresh token answers 401.
"""

from __future__ import annotations

from datetime import UTC, datetime

from customer_identity.core.errors import SessionNotFound, Unauthenticated
from customer_identity.core.models.sessions import SessionInfo, SessionList, SessionsEnded
from customer_identity.storage.entities import SessionItem
from customer_identity.use_cases.identity.resolution import Resolver
from customer_identity.use_cases.sign_in.refresh import Refresh
from customer_identity.use_cases.sign_in.session_store import SessionStore
from customer_identity.use_cases.sign_in.tokens import Principal


class SignOut:
    def __init__(self, store: SessionStore, refresh: Refresh, resolver: Resolver | None = None) -> None:
        self.store = store
        self.refresh = refresh
        self.resolver = resolver

    def logout(self, *, access_token: str | None, refresh_token: str | None, everywhere: bool) -> SessionsEnded:
        """End the session named by an access token (even an expired one) or a refresh token; with
        ``everywhere``, every session of its account (only from a live session)."""
        session = self._session_of(access_token, refresh_token)
        if everywhere:
            self.store.ensure_live(session)
            return SessionsEnded(ended=self.store.revoke_all(session.account_id, "signed_out_everywhere"))
        ended = self.store.revoke(session.account_id, session.session_id, "signed_out")
        return SessionsEnded(ended=int(ended))

    def _session_of(self, access_token: str | None, refresh_token: str | None) -> SessionItem:
        if access_token is not None:
            principal = self.store.tokens.verify(access_token, allow_expired=True)
            session = self.store.get(principal.account_id, principal.session_id) if principal.session_id else None
            if session is None:
                raise Unauthenticated("this token has no session")
            return session
        if refresh_token is not None:
            return self.refresh.session_of(refresh_token)  # a reused one ends the session and answers 401
        raise Unauthenticated("send the bearer token or the refresh token of the session to end")

    def sessions(self, caller: Principal) -> SessionList:
        live = sorted(self.store.live_sessions(caller.account_id), key=lambda s: s.created_at, reverse=True)
        return SessionList(items=[info(session, caller.session_id) for session in live])

    def end(self, caller: Principal, session_id: str) -> SessionsEnded:
        """End one of the caller's own live sessions (404 for any other id)."""
        session = self.store.get(caller.account_id, session_id)
        if session is None or not self.store.is_live(session):
            raise SessionNotFound()
        return SessionsEnded(ended=int(self.store.revoke(caller.account_id, session_id, "signed_out")))

    def customer_sessions(self, ref: str) -> SessionList:
        """Admins: where the customer ``ref`` names is signed in (its live sessions, newest first)."""
        assert self.resolver is not None
        customer = self.resolver.resolve(ref).item
        live = sorted(self.store.live_sessions(customer.customer_id), key=lambda s: s.created_at, reverse=True)
        return SessionList(items=[info(session, None) for session in live])

    def end_customer_sessions(self, ref: str) -> SessionsEnded:
        """Admins: end every session of the customer ``ref`` names (a lost or stolen phone)."""
        assert self.resolver is not None
        customer = self.resolver.resolve(ref).item
        return SessionsEnded(ended=self.store.revoke_all(customer.customer_id, "ended_by_admin"))


def info(session: SessionItem, current: str | None) -> SessionInfo:
    return SessionInfo(
        session_id=session.session_id,
        current=session.session_id == current,
        method=session.method,
        created_at=session.created_at,
        last_used_at=session.last_used_at,
        user_agent=session.user_agent,
        address=session.address,
        expires_at=iso(session.expires_at),
        idle_expires_at=iso(session.idle_expires_at),
    )


def iso(epoch_seconds: float) -> str:
    moment = datetime.fromtimestamp(float(epoch_seconds), UTC)
    return moment.isoformat(timespec="milliseconds").replace("+00:00", "Z")
