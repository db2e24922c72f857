"""Staff accounts: delivery persons, suppliers, marketing staff and admins (no customer number)."""

from __future__ import annotations

import uuid

from boto3.dynamodb.conditions import Attr

from customer_identity.core.clock import utc_now
from customer_identity.core.errors import EmailTaken
from customer_identity.core.models.accounts import Account, NewStaff
from customer_identity.core.retry import LostRace, retry_lost_races
from customer_identity.core.roles import canonical_role
from customer_identity.core.settings import Settings
from customer_identity.storage import keys
from customer_identity.storage.entities import StaffItem
from customer_identity.storage.transactions import Transaction, TransactionCancelled
from customer_identity.use_cases.identity import stats
from customer_identity.use_cases.identity.emails import normalise_email
from customer_identity.use_cases.identity.phones import normalise_phone
from customer_identity.use_cases.sign_in.accounts import Accounts, LoginAccount
from customer_identity.use_cases.sign_in.credentials import staff_email_marker
from customer_identity.use_cases.sign_in.passwords import Passwords

STAFF_ID_PREFIX = "stf_"


class Staff:
    def __init__(self, settings: Settings, accounts: Accounts, passwords: Passwords) -> None:
        self.settings = settings
        self.accounts = accounts
        self.passwords = passwords

    def create(self, new: NewStaff) -> Account:
        """A staff account and its email marker, in one transaction (the email must be free)."""
        return self.accounts.to_account(LoginAccount(staff=self._create(new)))

    def _create(self, new: NewStaff) -> StaffItem:
        now = utc_now()
        account_id = f"{STAFF_ID_PREFIX}{uuid.uuid4().hex}"
        staff = StaffItem(
            *keys.staff_key(account_id),
            account_id=account_id,
            role=canonical_role(new.role),
            email=normalise_email(str(new.email)) or "",
            name=new.name,
            phone=normalise_phone(new.phone, self.settings.default_region).e164 if new.phone else None,
            password_hash=self.passwords.hash(new.password) if new.password else None,
            password_changed_at=now if new.password else None,
            created_at=now,
            updated_at=now,
            revision=1,
        )

        def attempt() -> StaffItem:
            tx = Transaction()
            tx.put("account", staff, condition=Attr("pk").not_exists())
            tx.put("email", staff_email_marker(staff), condition=Attr("pk").not_exists())
            stats.record(tx, (None, staff))
            try:
                tx.commit()
            except TransactionCancelled as cancelled:
                if cancelled.failed("email"):
                    raise EmailTaken() from cancelled
                if cancelled.failed("account"):
                    raise
                raise LostRace from cancelled  # a transaction in flight on a counter shard: try again
            return staff

        return retry_lost_races(attempt, self.settings.contention_budget_seconds)

    def ensure(self, *, email: str, role: str, name: str | None = None) -> LoginAccount:
        """The staff account with ``email``, created with ``role`` if there is none (local tooling)."""
        account = self.accounts.by_email(normalise_email(email) or "")
        if account is not None and account.staff is not None:
            return account
        return LoginAccount(staff=self._create(NewStaff(email=email, role=role, name=name)))  # type: ignore[arg-type]
