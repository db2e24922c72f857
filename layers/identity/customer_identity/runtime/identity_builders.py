"""Settings, the table connection and the identity use cases: numbering, registration, resolution, profiles, listing."""

from __future__ import annotations

from collections.abc import Callable
from functools import cache
from typing import TYPE_CHECKING

from customer_identity.core.settings import Settings, settings
from customer_identity.storage import table

if TYPE_CHECKING:
    from customer_identity.core.models.stats import DashboardStats, MonthlyStats
    from customer_identity.use_cases.identity.ledger import Ledger
    from customer_identity.use_cases.identity.listing import Listing
    from customer_identity.use_cases.identity.lookup import Lookup
    from customer_identity.use_cases.identity.numbering import Numbering
    from customer_identity.use_cases.identity.phone_release import PhoneReleases
    from customer_identity.use_cases.identity.profiles import Profiles
    from customer_identity.use_cases.identity.registration import Registration
    from customer_identity.use_cases.identity.resolution import Resolver
    from customer_identity.use_cases.identity.views import Views


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
def ledger() -> Ledger:
    from customer_identity.use_cases.identity.ledger import Ledger

    return Ledger(config(), resolver(), views())


@cache
def ledger_reader() -> Ledger:
    from customer_identity.use_cases.identity.ledger import Ledger

    return Ledger(config(), resolver_reader(), views())


@cache
def listing() -> Listing:
    from customer_identity.use_cases.identity.listing import Listing

    return Listing(views(), resolver_reader())


@cache
def dashboard() -> Callable[[], DashboardStats]:
    """The dashboard counters' reader (read-only: one ``BatchGetItem``)."""
    config()
    from customer_identity.use_cases.identity.stats import totals

    return totals


@cache
def monthly_dashboard() -> Callable[[str | None, str | None], MonthlyStats]:
    """The dashboard's figures per month (read-only: one ``BatchGetItem``)."""
    config()
    from customer_identity.use_cases.identity.monthly_stats import monthly

    return monthly


@cache
def phone_releases() -> PhoneReleases:
    """Releases and phone histories: a release does not finish a create abandoned midway (a claim is
    not found, as for readers); the next create, booking, sign-in or update does."""
    from customer_identity.use_cases.identity.phone_release import PhoneReleases

    return PhoneReleases(config(), resolver_reader(), views())


BUILDERS = (
    config,
    views,
    numbering,
    registration,
    resolver,
    resolver_reader,
    lookup_reader,
    profiles,
    ledger,
    ledger_reader,
    listing,
    dashboard,
    monthly_dashboard,
    phone_releases,
)
