"""The composition root: objects built once per execution environment (cold start), reused when warm.

Read-only functions get read-only use cases (``*_reader``): their resolver never finishes an
abandoned create, so they never write (their IAM policy is ``DynamoDBReadPolicy``). Each builder
imports its use case itself, so a function's cold start pays only for the modules it uses.
"""

from __future__ import annotations

from functools import cache
from typing import TYPE_CHECKING

from customer_identity.core.settings import Settings, settings
from customer_identity.storage import table

if TYPE_CHECKING:
    from customer_identity.use_cases.accounts import Accounts
    from customer_identity.use_cases.backfill.steps import Backfill
    from customer_identity.use_cases.bookings import Bookings
    from customer_identity.use_cases.credentials import Credentials
    from customer_identity.use_cases.idempotency import IdempotentBookings
    from customer_identity.use_cases.limits import Limits
    from customer_identity.use_cases.listing import Listing
    from customer_identity.use_cases.lookup import Lookup
    from customer_identity.use_cases.numbering import Numbering
    from customer_identity.use_cases.password_sign_in import PasswordSignIn
    from customer_identity.use_cases.passwords import Passwords
    from customer_identity.use_cases.phone_sign_in import PhoneSignIn
    from customer_identity.use_cases.profiles import Profiles
    from customer_identity.use_cases.registration import Registration
    from customer_identity.use_cases.resolution import Resolver
    from customer_identity.use_cases.staff import Staff
    from customer_identity.use_cases.tokens import Tokens
    from customer_identity.use_cases.views import Views


@cache
def config() -> Settings:
    """Settings, with the table connection configured from them (once)."""
    current = settings()
    table.configure(current.table_name, current.aws_region, current.dynamodb_endpoint)
    return current


@cache
def views() -> Views:
    from customer_identity.use_cases.customer_numbers import CustomerNumbers
    from customer_identity.use_cases.views import Views

    return Views(CustomerNumbers(config().customer_number_prefix))


@cache
def numbering() -> Numbering:
    from customer_identity.use_cases.numbering import Numbering

    return Numbering(config(), views().numbers)


@cache
def registration() -> Registration:
    from customer_identity.use_cases.registration import Registration

    return Registration(config(), numbering(), views())


@cache
def resolver() -> Resolver:
    """For functions that write: finishes creates abandoned by a crashed request."""
    from customer_identity.use_cases.resolution import Resolver

    return Resolver(config(), views().numbers, adopt=registration().adopt)


@cache
def resolver_reader() -> Resolver:
    """For read-only functions: never writes."""
    from customer_identity.use_cases.resolution import Resolver

    return Resolver(config(), views().numbers)


@cache
def lookup_reader() -> Lookup:
    from customer_identity.use_cases.lookup import Lookup

    return Lookup(resolver_reader(), views())


@cache
def profiles() -> Profiles:
    from customer_identity.use_cases.profiles import Profiles

    return Profiles(config(), resolver(), views())


@cache
def listing() -> Listing:
    from customer_identity.use_cases.listing import Listing

    return Listing(views())


@cache
def bookings() -> Bookings:
    from customer_identity.use_cases.bookings import Bookings

    return Bookings(config(), resolver(), views(), registration())


@cache
def bookings_reader() -> Bookings:
    from customer_identity.use_cases.bookings import Bookings

    return Bookings(config(), resolver_reader(), views(), registration=None)


@cache
def idempotent_bookings() -> IdempotentBookings:
    from customer_identity.use_cases.idempotency import IdempotentBookings

    return IdempotentBookings(bookings())


@cache
def tokens() -> Tokens:
    from customer_identity.use_cases.tokens import Tokens, signing_key

    current = config()
    return Tokens(signing_key(current), ttl_seconds=current.token_ttl_seconds)


@cache
def accounts() -> Accounts:
    from customer_identity.use_cases.accounts import Accounts

    return Accounts(config(), resolver(), views(), tokens())


@cache
def accounts_reader() -> Accounts:
    from customer_identity.use_cases.accounts import Accounts

    return Accounts(config(), resolver_reader(), views(), tokens())


@cache
def passwords() -> Passwords:
    from customer_identity.use_cases.passwords import Passwords

    current = config()
    return Passwords(memory_kib=current.password_hash_memory_kib, time_cost=current.password_hash_time_cost)


@cache
def limits() -> Limits:
    from customer_identity.use_cases.limits import Limits

    return Limits(config().contention_budget_seconds)


@cache
def credentials() -> Credentials:
    from customer_identity.use_cases.credentials import Credentials
    from customer_identity.use_cases.email_proofs import EmailProofs

    return Credentials(config(), accounts(), passwords(), limits(), EmailProofs(accounts(), limits(), sender()))


@cache
def sender():
    from customer_identity.use_cases.notifications import sender_for

    return sender_for(config())


@cache
def phone_sign_in() -> PhoneSignIn:
    from customer_identity.use_cases.phone_sign_in import PhoneSignIn

    return PhoneSignIn(config(), registration(), accounts(), limits(), sender())


@cache
def password_sign_in() -> PasswordSignIn:
    from customer_identity.use_cases.password_sign_in import PasswordSignIn

    return PasswordSignIn(config(), accounts(), credentials(), passwords(), limits(), sender())


@cache
def staff() -> Staff:
    from customer_identity.use_cases.staff import Staff

    return Staff(config(), accounts(), passwords())


@cache
def backfill() -> Backfill:
    from customer_identity.use_cases.backfill.steps import Backfill

    return Backfill(config())


BUILDERS = (
    config,
    views,
    numbering,
    registration,
    resolver,
    resolver_reader,
    lookup_reader,
    profiles,
    listing,
    bookings,
    bookings_reader,
    idempotent_bookings,
    tokens,
    accounts,
    accounts_reader,
    passwords,
    limits,
    credentials,
    sender,
    phone_sign_in,
    password_sign_in,
    staff,
    backfill,
)


def reset() -> None:
    """Forget every object built (tests that change the environment between cases)."""
    settings.cache_clear()
    for builder in BUILDERS:
        builder.cache_clear()
