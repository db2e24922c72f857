"""Accounts: signing in by phone code or by password, credentials, password reset, staff accounts.

A customer *is* its own account: the login facet (password hash, proof of phone) lives on the
customer item, so every customer can sign in by phone code and no account can exist without its
customer. Staff accounts (``STAFF#<id>``) are identities without a customer number. Emails of
both kinds share one marker key space (``EMAIL#<email>``), so an email belongs to one account.

Limits, all enforced by conditional writes so they hold under concurrent requests:

* sign-in codes: 6 digits, HMAC-hashed, 5 minutes, single use, 5 attempts, 3 sends per phone per
  15 minutes (sliding window);
* passwords: 5 failed attempts per login name, then a lockout of 1 minute doubling per lockout
  (capped at 1 hour), counted per login name whether or not an account has it;
* reset tokens: 32 random bytes, stored as SHA-256, 1 hour, single use; 3 sends per address per
  15 minutes (further requests are accepted and silently dropped).
"""

from __future__ import annotations

import hashlib
import hmac
import math
import secrets
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass

from pynamodb.exceptions import PutError, UpdateError

from customer_identity import table
from customer_identity.contention import Contention
from customer_identity.customers import CustomerService, normalise_email, utc_now
from customer_identity.errors import (
    CustomerNotFound,
    EmailTaken,
    Forbidden,
    InvalidCode,
    InvalidCredentials,
    InvalidInput,
    InvalidResetToken,
    TooManyRequests,
    Unauthenticated,
)
from customer_identity.models import (
    Account,
    CredentialsChange,
    Me,
    NewCustomer,
    NewStaff,
    OtpVerified,
    Token,
)
from customer_identity.notifications import Sender
from customer_identity.passwords import Passwords
from customer_identity.phones import normalise_phone
from customer_identity.redaction import mask_address
from customer_identity.table import (
    CustomerItem,
    LoginGuardItem,
    OtpItem,
    ResetTokenItem,
    SendLogItem,
    StaffEmailItem,
    StaffItem,
    TableItem,
    TransactionCancelled,
)
from customer_identity.tokens import Principal, Tokens

STAFF_ID_PREFIX = "stf_"
ROLE_ALIASES = {"delivery_boy": "delivery_person"}

OTP_DIGITS = 6
OTP_TTL_SECONDS = 5 * 60
OTP_MAX_ATTEMPTS = 5
SEND_LIMIT = 3
SEND_WINDOW_SECONDS = 15 * 60
RESET_TTL_SECONDS = 3600
LOGIN_MAX_FAILURES = 5
LOCKOUT_BASE_SECONDS = 60
LOCKOUT_MAX_SECONDS = 3600
GUARD_KEEP_SECONDS = 24 * 3600


@dataclass(frozen=True)
class LoginAccount:
    """A customer or a staff account, as sign-in sees it."""

    customer: CustomerItem | None = None
    staff: StaffItem | None = None

    @property
    def item(self) -> CustomerItem | StaffItem:
        item = self.customer or self.staff
        assert item is not None
        return item

    @property
    def account_id(self) -> str:
        return self.customer.customer_id if self.customer else self.item.account_id  # type: ignore[union-attr]

    @property
    def role(self) -> str:
        return "customer" if self.customer else self.item.role  # type: ignore[union-attr]

    @property
    def password_hash(self) -> str | None:
        return self.item.password_hash


class AccountService:
    def __init__(self, customers: CustomerService, tokens: Tokens, sender: Sender, passwords: Passwords) -> None:
        self.customers = customers
        self.tokens = tokens
        self.sender = sender
        self.passwords = passwords
        self.settings = customers.settings
        # Codes are HMAC-ed with a key derived from the signing key: a table dump does not reveal them.
        self._code_key = tokens.derived_key(b"otp-code-hash")

    # --- phone codes --------------------------------------------------------------------------

    def request_otp(self, phone_text: str) -> None:
        """Send a new sign-in code to a phone (known or not: the answer is the same)."""
        from customer_identity.api import logger

        e164 = normalise_phone(phone_text, self.settings.default_region).e164
        self._record_send("otp", e164)
        code = f"{secrets.randbelow(10**OTP_DIGITS):0{OTP_DIGITS}d}"
        now = time.time()
        OtpItem(
            *table.otp_key(e164),
            code_hash=self._code_hash(e164, code),
            expires_at=int(now + OTP_TTL_SECONDS),
            attempts=0,
            expiration=int(now + OTP_TTL_SECONDS + 3600),
        ).save()
        self.sender.send(
            to=e164,
            channel="sms",
            text=f"Your sign-in code is {code}. It expires in {OTP_TTL_SECONDS // 60} minutes.",
            subject="Sign-in code",
        )
        logger.info("sign-in code sent", extra={"to": mask_address(e164)})

    def verify_otp(self, phone_text: str, code: str) -> OtpVerified:
        """Check a code; on success find-or-create the phone's customer and sign it in."""
        e164 = normalise_phone(phone_text, self.settings.default_region).e164
        key = table.otp_key(e164)
        now = time.time()
        otp = OtpItem(*key)
        try:  # take one attempt first, atomically: concurrent guesses cannot exceed the limit
            otp.update(
                actions=[OtpItem.attempts.add(1)],
                condition=OtpItem.code_hash.exists()
                & (OtpItem.attempts < OTP_MAX_ATTEMPTS)
                & (OtpItem.expires_at > int(now)),
            )
        except UpdateError as error:
            table.raise_unless_condition_failed(error)
            current = table.get(OtpItem, key)
            if current is not None and current.code_hash and current.expires_at > now:
                raise TooManyRequests(
                    "too many wrong codes; request a new code",
                    int(current.expires_at - now),
                    code="too_many_attempts",
                    field="code",
                ) from error
            raise InvalidCode() from error
        expected = otp.code_hash or ""
        if not hmac.compare_digest(expected, self._code_hash(e164, code)):
            raise InvalidCode()
        try:  # use it up: of concurrent requests with the right code, exactly one gets past this
            OtpItem(*key).update(actions=[OtpItem.code_hash.remove()], condition=OtpItem.code_hash == expected)
        except UpdateError as error:
            table.raise_unless_condition_failed(error)
            raise InvalidCode() from error
        customer, created = self.customers.find_or_create_item(NewCustomer(phone=e164))
        customer = self.mark_phone_verified(customer)
        issued = self.token_for(LoginAccount(customer=customer), "otp")
        return OtpVerified(
            token=issued.token,
            expires_in=issued.expires_in,
            customer=self.customers.to_customer(customer),
            created=created,
        )

    def _code_hash(self, e164: str, code: str) -> str:
        return hmac.new(self._code_key, f"{e164}:{code}".encode(), hashlib.sha256).hexdigest()

    def mark_phone_verified(self, customer: CustomerItem) -> CustomerItem:
        if customer.phone_verified_at:
            return customer
        now = utc_now()
        try:
            customer.update(
                actions=[
                    CustomerItem.phone_verified_at.set(now),
                    CustomerItem.updated_at.set(now),
                    CustomerItem.revision.add(1),
                ],
                condition=CustomerItem.customer_id == customer.customer_id,
            )
        except UpdateError as error:  # the phone moved meanwhile: the sign-in still stands
            table.raise_unless_condition_failed(error)
        return customer

    # --- passwords ----------------------------------------------------------------------------

    def login(self, *, email: str | None, phone: str | None, password: str) -> Token:
        """A token for the right password; one answer (401) for any wrong name or password."""
        identifier, account = self._login_target(email, phone)
        self._take_login_attempt(identifier)
        verdict = self.passwords.verify(account.password_hash if account else None, password)
        if account is None or not verdict.ok:
            raise InvalidCredentials()
        self._clear_login_guard(identifier)
        if verdict.needs_rehash:  # legacy bcrypt (or weaker argon2 parameters): upgrade in place
            self._store_password_hash(account, self.passwords.hash(password), previous=account.password_hash)
        return self.token_for(account, "pwd")

    def forgot_password(self, *, email: str | None, phone: str | None) -> None:
        """Send a reset link if the address has an account; the caller is told nothing either way."""
        identifier, account = self._login_target(email, phone)
        to = identifier.partition(":")[2]
        channel = "email" if email is not None else "sms"
        try:
            self._record_send("reset", to)
        except TooManyRequests:  # dropped silently: the answer must not differ
            return
        if account is None:
            return
        if account.customer is not None and channel == "email" and not account.password_hash:
            # Setting a first password needs proof of the phone; an email address is no such proof.
            self.sender.send(
                to=to,
                channel="email",
                text="Your account has no password yet. Sign in with a code sent to your phone, then set one.",
                subject="About your account",
            )
            return
        token = secrets.token_urlsafe(32)
        now = time.time()
        ResetTokenItem(
            *table.reset_token_key(_sha256(token)),
            account_kind="customer" if account.customer else "staff",
            account_id=account.account_id,
            channel=channel,
            expires_at=int(now + RESET_TTL_SECONDS),
            expiration=int(now + RESET_TTL_SECONDS + 3600),
        ).save()
        self.sender.send(
            to=to,
            channel=channel,
            text=f"Your password reset token is {token} . It works once, for 1 hour. "
            "If you did not ask for it, ignore this message.",
            subject="Reset your password",
        )

    def reset_password(self, token: str, password: str) -> Token:
        """Use a reset token (once) to set a new password; returns a token for the account."""
        key = table.reset_token_key(_sha256(token))
        reset = table.get(ResetTokenItem, key)
        if reset is None or reset.expires_at <= time.time():
            raise InvalidResetToken()
        new_hash = self.passwords.hash(password)
        contention = Contention(self.settings.contention_budget_seconds)
        while True:
            account = self._account(reset.account_kind, reset.account_id)
            if account is None:
                raise InvalidResetToken()
            now = utc_now()
            tx = table.Transaction()
            tx.delete(
                "token",
                ResetTokenItem(*key),
                condition=ResetTokenItem.pk.exists() & (ResetTokenItem.expires_at > int(time.time())),
            )
            if account.customer is not None:
                actions = [
                    CustomerItem.password_hash.set(new_hash),
                    CustomerItem.password_changed_at.set(now),
                    CustomerItem.updated_at.set(now),
                    CustomerItem.revision.add(1),
                ]
                if reset.channel == "sms" and not account.customer.phone_verified_at:
                    actions.append(CustomerItem.phone_verified_at.set(now))  # the SMS proved the phone
                condition = CustomerItem.customer_id == account.account_id
            else:
                actions = [
                    StaffItem.password_hash.set(new_hash),
                    StaffItem.password_changed_at.set(now),
                    StaffItem.updated_at.set(now),
                    StaffItem.revision.add(1),
                ]
                condition = StaffItem.account_id == account.account_id
            tx.update("account", account.item, actions=actions, condition=condition)
            try:
                tx.commit()
                break
            except TransactionCancelled as cancelled:
                if cancelled.failed("token"):
                    raise InvalidResetToken() from cancelled
                contention.wait()  # the customer's item moved (phone change): read it again
        for identifier in self._identifiers_of(account):  # a fresh password starts with no lockout
            self._clear_login_guard(identifier)
        return self.token_for(account, "reset")

    def set_credentials(self, principal: Principal, change: CredentialsChange) -> Me:
        """Set or change the caller's login email and/or password."""
        if change.email is None and change.password is None:
            raise InvalidInput("send email and/or password", field="password", code="missing_field")
        account = self._account_of(principal)
        if account.customer is not None and not account.customer.phone_verified_at:
            raise Forbidden(
                "prove this customer's phone first: sign in with a code (POST /auth/otp/request)", field="phone"
            )
        if account.password_hash and principal.method not in {"otp", "reset"}:
            if not change.current_password:
                raise InvalidInput(
                    "current_password is required to change existing credentials",
                    field="current_password",
                    code="missing_field",
                )
            guard = f"account:{account.account_id}"
            self._take_login_attempt(guard)
            if not self.passwords.verify(account.password_hash, change.current_password).ok:
                raise Forbidden("current_password is wrong", field="current_password")
            self._clear_login_guard(guard)
        new_hash = self.passwords.hash(change.password) if change.password is not None else None
        email = normalise_email(str(change.email)) if change.email is not None else None
        if account.customer is not None:
            updated = self.customers.set_credentials(account.customer, email=email, password_hash=new_hash)
            return self._me_of(LoginAccount(customer=updated))
        staff = self._set_staff_credentials(account.account_id, email=email, password_hash=new_hash)
        return self._me_of(LoginAccount(staff=staff))

    def _set_staff_credentials(self, account_id: str, *, email: str | None, password_hash: str | None) -> StaffItem:
        contention = Contention(self.settings.contention_budget_seconds)
        while True:
            current = table.get(StaffItem, table.staff_key(account_id))
            if current is None:
                raise Unauthenticated("the account no longer exists")
            now = utc_now()
            actions = [StaffItem.updated_at.set(now), StaffItem.revision.add(1)]
            tx = table.Transaction()
            if password_hash is not None:
                actions += [StaffItem.password_hash.set(password_hash), StaffItem.password_changed_at.set(now)]
            if email is not None and email != current.email:
                actions.append(StaffItem.email.set(email))
                tx.delete(
                    "old_email",
                    StaffEmailItem(*table.email_key(current.email)),
                    condition=StaffEmailItem.account_id == account_id,
                )
                tx.put(
                    "new_email",
                    StaffEmailItem(*table.email_key(email), account_id=account_id, created_at=now),
                    condition=StaffEmailItem.pk.does_not_exist(),
                )
            tx.update("account", current, actions=actions, condition=StaffItem.revision == current.revision)
            try:
                tx.commit()
                updated = table.get(StaffItem, table.staff_key(account_id))
                assert updated is not None
                return updated
            except TransactionCancelled as cancelled:
                if cancelled.failed("new_email"):
                    raise EmailTaken() from cancelled
                contention.wait()

    # --- staff --------------------------------------------------------------------------------

    def create_staff(self, new: NewStaff) -> Account:
        """A staff account and its email marker, in one transaction (the email must be free)."""
        now = utc_now()
        email = normalise_email(str(new.email)) or ""
        account_id = f"{STAFF_ID_PREFIX}{uuid.uuid4().hex}"
        phone = normalise_phone(new.phone, self.settings.default_region).e164 if new.phone else None
        staff = StaffItem(
            *table.staff_key(account_id),
            account_id=account_id,
            role=ROLE_ALIASES.get(new.role, new.role),
            email=email,
            name=new.name,
            phone=phone,
            password_hash=self.passwords.hash(new.password) if new.password else None,
            password_changed_at=now if new.password else None,
            created_at=now,
            updated_at=now,
            revision=1,
        )
        tx = table.Transaction()
        tx.put("account", staff, condition=StaffItem.pk.does_not_exist())
        tx.put(
            "email",
            StaffEmailItem(*table.email_key(email), account_id=account_id, created_at=now),
            condition=StaffEmailItem.pk.does_not_exist(),
        )
        try:
            tx.commit()
        except TransactionCancelled as cancelled:
            if cancelled.failed("email"):
                raise EmailTaken() from cancelled
            raise
        return self.to_account(LoginAccount(staff=staff))

    def ensure_staff(self, *, email: str, role: str, name: str | None = None) -> StaffItem:
        """The staff account with ``email``, created with ``role`` if there is none (local tooling)."""
        account = self._by_email(normalise_email(email) or "")
        if account is not None and account.staff is not None:
            return account.staff
        created = self.create_staff(NewStaff(email=email, role=role, name=name))  # type: ignore[arg-type]
        staff = table.get(StaffItem, table.staff_key(created.account_id))
        assert staff is not None
        return staff

    # --- who am I -----------------------------------------------------------------------------

    def me(self, principal: Principal) -> Me:
        return self._me_of(self._account_of(principal))

    def _me_of(self, account: LoginAccount) -> Me:
        customer = self.customers.to_customer(account.customer) if account.customer else None
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
        )

    def token_for(self, account: LoginAccount, method: str) -> Token:
        token = self.tokens.issue(
            account_id=account.account_id,
            role=account.role,
            customer_id=account.customer.customer_id if account.customer else None,
            method=method,
        )
        return Token(token=token, expires_in=self.tokens.ttl_seconds)

    # --- lookups ------------------------------------------------------------------------------

    def _account_of(self, principal: Principal) -> LoginAccount:
        kind = "customer" if principal.customer_id else "staff"
        account = self._account(kind, principal.customer_id or principal.account_id)
        if account is None:
            raise Unauthenticated("the account no longer exists")
        return account

    def _account(self, kind: str, account_id: str) -> LoginAccount | None:
        if kind == "customer":
            try:
                return LoginAccount(customer=self.customers.resolve(account_id).item)
            except CustomerNotFound:
                return None
        staff = table.get(StaffItem, table.staff_key(account_id))
        return LoginAccount(staff=staff) if staff else None

    def _login_target(self, email: str | None, phone: str | None) -> tuple[str, LoginAccount | None]:
        """("email:<email>" or "phone:<e164>", the account with that login name or None)."""
        if (email is None) == (phone is None):
            raise InvalidInput("send either email or phone", field="email", code="missing_field")
        if email is not None:
            address = normalise_email(str(email)) or ""
            return f"email:{address}", self._by_email(address)
        assert phone is not None
        e164 = normalise_phone(phone, self.settings.default_region).e164
        customer = self.customers.get_by_phone(e164)
        return f"phone:{e164}", LoginAccount(customer=customer) if customer else None

    def _by_email(self, email: str) -> LoginAccount | None:
        marker = table.get(TableItem, table.email_key(email))
        if isinstance(marker, StaffEmailItem):
            staff = table.get(StaffItem, table.staff_key(marker.account_id))
            return LoginAccount(staff=staff) if staff else None
        if marker is None:
            return None
        return self._account("customer", email)

    def _identifiers_of(self, account: LoginAccount) -> list[str]:
        item = account.item
        names = [f"email:{item.email}"] if item.email else []
        if account.customer is not None:
            names.append(f"phone:{account.customer.phone}")
        return names

    def _store_password_hash(self, account: LoginAccount, new_hash: str, *, previous: str | None) -> None:
        """Replace a password hash unless it changed meanwhile (then the newer one stands)."""
        now = utc_now()
        cls = CustomerItem if account.customer else StaffItem
        try:
            account.item.update(
                actions=[cls.password_hash.set(new_hash), cls.updated_at.set(now), cls.revision.add(1)],
                condition=cls.password_hash == previous,
            )
        except UpdateError as error:
            table.raise_unless_condition_failed(error)

    # --- rate limits --------------------------------------------------------------------------

    def _record_send(self, purpose: str, to: str) -> None:
        """Count a send to ``to``, or refuse it (429) if SEND_LIMIT went out in the window."""

        def next_log(log: SendLogItem | None, now: float) -> SendLogItem:
            recent = [float(t) for t in (log.sent_at if log else []) if float(t) > now - SEND_WINDOW_SECONDS]
            if len(recent) >= SEND_LIMIT:
                raise TooManyRequests(
                    f"at most {SEND_LIMIT} codes per phone every {SEND_WINDOW_SECONDS // 60} minutes",
                    math.ceil(min(recent) + SEND_WINDOW_SECONDS - now),
                    code="too_many_codes",
                    field="phone",
                )
            return SendLogItem(*key, sent_at=[*recent, now], expiration=int(now + SEND_WINDOW_SECONDS) + 60)

        key = table.send_log_key(purpose, to)
        self._rewrite(SendLogItem, key, next_log)

    def _take_login_attempt(self, identifier: str) -> None:
        """Count one password attempt on ``identifier``, or refuse it (429) while it is locked out."""

        def next_guard(guard: LoginGuardItem | None, now: float) -> LoginGuardItem:
            failures = int(guard.failures) if guard else 0
            strikes = int(guard.strikes) if guard else 0
            if guard is not None and failures >= LOGIN_MAX_FAILURES:
                locked_until = float(guard.last_attempt_at) + _lockout_seconds(strikes)
                if now < locked_until:
                    raise TooManyRequests(
                        "too many failed sign-in attempts; try again later",
                        math.ceil(locked_until - now),
                        code="too_many_attempts",
                    )
                failures, strikes = 0, strikes + 1
            return LoginGuardItem(
                *key,
                failures=failures + 1,
                strikes=strikes,
                last_attempt_at=now,
                expiration=int(now + GUARD_KEEP_SECONDS),
            )

        key = table.login_guard_key(identifier)
        self._rewrite(LoginGuardItem, key, next_guard)

    def _rewrite[V: SendLogItem | LoginGuardItem](
        self, cls: type[V], key: tuple[str, str], next_item: Callable[[V | None, float], V]
    ) -> None:
        """Replace a versioned item with ``next_item(current, now)``, conditioned on the version read,
        so concurrent requests are applied one after another (a lost race reads again)."""
        contention = Contention(self.settings.contention_budget_seconds)
        while True:
            current = table.get(cls, key)
            updated = next_item(current, time.time())
            version = int(current.version) if current else 0
            updated.version = version + 1
            try:
                updated.save(condition=cls.version == version if current else cls.pk.does_not_exist())
                return
            except PutError as error:
                table.raise_unless_condition_failed(error)
                contention.wait()

    def _clear_login_guard(self, identifier: str) -> None:
        LoginGuardItem(*table.login_guard_key(identifier)).delete()


# --- helpers ----------------------------------------------------------------------------------


def _lockout_seconds(strikes: int) -> float:
    return float(min(LOCKOUT_BASE_SECONDS * 2 ** min(strikes, 16), LOCKOUT_MAX_SECONDS))


def _sha256(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()
