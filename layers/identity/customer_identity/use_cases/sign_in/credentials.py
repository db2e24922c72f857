"""Login email and password, for customers and staff alike (one implementation).

A login email is set only with proof of its inbox (``use_cases.email_proofs``). The email marker
moves in the same transaction as the account, so an email never names two accounts.
"""

from __future__ import annotations

from boto3.dynamodb.conditions import Attr
from pynamodb.exceptions import UpdateError

from customer_identity.core.clock import utc_now
from customer_identity.core.errors import EmailTaken, Forbidden, InvalidInput, Unauthenticated
from customer_identity.core.models.accounts import CredentialsChange, Me
from customer_identity.core.models.common import Accepted
from customer_identity.core.retry import LostRace, retry_lost_races
from customer_identity.core.settings import Settings
from customer_identity.storage import keys, table
from customer_identity.storage.entities import CustomerItem, StaffEmailItem, StaffItem
from customer_identity.storage.transactions import Transaction, TransactionCancelled
from customer_identity.use_cases.identity import customer_writes, stats
from customer_identity.use_cases.identity.emails import normalise_email
from customer_identity.use_cases.sign_in.accounts import Accounts, LoginAccount
from customer_identity.use_cases.sign_in.email_proofs import EmailProofs
from customer_identity.use_cases.sign_in.limits import Limits
from customer_identity.use_cases.sign_in.passwords import Passwords
from customer_identity.use_cases.sign_in.tokens import Principal

# Tokens that prove their bearer just proved who they are (a code or a reset link).
FRESH_PROOF_METHODS = frozenset({"otp", "reset"})


class Credentials:
    def __init__(
        self, settings: Settings, accounts: Accounts, passwords: Passwords, limits: Limits, proofs: EmailProofs
    ) -> None:
        self.settings = settings
        self.accounts = accounts
        self.passwords = passwords
        self.limits = limits
        self.proofs = proofs

    def change(self, principal: Principal, change: CredentialsChange) -> Me | Accepted:
        """``PUT /me/credentials``: set the password, ask for a login email (:class:`Accepted`), or confirm one.

        Asking for an email answers the same whether or not another account has it (see
        :mod:`~customer_identity.use_cases.sign_in.email_proofs`); it becomes the login only through
        ``email_token``, the token sent to that inbox.
        """
        if change.email is None and change.password is None and change.email_token is None:
            raise InvalidInput("send password, email or email_token", field="password", code="missing_field")
        if change.email is not None and change.email_token is not None:
            raise InvalidInput(
                "send email_token without email: the token names its address",
                field="email_token",
                code="invalid_email_token",
            )
        account = self.accounts.of_principal(principal)
        if account.customer is not None and not account.customer.phone_verified_at:
            raise Forbidden(
                "prove this customer's phone first: sign in with a code (POST /auth/otp/request)", field="phone"
            )
        asks = change.password is not None or change.email is not None
        if asks and account.password_hash and principal.method not in FRESH_PROOF_METHODS:
            self._check_current_password(account, change.current_password)
        proved_email = self.proofs.take(account, change.email_token) if change.email_token is not None else None
        new_hash = self.passwords.hash(change.password) if change.password is not None else None
        if new_hash is not None or proved_email is not None:
            account = self.store(account, email=proved_email, password_hash=new_hash)
            # A new password or login email ends every other session of the account (not this one).
            reason = "password_changed" if new_hash is not None else "email_changed"
            self.accounts.sessions.revoke_all(principal.account_id, reason, keep=principal.session_id)
        if change.email is not None:
            self.proofs.request(account, normalise_email(str(change.email)) or "")
            return Accepted(
                message="If this address can receive email, a confirmation token is on its way to it. "
                'Send it back as {"email_token": ...} to make the address your login email.'
            )
        return self.accounts.me_of(account)

    def _check_current_password(self, account: LoginAccount, current_password: str | None) -> None:
        if not current_password:
            raise InvalidInput(
                "current_password is required to change existing credentials",
                field="current_password",
                code="missing_field",
            )
        guard = f"account:{account.account_id}"
        self.limits.take_login_attempt(guard)
        if not self.passwords.verify(account.password_hash, current_password).ok:
            raise Forbidden("current_password is wrong", field="current_password")
        self.limits.clear_login_guard(guard)

    def store(self, account: LoginAccount, *, email: str | None, password_hash: str | None) -> LoginAccount:
        """Set the email and/or password hash of ``account`` (re-read and reapplied on a lost race)."""
        latest = account

        def attempt() -> LoginAccount:
            nonlocal latest
            try:
                if latest.customer is not None:
                    return LoginAccount(customer=self._store_customer(latest.customer, email, password_hash))
                return LoginAccount(staff=self._store_staff(latest.item, email, password_hash))  # type: ignore[arg-type]
            except LostRace:
                latest = self.accounts.get(latest.kind, latest.account_id) or _gone()
                raise

        return retry_lost_races(attempt, self.settings.contention_budget_seconds)

    def _store_customer(self, current: CustomerItem, email: str | None, password_hash: str | None) -> CustomerItem:
        updated = customer_writes.next_revision(current)
        if email is not None:
            updated.email = email
        if password_hash is not None:
            updated.password_hash, updated.password_changed_at = password_hash, updated.updated_at
        customer_writes.replace(current, updated)
        return updated

    def _store_staff(self, current: StaffItem, email: str | None, password_hash: str | None) -> StaffItem:
        updated = current.copy()
        assert isinstance(updated, StaffItem)
        updated.revision, updated.updated_at = int(current.revision or 0) + 1, utc_now()
        tx = Transaction()
        if password_hash is not None:
            updated.password_hash, updated.password_changed_at = password_hash, updated.updated_at
        if email is not None and email != current.email:
            updated.email = email
            tx.delete("old_email", keys.email_key(current.email), condition=Attr("account_id").eq(current.account_id))
            tx.put("new_email", staff_email_marker(updated), condition=Attr("pk").not_exists())
        tx.put("account", updated, condition=Attr("revision").eq(current.revision))
        stats.record(tx, (current, updated))  # staff count by role: adds nothing today
        try:
            tx.commit()
        except TransactionCancelled as cancelled:
            if cancelled.failed("new_email"):
                raise EmailTaken() from cancelled
            raise LostRace from cancelled
        return updated

    def upgrade_hash(self, account: LoginAccount, new_hash: str) -> None:
        """Replace a legacy or weaker hash unless the password changed meanwhile (the newer one stands).

        One hash replaces another (the condition names the old one), so no counted fact changes:
        this single-item update needs no counter operation.
        """
        cls = CustomerItem if account.customer else StaffItem
        try:
            account.item.update(
                actions=[cls.password_hash.set(new_hash), cls.updated_at.set(utc_now()), cls.revision.add(1)],
                condition=cls.password_hash == account.password_hash,
            )
        except UpdateError as error:
            if not table.condition_failed(error):
                raise


def staff_email_marker(staff: StaffItem) -> StaffEmailItem:
    return StaffEmailItem(*keys.email_key(staff.email), account_id=staff.account_id, created_at=staff.updated_at)


def _gone() -> LoginAccount:
    raise Unauthenticated("the account no longer exists")
