"""Sign-in: tokens, sessions, accounts, passwords, limits, credentials, notifications, codes and resets."""

from __future__ import annotations

from functools import cache
from typing import TYPE_CHECKING

from customer_identity.runtime.identity_builders import config, registration, resolver, resolver_reader, views

if TYPE_CHECKING:
    from customer_identity.use_cases.identity.profiles import Profiles
    from customer_identity.use_cases.sign_in.accounts import Accounts
    from customer_identity.use_cases.sign_in.credentials import Credentials
    from customer_identity.use_cases.sign_in.limits import Limits
    from customer_identity.use_cases.sign_in.password_resets import ResetDelivery, ResetRequests
    from customer_identity.use_cases.sign_in.password_sign_in import PasswordSignIn
    from customer_identity.use_cases.sign_in.passwords import Passwords
    from customer_identity.use_cases.sign_in.phone_sign_in import PhoneSignIn
    from customer_identity.use_cases.sign_in.recycling import RecycleGuard
    from customer_identity.use_cases.sign_in.refresh import Refresh
    from customer_identity.use_cases.sign_in.session_store import SessionStore
    from customer_identity.use_cases.sign_in.sessions import Sessions
    from customer_identity.use_cases.sign_in.sign_out import SignOut
    from customer_identity.use_cases.sign_in.sms_budget import SmsBudget
    from customer_identity.use_cases.sign_in.tokens import Tokens


@cache
def tokens() -> Tokens:
    from customer_identity.use_cases.sign_in.tokens import Tokens, signing_key

    current = config()
    return Tokens(signing_key(current), ttl_seconds=current.token_ttl_seconds)


@cache
def session_store() -> SessionStore:
    from customer_identity.use_cases.sign_in.session_store import SessionStore

    return SessionStore(config(), tokens())


@cache
def sessions() -> Sessions:
    """Verifies tokens and checks each token's session (one strongly consistent GetItem per request)."""
    from customer_identity.use_cases.sign_in.sessions import Sessions

    return Sessions(tokens(), session_store())


@cache
def refresh() -> Refresh:
    from customer_identity.use_cases.sign_in.refresh import Refresh

    return Refresh(session_store())


@cache
def sign_out() -> SignOut:
    from customer_identity.use_cases.sign_in.sign_out import SignOut

    return SignOut(session_store(), refresh(), resolver_reader())


@cache
def account_profiles() -> Profiles:
    """PATCH /customers/{ref}: a changed phone or email ends the customer's sessions (its login changed)."""
    from customer_identity.use_cases.identity.profiles import Profiles

    store = session_store()
    return Profiles(
        config(), resolver(), views(), on_login_change=lambda customer_id, why: store.revoke_all(customer_id, why)
    )


@cache
def accounts() -> Accounts:
    from customer_identity.use_cases.sign_in.accounts import Accounts

    return Accounts(config(), resolver(), views(), tokens())


@cache
def accounts_reader() -> Accounts:
    from customer_identity.use_cases.sign_in.accounts import Accounts

    return Accounts(config(), resolver_reader(), views(), tokens())


@cache
def passwords() -> Passwords:
    from customer_identity.use_cases.sign_in.passwords import Passwords

    current = config()
    return Passwords(memory_kib=current.password_hash_memory_kib, time_cost=current.password_hash_time_cost)


@cache
def limits() -> Limits:
    from customer_identity.use_cases.sign_in.limits import Limits

    return Limits(config().contention_budget_seconds)


@cache
def credentials() -> Credentials:
    from customer_identity.use_cases.sign_in.credentials import Credentials
    from customer_identity.use_cases.sign_in.email_proofs import EmailProofs

    return Credentials(config(), accounts(), passwords(), limits(), EmailProofs(accounts(), limits(), sender()))


@cache
def sender():
    from customer_identity.use_cases.sign_in.notifications import sender_for

    return sender_for(config())


@cache
def sms_budget() -> SmsBudget:
    from customer_identity.use_cases.sign_in.sms_budget import SmsBudget

    return SmsBudget(config())


@cache
def phone_sign_in() -> PhoneSignIn:
    from customer_identity.use_cases.sign_in.phone_sign_in import PhoneSignIn

    return PhoneSignIn(config(), registration(), accounts(), limits(), sms_budget(), sender(), recycle_guard())


@cache
def recycle_guard() -> RecycleGuard:
    """The recycling guard: its checks (verify) and proofs (/auth/recycled/*)."""
    from customer_identity.use_cases.sign_in.recycling import RecycleGuard

    return RecycleGuard(config(), registration(), accounts(), passwords, sender())


@cache
def password_sign_in() -> PasswordSignIn:
    from customer_identity.use_cases.sign_in.password_sign_in import PasswordSignIn

    return PasswordSignIn(config(), accounts(), credentials(), passwords(), limits())


@cache
def reset_requests() -> ResetRequests:
    """POST /auth/password/forgot: no table, no signing key; one asynchronous invoke of the reset worker."""
    from customer_identity.use_cases.sign_in.password_resets import ResetRequests
    from customer_identity.use_cases.workers import async_invoker

    current = config()
    invoke = async_invoker(current.reset_worker_function, current.aws_region, current.lambda_endpoint)
    return ResetRequests(current, sms_budget(), invoke)


@cache
def reset_delivery() -> ResetDelivery:
    """The reset worker: finds accounts (read-only resolver) and sends tokens; issues no bearer token."""
    from customer_identity.use_cases.sign_in.accounts import Accounts
    from customer_identity.use_cases.sign_in.password_resets import ResetDelivery

    lookup = Accounts(config(), resolver_reader(), views(), tokens=None)
    return ResetDelivery(lookup, limits(), sms_budget(), sender())


BUILDERS = (
    tokens,
    session_store,
    sessions,
    refresh,
    sign_out,
    account_profiles,
    accounts,
    accounts_reader,
    passwords,
    limits,
    credentials,
    sender,
    sms_budget,
    phone_sign_in,
    recycle_guard,
    password_sign_in,
    reset_requests,
    reset_delivery,
)
