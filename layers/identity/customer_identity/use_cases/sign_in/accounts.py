"""Accounts as sign-in sees them: a customer (its own account) or a staff account, found by any login name.

A customer *is* its own account: the login facet (password hash, proof of phone) lives on the
customer item, so no account can exist without its customer. Staff accounts (``STAFF#<id>``) are
identities without a customer number. Emails of both kinds share one marker key space.

A customer merged away keeps its login: its email and phone still name it, its own password is
checked, and the account signed in is its survivor (``survivor``), so nothing is written to the
merged customer and an undo stays exact.
"""

from __future__ import annotations

from dataclasses import dataclass

from customer_identity.core.errors import AccountDeactivated, CustomerNotFound, InvalidInput, Unauthenticated
from customer_identity.core.models.accounts import Account, Me, Token
from customer_identity.core.retry import LostRace, retry_lost_races
from customer_identity.core.settings import Settings
from customer_identity.storage import keys, table
from customer_identity.storage.entities import (
    AliasItem,
    CustomerItem,
    SessionItem,
    StaffEmailItem,
    StaffItem,
    TableItem,
)
from customer_identity.storage.transactions import TransactionCancelled
from customer_identity.use_cases.identity.emails import normalise_email
from customer_identity.use_cases.identity.phones import normalise_phone
from customer_identity.use_cases.identity.resolution import Resolver
from customer_identity.use_cases.identity.views import Views
from customer_identity.use_cases.sign_in.session_store import Client, Pair, SessionStore
from customer_identity.use_cases.sign_in.tokens import Principal, Tokens


@dataclass(frozen=True)
class LoginAccount:
    """A customer or a staff account; a merged-away customer's login signs in as ``survivor``."""

    customer: CustomerItem | None = None
    staff: StaffItem | None = None
    survivor: CustomerItem | None = None

    @property
    def item(self) -> CustomerItem | StaffItem:
        item = self.customer or self.staff
        assert item is not None
        return item

    @property
    def kind(self) -> str:
        return "customer" if self.customer else "staff"

    @property
    def account_id(self) -> str:
        if self.survivor is not None:
            return self.survivor.customer_id
        return self.customer.customer_id if self.customer else self.item.account_id  # type: ignore[union-attr]

    @property
    def role(self) -> str:
        return "customer" if self.customer else self.item.role  # type: ignore[union-attr]

    @property
    def active(self) -> bool:
        """False only for a deactivated staff account."""
        return self.staff is None or self.staff.active

    @property
    def password_hash(self) -> str | None:
        return self.item.password_hash

    @property
    def login_names(self) -> list[str]:
        """The names its password attempts are counted under."""
        names = [login_name(email=self.item.email)] if self.item.email else []
        if self.customer is not None and self.customer.phone:
            names.append(login_name(phone=self.customer.phone))
        return names


def login_name(*, email: str | None = None, phone: str | None = None) -> str:
    return f"email:{email}" if email is not None else f"phone:{phone}"


class Accounts:
    """``tokens`` may be None where no token is issued (the reset worker holds no signing key)."""

    def __init__(self, settings: Settings, resolver: Resolver, views: Views, tokens: Tokens | None) -> None:
        self.settings = settings
        self.resolver = resolver
        self.views = views
        self._tokens = tokens
        self._sessions = SessionStore(settings, tokens) if tokens is not None else None

    @property
    def tokens(self) -> Tokens:
        if self._tokens is None:
            raise RuntimeError("built without the token signing key: this function issues no tokens")
        return self._tokens

    @property
    def sessions(self) -> SessionStore:
        if self._sessions is None:
            raise RuntimeError("built without the token signing key: this function opens no sessions")
        return self._sessions

    def of_principal(self, principal: Principal) -> LoginAccount:
        kind = "customer" if principal.customer_id else "staff"
        account = self.get(kind, principal.customer_id or principal.account_id)
        if account is None:
            raise Unauthenticated("the account no longer exists")
        return account

    def get(self, kind: str, account_id: str) -> LoginAccount | None:
        if kind == "customer":
            try:
                return LoginAccount(customer=self.resolver.by_id(account_id))
            except CustomerNotFound:
                return None
        staff = table.get(StaffItem, keys.staff_key(account_id))
        return LoginAccount(staff=staff) if staff else None

    def by_email(self, email: str) -> LoginAccount | None:
        """The account with this login email: two strongly consistent reads whether or not there is one
        (the email's marker, then the account it names or a key no account has), so that an unknown
        email costs sign-in what a known one does."""
        marker = table.get(TableItem, keys.email_key(email))
        if isinstance(marker, StaffEmailItem):
            return self.get("staff", marker.account_id)
        if not isinstance(marker, AliasItem):
            table.get(StaffItem, keys.NO_ACCOUNT_KEY)
            return None
        customer = self.resolver.by_phone(marker.phone)  # the marker's hint of where the customer lives
        if customer is not None and customer.customer_id == marker.customer_id:
            return self.customer_login(customer)
        try:  # the hint went stale (a phone change in between): the resolver asks the authoritative marker
            return self.customer_login(self.resolver.resolve(email, follow_merges=False).item)
        except CustomerNotFound:
            return None

    def customer_login(self, customer: CustomerItem) -> LoginAccount:
        """The login of ``customer``: itself, or for a customer merged away, signing in as its survivor."""
        if customer.merged_into:
            return LoginAccount(customer=customer, survivor=self.resolver.survivor_of(customer))
        return LoginAccount(customer=customer)

    def by_login_name(self, email: str | None, phone: str | None) -> tuple[str, LoginAccount | None]:
        """(the login name, the account that has it or None) for exactly one of ``email`` and ``phone``."""
        if (email is None) == (phone is None):
            raise InvalidInput("send either email or phone", field="email", code="missing_field")
        if email is not None:
            address = normalise_email(str(email)) or ""
            return login_name(email=address), self.by_email(address)
        assert phone is not None
        e164 = normalise_phone(phone, self.settings.default_region).e164
        customer = self.resolver.by_phone(e164)
        return login_name(phone=e164), self.customer_login(customer) if customer else None

    def me(self, principal: Principal) -> Me:
        return self.me_of(self.of_principal(principal))

    def me_of(self, account: LoginAccount) -> Me:
        customer = self.views.customer(account.customer) if account.customer else None
        return Me(account=self.to_account(account), customer=customer)

    def to_account(self, account: LoginAccount) -> Account:
        item = account.item
        return Account(
            account_id=account.account_id,
            role=account.role,  # type: ignore[arg-type]
            email=item.email,
            phone=item.phone,
            name=item.name,
            has_password=bool(item.password_hash),
            phone_verified=bool(account.customer.phone_verified_at) if account.customer else False,
            created_at=item.created_at,
            active=account.active,
            deactivated_at=account.staff.deactivated_at if account.staff else None,
        )

    def token_for(self, account: LoginAccount, method: str, client: Client | None = None) -> Token:
        """Sign ``account`` in: a new session, its access token and its refresh token."""
        return self.open_session(account, method, client or Client()).token()

    def open_session(self, account: LoginAccount, method: str, client: Client) -> Pair:
        """A new session for ``account`` (never a deactivated one). A staff session is opened in one
        transaction with the account's revision (:mod:`.session_store`); a change in between is read again."""
        current = account

        def attempt() -> SessionItem:
            nonlocal current
            if not current.active:
                raise AccountDeactivated()
            session = self.sessions.new_session(
                account_id=current.account_id, kind=current.kind, role=current.role, method=method, client=client
            )
            try:
                self.sessions.open(session, staff_revision=int(current.staff.revision or 0) if current.staff else None)
            except TransactionCancelled as cancelled:
                if current.staff is None or not cancelled.failed("staff"):
                    raise
                fresh = self.get("staff", current.account_id)
                if fresh is None:
                    raise Unauthenticated("the account no longer exists") from cancelled
                current = fresh
                raise LostRace from cancelled
            return session

        session = retry_lost_races(attempt, self.settings.contention_budget_seconds)
        return self.sessions.pair(session, session.account_id if session.account_kind == "customer" else None)
