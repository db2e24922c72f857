"""Signing in with a code sent to the phone: 6 digits, HMAC-hashed, 5 minutes, single use, 5 attempts,
3 sends per phone per 15 minutes, only to the allowed countries and within the SMS budgets per
client IP and in all (:mod:`.sms_budget`). A successful sign-in finds or creates the phone's customer."""

from __future__ import annotations

import hashlib
import hmac
import secrets
from typing import Protocol

from pynamodb.exceptions import UpdateError

from customer_identity.core.clock import epoch
from customer_identity.core.errors import InvalidCode, TooManyRequests
from customer_identity.core.models.accounts import OtpVerified
from customer_identity.core.models.customers import NewCustomer
from customer_identity.core.models.phones import RecycleChallenge
from customer_identity.core.observability import logger
from customer_identity.core.redaction import mask_address
from customer_identity.core.retry import LostRace, retry_lost_races
from customer_identity.core.settings import Settings, settings
from customer_identity.storage import keys, table
from customer_identity.storage.entities import CustomerItem, OtpItem
from customer_identity.use_cases.identity import customer_writes
from customer_identity.use_cases.identity.junk_phones import allowed_phone
from customer_identity.use_cases.identity.registration import Registration
from customer_identity.use_cases.sign_in.accounts import Accounts, LoginAccount
from customer_identity.use_cases.sign_in.limits import Limits
from customer_identity.use_cases.sign_in.notifications import Message, Sender
from customer_identity.use_cases.sign_in.session_store import Client
from customer_identity.use_cases.sign_in.sms_budget import SmsBudget

OTP_DIGITS = 6
OTP_TTL_SECONDS = 5 * 60
OTP_MAX_ATTEMPTS = 5


class Guard(Protocol):
    """The recycling guard (:mod:`.recycling`): a challenge instead of a sign-in for a dormant customer."""

    def check(self, customer: CustomerItem) -> RecycleChallenge | None: ...


class PhoneSignIn:
    def __init__(
        self,
        settings: Settings,
        registration: Registration,
        accounts: Accounts,
        limits: Limits,
        sms_budget: SmsBudget,
        sender: Sender,
        guard: Guard | None = None,
    ) -> None:
        self.settings = settings
        self.registration = registration
        self.accounts = accounts
        self.limits = limits
        self.sms_budget = sms_budget
        self.sender = sender
        self.guard = guard
        # Codes are HMAC-ed with a key derived from the signing key: a table dump does not reveal them.
        self._code_key = accounts.tokens.derived_key(b"otp-code-hash")

    def request(self, phone_text: str, *, source_ip: str) -> None:
        """Send a new sign-in code to a phone (known or not: the answer is the same) for a client at ``source_ip``.

        Checked in this order, each refusal before anything later is counted: the country (422), the
        phone's own limit, then the SMS budgets of the client's IP and of everyone (429).
        """
        e164 = allowed_phone(phone_text, self.settings).e164
        self.sms_budget.check_country(e164)
        self.limits.record_send("otp", e164)
        self.sms_budget.take(source_ip)
        code = f"{secrets.randbelow(10**OTP_DIGITS):0{OTP_DIGITS}d}"
        now = epoch()
        OtpItem(
            *keys.otp_key(e164),
            code_hash=self._code_hash(e164, code),
            expires_at=int(now + OTP_TTL_SECONDS),
            attempts=0,
            expiration=int(now + OTP_TTL_SECONDS + 3600),
        ).save()
        self.sender.send(to=e164, channel="sms", message=Message.sign_in_code(code, OTP_TTL_SECONDS // 60))
        logger.info("sign-in code sent", extra={"to": mask_address(e164)})

    def verify(self, phone_text: str, code: str, client: Client | None = None) -> OtpVerified | RecycleChallenge:
        """Check a code; on success find-or-create the phone's customer and sign it in, unless it has
        been idle ``PHONE_RECYCLE_DAYS`` (the number may have been recycled): then a challenge."""
        e164 = allowed_phone(phone_text, self.settings).e164
        expected = self._take_attempt(e164)
        if not hmac.compare_digest(expected, self._code_hash(e164, code)):
            raise InvalidCode()
        try:  # use it up: of concurrent requests with the right code, exactly one gets past this
            OtpItem(*keys.otp_key(e164)).update(
                actions=[OtpItem.code_hash.remove()], condition=OtpItem.code_hash == expected
            )
        except UpdateError as error:
            if not table.condition_failed(error):
                raise
            raise InvalidCode() from error
        own, created = self.registration.find_or_create_item(NewCustomer(phone=e164), follow_merges=False)
        if own.merged_into:  # a phone merged away signs in as its survivor; the merged item stays as merged
            account = self.accounts.customer_login(own)
            customer = account.survivor
        else:
            challenge = self.guard.check(own) if self.guard is not None and not created else None
            if challenge is not None:
                return challenge
            customer = mark_phone_verified(own, self.settings.contention_budget_seconds)
            account = LoginAccount(customer=customer)
        assert customer is not None
        issued = self.accounts.token_for(account, "otp", client)
        return OtpVerified(
            **issued.model_dump(),
            customer=self.accounts.views.customer(customer),
            created=created,
        )

    def _take_attempt(self, e164: str) -> str:
        """Count one attempt on the phone's live code, atomically (concurrent guesses cannot exceed
        the limit); the code's hash, or the reason there is none to check."""
        now = epoch()
        otp = OtpItem(*keys.otp_key(e164))
        try:
            otp.update(
                actions=[OtpItem.attempts.add(1)],
                condition=OtpItem.code_hash.exists()
                & (OtpItem.attempts < OTP_MAX_ATTEMPTS)
                & (OtpItem.expires_at > int(now)),
            )
        except UpdateError as error:
            if not table.condition_failed(error):
                raise
            current = table.get(OtpItem, keys.otp_key(e164))
            if current is not None and current.code_hash and current.expires_at > now:
                raise TooManyRequests(
                    "too many wrong codes; request a new code",
                    int(current.expires_at - now),
                    code="too_many_attempts",
                    field="code",
                ) from error
            raise InvalidCode() from error
        return otp.code_hash or ""

    def _code_hash(self, e164: str, code: str) -> str:
        return hmac.new(self._code_key, f"{e164}:{code}".encode(), hashlib.sha256).hexdigest()


def mark_phone_verified(customer: CustomerItem, budget_seconds: float | None = None) -> CustomerItem:
    """Record that someone proved they hold the customer's phone (kept if already recorded).

    A verified phone is a login method, so this is a counted change: one transaction conditioned on
    the revision read, with its counter change (:func:`customer_writes.replace`); a lost race reads
    the customer again. If the phone moved to another customer meanwhile, the sign-in still stands.
    """
    latest = customer

    def attempt() -> CustomerItem:
        nonlocal latest
        if latest.phone_verified_at:
            return latest
        updated = customer_writes.next_revision(latest)
        updated.phone_verified_at = updated.updated_at
        try:
            customer_writes.replace(latest, updated)
        except LostRace:
            current = table.get(CustomerItem, keys.customer_key(latest.home))
            if current is None or current.customer_id != latest.customer_id or current.merged_into:
                return latest  # moved on, or merged away meanwhile (a merged customer is never written)
            latest = current
            raise
        return updated

    return retry_lost_races(attempt, settings().contention_budget_seconds if budget_seconds is None else budget_seconds)
