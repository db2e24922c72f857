"""Signing in with a password, and using a reset token (asking for one: :mod:`.password_resets`).

* 5 failed attempts per login name, then a lockout of 1 minute doubling per lockout (at most
  1 hour), counted per login name whether or not an account has it; one 401 for any wrong name
  or password, checked at the same cost: the same table requests (:meth:`Accounts.by_login_name`)
  and an argon2id verification of the same parameters (:class:`.passwords.Passwords`).
* Reset tokens: single use, 1 hour; using one sets the password and signs in.
"""

from __future__ import annotations

from boto3.dynamodb.conditions import Attr

from customer_identity.core.clock import epoch, utc_now
from customer_identity.core.errors import AccountDeactivated, InvalidCredentials, InvalidResetToken
from customer_identity.core.models.accounts import Token
from customer_identity.core.retry import LostRace, retry_lost_races
from customer_identity.core.settings import Settings
from customer_identity.storage import keys, table
from customer_identity.storage.entities import CustomerItem, ResetTokenItem
from customer_identity.storage.transactions import Transaction, TransactionCancelled
from customer_identity.use_cases.identity import customer_writes, stats
from customer_identity.use_cases.sign_in.accounts import Accounts, LoginAccount
from customer_identity.use_cases.sign_in.credentials import Credentials
from customer_identity.use_cases.sign_in.limits import Limits
from customer_identity.use_cases.sign_in.passwords import Passwords
from customer_identity.use_cases.sign_in.recycling import touch
from customer_identity.use_cases.sign_in.session_store import Client
from customer_identity.use_cases.sign_in.tokens import token_digest


class PasswordSignIn:
    def __init__(
        self,
        settings: Settings,
        accounts: Accounts,
        credentials: Credentials,
        passwords: Passwords,
        limits: Limits,
    ) -> None:
        self.settings = settings
        self.accounts = accounts
        self.credentials = credentials
        self.passwords = passwords
        self.limits = limits

    def login(self, *, email: str | None, phone: str | None, password: str, client: Client | None = None) -> Token:
        """A token for the right password; one answer (401) for any wrong name or password."""
        name, account = self.accounts.by_login_name(email, phone)
        self.limits.take_login_attempt(name)
        verdict = self.passwords.verify(account.password_hash if account else None, password)
        if account is None or not verdict.ok:
            raise InvalidCredentials()
        if not account.active:  # told only to someone who knows the password
            raise AccountDeactivated()
        self.limits.clear_login_guard(name)
        # Legacy bcrypt (or weaker argon2 parameters): upgrade in place; never on a merged-away
        # customer, which stays exactly as merged so that the merge can be undone.
        if verdict.needs_rehash and account.survivor is None:
            self.credentials.upgrade_hash(account, self.passwords.hash(password))
        token = self.accounts.token_for(account, "pwd", client)
        if account.customer is not None and account.survivor is None:
            touch(account.customer)  # a sign-in is activity (the recycling guard's clock; once a day)
        return token

    def reset(self, token: str, password: str, client: Client | None = None) -> Token:
        """Use a reset token (once) to set a new password; signs in, and ends every other session."""
        key = keys.reset_token_key(token_digest(token))
        reset = table.get(ResetTokenItem, key)
        if reset is None or reset.expires_at <= epoch():
            raise InvalidResetToken()
        new_hash = self.passwords.hash(password)

        def attempt() -> LoginAccount:
            account = self.accounts.get(reset.account_kind, reset.account_id)
            if account is None:
                raise InvalidResetToken()
            if not account.active:  # deactivated after the token was sent: the token stays unused
                raise AccountDeactivated()
            now = utc_now()
            values = {"password_hash": new_hash, "password_changed_at": now, "updated_at": now}
            if account.customer is not None and reset.channel == "sms" and not account.customer.phone_verified_at:
                values["phone_verified_at"] = now  # the SMS proved the phone
            after = account.item.copy()
            for name, value in values.items():
                setattr(after, name, value)
            removed: tuple[str, ...] = ()
            if isinstance(after, CustomerItem):  # a login method may take it out of the linkage index
                values, removed = customer_writes.update_values(after, values)
            tx = Transaction()
            tx.delete("token", key, condition=Attr("pk").exists() & Attr("expires_at").gt(int(epoch())))
            tx.update(
                "account",
                (account.item.pk, account.item.sk),
                set_values=values,
                add_values={"revision": 1},
                remove=removed,
                # A deactivation in between changes the revision too, so it is read again and refused.
                condition=Attr("revision").eq(account.item.revision),
            )
            stats.record(tx, (account.item, after))  # a first password or a proved phone: a login method
            try:
                tx.commit()
            except TransactionCancelled as cancelled:
                if cancelled.failed("token"):
                    raise InvalidResetToken() from cancelled
                raise LostRace from cancelled  # the account changed (e.g. a phone change): read it again
            return account

        account = retry_lost_races(attempt, self.settings.contention_budget_seconds)
        for name in account.login_names:  # a fresh password starts with no lockout
            self.limits.clear_login_guard(name)
        pair = self.accounts.open_session(account, "reset", client or Client())
        self.accounts.sessions.revoke_all(account.account_id, "password_reset", keep=pair.session_id)
        return pair.token()
