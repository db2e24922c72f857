"""Sessions: one per sign-in, an access token tied to it (``sid``) and a refresh token that renews it.

* A session is an item (``SESSION#<account_id>`` / ``SESSION#<session_id>``): created, last used,
  the client's user agent and coarse address, an absolute expiry (``SESSION_ABSOLUTE_SECONDS``) and
  an idle one (``SESSION_IDLE_SECONDS`` after the last refresh). Ending it (sign-out, a credential
  change, theft) sets ``revoked_at``; the item stays until its TTL, so a late token is recognised.
* Refresh tokens are derived, not stored: the token of rotation ``n`` is an HMAC, under a key
  derived from the signing key, of the account, the session, ``n`` and a random per-session seed
  (256 bits each). The item holds its SHA-256 only. Deriving lets a retry of the token just spent
  get the same successor back (:mod:`.refresh`) without the successor being kept anywhere.
* A staff session is opened in one transaction with a revision bump of the staff account, so a
  deactivation or role change (which revokes every live session in its own transaction, conditioned
  on that revision) can never miss a session opened at the same moment.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import ipaddress
import secrets
import uuid
from dataclasses import dataclass

from boto3.dynamodb.conditions import Attr
from pynamodb.exceptions import UpdateError

from customer_identity.core.clock import epoch, utc_now
from customer_identity.core.errors import AccountDeactivated, SessionRevoked, TokenRevoked, Unauthenticated
from customer_identity.core.models.accounts import Token
from customer_identity.core.settings import Settings
from customer_identity.storage import keys, queries, table
from customer_identity.storage.entities import SessionItem
from customer_identity.storage.transactions import Transaction
from customer_identity.use_cases.sign_in.tokens import Principal, Tokens, token_digest

USER_AGENT_CHARS = 256
# Ended sessions are kept this long past their absolute expiry (a replayed token is recognised as
# such), then DynamoDB's TTL deletes them.
KEEP_ENDED_SECONDS = 7 * 24 * 3600
REASON_ERRORS: dict[str, type[Unauthenticated]] = {
    "account_deactivated": AccountDeactivated,
    "role_changed": TokenRevoked,
}


@dataclass(frozen=True)
class Client:
    """Where a sign-in or refresh came from, as kept on the session."""

    user_agent: str | None = None
    address: str | None = None

    @classmethod
    def of(cls, user_agent: str | None, source_ip: str | None) -> Client:
        return cls(user_agent=(user_agent or "")[:USER_AGENT_CHARS] or None, address=coarse_address(source_ip))


def coarse_address(source_ip: str | None) -> str | None:
    """The network of an address, not the address: an IPv4 /24 or an IPv6 /48."""
    try:
        address = ipaddress.ip_address((source_ip or "").strip())
    except ValueError:
        return None
    prefix = 24 if address.version == 4 else 48
    return str(ipaddress.ip_network(f"{address}/{prefix}", strict=False))


@dataclass(frozen=True)
class Pair:
    """What a sign-in or a refresh answers: the access token, the refresh token, their lifetimes."""

    access_token: str
    expires_in: int
    refresh_token: str
    refresh_expires_in: int
    session_id: str

    def token(self) -> Token:
        """The pair as a sign-in or refresh answers it."""
        return Token(
            token=self.access_token,
            expires_in=self.expires_in,
            refresh_token=self.refresh_token,
            refresh_expires_in=self.refresh_expires_in,
        )


@dataclass(frozen=True)
class RefreshToken:
    """A refresh token taken apart (nothing in it is trusted until the MAC matches)."""

    account_id: str
    session_id: str
    generation: int

    @classmethod
    def parse(cls, token: str) -> RefreshToken:
        try:
            account, session_id, generation, _ = token.split(".")
            account_id = base64.urlsafe_b64decode(account + "=" * (-len(account) % 4)).decode()
            return cls(account_id=account_id, session_id=session_id, generation=int(generation))
        except (ValueError, UnicodeDecodeError) as error:
            raise SessionRevoked() from error


class SessionStore:
    def __init__(self, settings: Settings, tokens: Tokens) -> None:
        self.settings = settings
        self.tokens = tokens
        self._refresh_key = tokens.derived_key(b"refresh-token")

    # --- opening ------------------------------------------------------------------------------

    def new_session(self, *, account_id: str, kind: str, role: str, method: str, client: Client) -> SessionItem:
        now = epoch()
        absolute = int(now + self.settings.session_absolute_seconds)
        session = SessionItem(
            account_id=account_id,
            session_id=uuid.uuid4().hex,
            account_kind=kind,
            role=role,
            method=method,
            created_at=utc_now(),
            user_agent=client.user_agent,
            address=client.address,
            expires_at=absolute,
            seed=secrets.token_urlsafe(32),
            generation=0,
            rotated_at=now,
            expiration=absolute + KEEP_ENDED_SECONDS,
        )
        session.last_used_at = session.created_at
        session.idle_expires_at = min(absolute, int(now + self.settings.session_idle_seconds))
        session.refresh_hash = token_digest(self.refresh_token(session, 0))
        return session

    def open(self, session: SessionItem, *, staff_revision: int | None = None) -> None:
        """Write a new session; a staff session in one transaction with its account's revision
        (:class:`.retry.LostRace`-style :class:`TransactionCancelled` if the account changed)."""
        if staff_revision is None:  # a customer: one conditional PutItem (a transaction would cost twice)
            session.save(condition=SessionItem.pk.does_not_exist())
            return
        tx = Transaction()
        tx.put("session", session, condition=Attr("pk").not_exists())
        active = Attr("revision").eq(staff_revision) & Attr("deactivated_at").not_exists()
        tx.update("staff", keys.staff_key(session.account_id), add_values={"revision": 1}, condition=active)
        tx.commit()

    # --- tokens of a session ------------------------------------------------------------------

    def refresh_token(self, session: SessionItem, generation: int) -> str:
        account = base64.urlsafe_b64encode(session.account_id.encode()).decode().rstrip("=")
        message = f"{session.account_id}|{session.session_id}|{generation}|{session.seed}".encode()
        mac = base64.urlsafe_b64encode(hmac.new(self._refresh_key, message, hashlib.sha256).digest()).decode()
        return f"{account}.{session.session_id}.{generation}.{mac.rstrip('=')}"

    def pair(self, session: SessionItem, customer_id: str | None) -> Pair:
        """The session's current pair: the same tokens for the same rotation, whoever asks."""
        generation = int(session.generation)
        issued = int(session.rotated_at)
        access = self.tokens.issue(
            account_id=session.account_id,
            role=session.role,
            customer_id=customer_id,
            method=session.method,
            session_id=session.session_id,
            issued_at=issued,
            expires_at=int(session.expires_at),
            token_id=hashlib.sha256(f"{session.session_id}|{generation}".encode()).hexdigest()[:32],
        )
        refresh_left = int(min(session.expires_at, session.idle_expires_at) - issued)
        return Pair(
            access_token=access,
            expires_in=max(0, min(self.tokens.ttl_seconds, int(session.expires_at) - issued)),
            refresh_token=self.refresh_token(session, generation),
            refresh_expires_in=max(0, refresh_left),
            session_id=session.session_id,
        )

    # --- checking -----------------------------------------------------------------------------

    def get(self, account_id: str, session_id: str) -> SessionItem | None:
        return table.get(SessionItem, keys.session_key(account_id, session_id))

    def check(self, principal: Principal) -> SessionItem:
        """The live session of an access token (one strongly consistent ``GetItem``), or 401."""
        if principal.session_id is None:
            raise SessionRevoked()
        session = self.get(principal.account_id, principal.session_id)
        return self.ensure_live(session)

    def ensure_live(self, session: SessionItem | None) -> SessionItem:
        if session is None or not self.is_live(session):
            reason = session.revoked_reason if session is not None else None
            raise REASON_ERRORS.get(reason or "", SessionRevoked)()
        return session

    @staticmethod
    def is_live(session: SessionItem, now: float | None = None) -> bool:
        at = epoch() if now is None else now
        return session.live and at < session.expires_at and at < session.idle_expires_at

    # --- ending -------------------------------------------------------------------------------

    def revoke(self, account_id: str, session_id: str, reason: str) -> bool:
        """End one session; False if there is no such session or it had ended already."""
        item = SessionItem(*keys.session_key(account_id, session_id))
        try:
            item.update(
                actions=[SessionItem.revoked_at.set(utc_now()), SessionItem.revoked_reason.set(reason)],
                condition=SessionItem.pk.exists() & SessionItem.revoked_at.does_not_exist(),
            )
        except UpdateError as error:
            if not table.condition_failed(error):
                raise
            return False
        return True

    def live_sessions(self, account_id: str) -> list[SessionItem]:
        now = epoch()
        return [session for session in queries.account_sessions(account_id) if self.is_live(session, now)]

    def revoke_all(self, account_id: str, reason: str, *, keep: str | None = None) -> int:
        """End every live session of an account except ``keep``; how many were ended."""
        ended = 0
        for session in self.live_sessions(account_id):
            if session.session_id != keep and self.revoke(account_id, session.session_id, reason):
                ended += 1
        return ended

    @staticmethod
    def revoke_in(tx: Transaction, session: SessionItem, reason: str, label: str) -> None:
        """Add ending ``session`` to a transaction (a staff change)."""
        tx.update(
            label,
            (session.pk, session.sk),
            set_values={"revoked_at": utc_now(), "revoked_reason": reason},
            condition=Attr("pk").exists(),  # never an item re-created by the update
        )
