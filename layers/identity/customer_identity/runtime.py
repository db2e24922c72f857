"""The composition root: objects built once per execution environment (cold start), reused when warm.

Read-only functions get read-only use cases (``*_reader``): their resolver never finishes an
abandoned create, so they never write (their IAM policy is ``DynamoDBReadPolicy``). Each builder
imports its use case itself, so a function's cold start pays only for the modules it uses.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import cache
from typing import TYPE_CHECKING

from customer_identity.core.settings import Settings, settings
from customer_identity.storage import table

if TYPE_CHECKING:
    from customer_identity.core.models.stats import DashboardStats
    from customer_identity.use_cases.admin.alias_check import AliasCheck
    from customer_identity.use_cases.admin.audit import Audit
    from customer_identity.use_cases.admin.exports import CustomerExport
    from customer_identity.use_cases.admin.merges import Merges
    from customer_identity.use_cases.admin.review_decisions import ReviewDecisions
    from customer_identity.use_cases.admin.review_queue import ReviewQueue
    from customer_identity.use_cases.admin.staff import Staff
    from customer_identity.use_cases.admin.staff_management import StaffManagement
    from customer_identity.use_cases.backfill.steps import Backfill
    from customer_identity.use_cases.bookings.bookings import Bookings
    from customer_identity.use_cases.bookings.idempotency import IdempotentBookings
    from customer_identity.use_cases.identity.listing import Listing
    from customer_identity.use_cases.identity.lookup import Lookup
    from customer_identity.use_cases.identity.numbering import Numbering
    from customer_identity.use_cases.identity.profiles import Profiles
    from customer_identity.use_cases.identity.registration import Registration
    from customer_identity.use_cases.identity.resolution import Resolver
    from customer_identity.use_cases.identity.views import Views
    from customer_identity.use_cases.sign_in.accounts import Accounts
    from customer_identity.use_cases.sign_in.credentials import Credentials
    from customer_identity.use_cases.sign_in.limits import Limits
    from customer_identity.use_cases.sign_in.password_resets import ResetDelivery, ResetRequests
    from customer_identity.use_cases.sign_in.password_sign_in import PasswordSignIn
    from customer_identity.use_cases.sign_in.passwords import Passwords
    from customer_identity.use_cases.sign_in.phone_sign_in import PhoneSignIn
    from customer_identity.use_cases.sign_in.sessions import Sessions
    from customer_identity.use_cases.sign_in.sms_budget import SmsBudget
    from customer_identity.use_cases.sign_in.tokens import Tokens


@cache
def config() -> Settings:
    """Settings, with the table connection configured from them (once)."""
    current = settings()
    table.configure(current.table_name, current.aws_region, current.dynamodb_endpoint)
    return current


@cache
def views() -> Views:
    from customer_identity.use_cases.identity.customer_numbers import CustomerNumbers
    from customer_identity.use_cases.identity.views import Views

    return Views(CustomerNumbers(config().customer_number_prefix))


@cache
def numbering() -> Numbering:
    from customer_identity.use_cases.identity.numbering import Numbering

    return Numbering(config(), views().numbers)


@cache
def registration() -> Registration:
    from customer_identity.use_cases.identity.registration import Registration

    return Registration(config(), numbering(), views())


@cache
def resolver() -> Resolver:
    """For functions that write: finishes creates abandoned by a crashed request."""
    from customer_identity.use_cases.identity.resolution import Resolver

    return Resolver(config(), views().numbers, adopt=registration().adopt)


@cache
def resolver_reader() -> Resolver:
    """For read-only functions: never writes."""
    from customer_identity.use_cases.identity.resolution import Resolver

    return Resolver(config(), views().numbers)


@cache
def lookup_reader() -> Lookup:
    from customer_identity.use_cases.identity.lookup import Lookup

    return Lookup(resolver_reader(), views())


@cache
def profiles() -> Profiles:
    from customer_identity.use_cases.identity.profiles import Profiles

    return Profiles(config(), resolver(), views())


@cache
def listing() -> Listing:
    from customer_identity.use_cases.identity.listing import Listing

    return Listing(views())


@cache
def customer_export() -> CustomerExport:
    from customer_identity.use_cases.admin.export_files import LocalExportFiles, S3ExportFiles
    from customer_identity.use_cases.admin.exports import CustomerExport, ExportFiles

    current = config()
    files: ExportFiles | None = None
    if current.export_bucket:
        files = S3ExportFiles(current.export_bucket, link_ttl_seconds=current.export_link_ttl_seconds)
    elif current.export_dir:
        files = LocalExportFiles(current.export_dir)
    return CustomerExport(
        views(),
        files,
        inline_limit=current.export_inline_limit_bytes,
        link_ttl_seconds=current.export_link_ttl_seconds,
    )


@cache
def bookings() -> Bookings:
    from customer_identity.use_cases.bookings.bookings import Bookings

    return Bookings(config(), resolver(), views(), registration())


@cache
def bookings_reader() -> Bookings:
    from customer_identity.use_cases.bookings.bookings import Bookings

    return Bookings(config(), resolver_reader(), views(), registration=None)


@cache
def idempotent_bookings() -> IdempotentBookings:
    from customer_identity.use_cases.bookings.idempotency import IdempotentBookings

    return IdempotentBookings(bookings())


@cache
def tokens() -> Tokens:
    from customer_identity.use_cases.sign_in.tokens import Tokens, signing_key

    current = config()
    return Tokens(signing_key(current), ttl_seconds=current.token_ttl_seconds)


@cache
def sessions() -> Sessions:
    """Verifies tokens; staff tokens are checked against their account (one GetItem per request)."""
    from customer_identity.use_cases.sign_in.sessions import Sessions

    return Sessions(tokens())


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

    return PhoneSignIn(config(), registration(), accounts(), limits(), sms_budget(), sender())


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


@cache
def staff() -> Staff:
    from customer_identity.use_cases.admin.staff import Staff

    return Staff(config(), accounts(), passwords())


@cache
def merges() -> Merges:
    from customer_identity.use_cases.admin.merge_moves import Mover
    from customer_identity.use_cases.admin.merges import Merges

    return Merges(config(), resolver(), views(), Mover(config(), resolver()))


@cache
def merges_reader() -> Merges:
    """Lists merges; never writes (a merge left moving is shown as ``moving``)."""
    from customer_identity.use_cases.admin.merges import Merges

    return Merges(config(), resolver_reader(), views(), mover=None)


@cache
def dashboard() -> Callable[[], DashboardStats]:
    """The dashboard counters' reader (read-only: one ``BatchGetItem``)."""
    config()
    from customer_identity.use_cases.identity.stats import totals

    return totals


@cache
def staff_management() -> StaffManagement:
    from customer_identity.use_cases.admin.staff_management import StaffManagement

    return StaffManagement(config(), accounts(), listing())


@cache
def backfill() -> Backfill:
    from customer_identity.use_cases.backfill.steps import Backfill

    return Backfill(config())


STRANDED_PAGE = 10


@cache
def audit() -> Audit:
    from customer_identity.use_cases.admin.audit import Audit

    stranded = staff_management().stranded_customers
    return Audit(views().numbers, lambda: stranded(limit=STRANDED_PAGE, examples=5))


@cache
def alias_check() -> AliasCheck:
    from customer_identity.use_cases.admin.alias_check import AliasCheck
    from customer_identity.use_cases.workers import async_invoker

    current = config()
    return AliasCheck(async_invoker(current.alias_check_function, current.aws_region, current.lambda_endpoint))


@cache
def review_queue_reader() -> ReviewQueue:
    from customer_identity.use_cases.admin.review_queue import ReviewQueue

    config()
    return ReviewQueue()


@cache
def review_decisions() -> ReviewDecisions:
    from customer_identity.use_cases.admin.review_decisions import ReviewDecisions

    return ReviewDecisions(config(), resolver(), views())


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
    customer_export,
    bookings,
    bookings_reader,
    idempotent_bookings,
    tokens,
    sessions,
    accounts,
    accounts_reader,
    passwords,
    limits,
    credentials,
    sender,
    sms_budget,
    phone_sign_in,
    password_sign_in,
    reset_requests,
    reset_delivery,
    staff,
    merges,
    merges_reader,
    dashboard,
    staff_management,
    backfill,
    audit,
    alias_check,
    review_queue_reader,
    review_decisions,
)


def reset() -> None:
    """Forget every object built (tests that change the environment between cases)."""
    settings.cache_clear()
    for builder in BUILDERS:
        builder.cache_clear()
