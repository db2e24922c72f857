"""The recycling guard: carriers give a disconnected number to a stranger, so a phone code proves the
phone, not the person, once its customer has been idle ``PHONE_RECYCLE_DAYS`` (activity: a sign-in,
a booking, an edit; ``last_activity_at``, else ``updated_at``).

Then ``POST /auth/otp/verify`` opens nothing: it answers 202 with a single-use challenge, the same
answer whatever the account holds. The person either proves to be that customer
(``POST /auth/recycled/prove``: its password, or a code sent to its email when the email given is
the account's) and is signed in as it, or says the number is theirs now (``POST /auth/recycled/new``):
the phone is released from the old customer (reason ``recycled``, with a ``phone_recycled`` review
item in the same transaction) and a new customer, with the next number, is found or created on it.
A challenge lives 10 minutes and allows 5 wrong proofs; taking it is one conditional delete, so of
concurrent uses exactly one proceeds.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import secrets
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from pynamodb.exceptions import DeleteError, UpdateError

from customer_identity.core.clock import epoch, utc_now
from customer_identity.core.errors import InvalidChallenge, InvalidCredentials, InvalidInput
from customer_identity.core.models.accounts import OtpVerified
from customer_identity.core.models.customers import NewCustomer
from customer_identity.core.models.phones import RecycleChallenge, RecycleProof
from customer_identity.core.retry import retry_lost_races
from customer_identity.core.settings import Settings
from customer_identity.storage import keys, table
from customer_identity.storage.entities import CustomerItem, RecycleChallengeItem, ReviewItem, TableItem
from customer_identity.use_cases.identity.phone_release import release_item
from customer_identity.use_cases.identity.registration import Registration
from customer_identity.use_cases.sign_in.accounts import Accounts, LoginAccount
from customer_identity.use_cases.sign_in.notifications import Message, Sender
from customer_identity.use_cases.sign_in.phone_sign_in import mark_phone_verified
from customer_identity.use_cases.sign_in.session_store import Client

if TYPE_CHECKING:  # the hashers load only when a password is checked (verify_otp's cold start stays lean)
    from customer_identity.use_cases.sign_in.passwords import Passwords

CHALLENGE_SECONDS = 10 * 60
MAX_ATTEMPTS = 5
EMAIL_CODE_DIGITS = 6
# Activity is recorded at most once a day per customer (a sign-in costs no write otherwise).
TOUCH_AFTER = timedelta(days=1)
REVIEW_COLLECTION = "phone_recycled"
REVIEW_REASON = "phone_recycled"


def _moment(stamp: str) -> datetime:
    return datetime.fromisoformat(stamp.replace("Z", "+00:00"))


def idle_since(customer: CustomerItem) -> str:
    return customer.last_activity_at or customer.updated_at


def is_dormant(customer: CustomerItem, settings: Settings) -> bool:
    """Idle for ``PHONE_RECYCLE_DAYS`` or more: its phone may have been given to someone else."""
    idle = _moment(utc_now()) - _moment(idle_since(customer))
    return idle >= timedelta(days=settings.phone_recycle_days)


def touch(customer: CustomerItem) -> None:
    """Record activity (a sign-in) unless recorded within a day: one conditional update, bumping the
    revision so that no replace writes an older value back. A customer that moved meanwhile is left."""
    if customer.last_activity_at and _moment(utc_now()) - _moment(customer.last_activity_at) < TOUCH_AFTER:
        return
    try:
        CustomerItem(*keys.customer_key(customer.home)).update(
            actions=[CustomerItem.last_activity_at.set(utc_now()), CustomerItem.revision.add(1)],
            condition=CustomerItem.customer_id == customer.customer_id,
        )
    except UpdateError as error:
        if not table.condition_failed(error):
            raise


class RecycleGuard:
    def __init__(
        self,
        settings: Settings,
        registration: Registration,
        accounts: Accounts,
        passwords: Callable[[], Passwords],
        sender: Sender,
    ) -> None:
        self.settings = settings
        self.registration = registration
        self.accounts = accounts
        self.passwords = passwords
        self.sender = sender
        self._code_key = accounts.tokens.derived_key(b"recycle-email-code")

    # --- the verify step ------------------------------------------------------------------------

    def check(self, customer: CustomerItem) -> RecycleChallenge | None:
        """A challenge when ``customer`` is dormant (nothing of it is shown), else None (activity recorded)."""
        if not is_dormant(customer, self.settings):
            touch(customer)
            return None
        token = secrets.token_urlsafe(32)
        now = epoch()
        RecycleChallengeItem(
            *keys.recycle_challenge_key(_digest(token)),
            phone=customer.phone,
            customer_id=customer.customer_id,
            expires_at=int(now + CHALLENGE_SECONDS),
            attempts=0,
            expiration=int(now + CHALLENGE_SECONDS + 3600),
        ).save()
        return RecycleChallenge(challenge=token, expires_in=CHALLENGE_SECONDS, proofs=["password", "email", "new"])

    # --- proving to be the same customer --------------------------------------------------------

    def prove(self, proof: RecycleProof, client: Client | None = None) -> OtpVerified | None:
        """Signed in as the dormant customer, or None when a code was sent (``email``: sent only if it
        is the account's email; the answer is the same either way)."""
        given = [name for name in ("password", "email", "email_code") if getattr(proof, name) is not None]
        if len(given) != 1:
            raise InvalidInput(
                "send exactly one of password, email or email_code", field="password", code="invalid_proof"
            )
        challenge = self._live(proof.challenge)
        customer = self.accounts.resolver.by_id(challenge.customer_id, follow_merges=False)
        if proof.email is not None:
            self._send_email_code(challenge, customer, proof.email)
            return None
        if proof.password is not None:
            proven = self.passwords().verify(customer.password_hash, proof.password).ok
        else:
            expected = challenge.email_code_hash or ""
            proven = bool(expected) and hmac.compare_digest(
                expected, self._code_hash(challenge, proof.email_code or "")
            )
        if not proven:
            self._count_attempt(challenge)
            raise InvalidCredentials()
        self._take(proof.challenge)
        if customer.phone != challenge.phone or customer.merged_into:
            raise InvalidChallenge()  # its phone moved on meanwhile: nothing to open
        customer = mark_phone_verified(customer, self.settings.contention_budget_seconds)
        touch(customer)
        return self._signed_in(customer, client, created=False)

    def _send_email_code(self, challenge: RecycleChallengeItem, customer: CustomerItem, email: str) -> None:
        if not customer.email or customer.email != email.strip().lower():
            return
        code = f"{secrets.randbelow(10**EMAIL_CODE_DIGITS):0{EMAIL_CODE_DIGITS}d}"
        try:
            challenge.update(
                actions=[RecycleChallengeItem.email_code_hash.set(self._code_hash(challenge, code))],
                condition=RecycleChallengeItem.pk.exists(),
            )
        except UpdateError as error:
            if table.condition_failed(error):
                raise InvalidChallenge() from error
            raise
        self.sender.send(
            to=customer.email, channel="email", message=Message.sign_in_code(code, CHALLENGE_SECONDS // 60)
        )

    # --- "the number is mine now" ---------------------------------------------------------------

    def start_new(self, token: str, client: Client | None = None) -> OtpVerified:
        """Release the phone from the dormant customer (review item ``phone_recycled``) and sign in as the
        phone's new customer (created with the next number unless a concurrent request created it)."""
        challenge = self._take(token)

        def release() -> None:
            current = table.get(CustomerItem, keys.phone_key(challenge.phone))
            if current is None or current.customer_id != challenge.customer_id:
                return  # released already (a concurrent request, an admin): nothing to release
            release_item(current, reason="recycled", by=None, also=lambda after: _review_item(current, after))

        retry_lost_races(release, self.settings.contention_budget_seconds)
        own, created = self.registration.find_or_create_item(NewCustomer(phone=challenge.phone), follow_merges=False)
        customer = mark_phone_verified(own, self.settings.contention_budget_seconds)
        touch(customer)
        return self._signed_in(customer, client, created=created)

    # --- the challenge item ---------------------------------------------------------------------

    def _live(self, token: str) -> RecycleChallengeItem:
        found = table.get(RecycleChallengeItem, keys.recycle_challenge_key(_digest(token)))
        if found is None or found.expires_at <= epoch() or int(found.attempts or 0) >= MAX_ATTEMPTS:
            raise InvalidChallenge()
        return found

    def _take(self, token: str) -> RecycleChallengeItem:
        """Use the challenge up: read it, then one delete conditioned on it still being live, so of
        concurrent uses exactly one gets past it."""
        challenge = self._live(token)
        try:
            RecycleChallengeItem(*keys.recycle_challenge_key(_digest(token))).delete(
                condition=(RecycleChallengeItem.expires_at > int(epoch()))
                & (RecycleChallengeItem.attempts < MAX_ATTEMPTS)
            )
        except DeleteError as error:
            if table.condition_failed(error):
                raise InvalidChallenge() from error
            raise
        return challenge

    def _count_attempt(self, challenge: RecycleChallengeItem) -> None:
        try:
            challenge.update(
                actions=[RecycleChallengeItem.attempts.add(1)],
                condition=RecycleChallengeItem.attempts < MAX_ATTEMPTS,
            )
        except UpdateError as error:
            if not table.condition_failed(error):
                raise

    def _code_hash(self, challenge: RecycleChallengeItem, code: str) -> str:
        return hmac.new(self._code_key, f"{challenge.pk}:{code}".encode(), hashlib.sha256).hexdigest()

    def _signed_in(self, customer: CustomerItem, client: Client | None, *, created: bool) -> OtpVerified:
        issued = self.accounts.token_for(LoginAccount(customer=customer), "otp", client)
        return OtpVerified(**issued.model_dump(), customer=self.accounts.views.customer(customer), created=created)


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def _review_item(before: CustomerItem, after: CustomerItem) -> list[TableItem]:
    """The review item telling the business a dormant customer's phone went to someone new."""
    reference = f"{before.customer_id}@{after.updated_at}"
    row = {
        "phone": before.phone,
        "customer_id": before.customer_id,
        "customer_number": int(before.customer_number or 0),
        "idle_since": idle_since(before),
        "released_at": after.updated_at,
    }
    return [
        ReviewItem(
            *keys.review_key(REVIEW_COLLECTION, reference),
            review_id=f"{REVIEW_COLLECTION}:{reference}",
            collection=REVIEW_COLLECTION,
            legacy_id=None,
            line=0,
            reason=REVIEW_REASON,
            row=json.dumps(row),
            run_id="recycling",
            status="open",
            created_at=after.updated_at,
        )
    ]
