"""The composition root: objects built once per execution environment (cold start), reused when warm.

Read-only functions get read-only use cases (``*_reader``): their resolver never finishes an
abandoned create, so they never write (their IAM policy is read-only). Each builder imports its use
case itself, so a function's cold start pays only for the modules it uses. The builders live beside
the feature they build (:mod:`.identity_builders`, :mod:`.sign_in_builders`,
:mod:`.booking_builders`, :mod:`.admin_builders`, :mod:`.event_builders`); handlers call them as
``runtime.<builder>()``. Importing it registers SnapStart's hooks (:mod:`.snapshot_hooks`).
"""

from __future__ import annotations

from customer_identity.core.settings import settings
from customer_identity.runtime import (  # noqa: F401 (snapshot_hooks registers SnapStart's hooks on import)
    admin_builders,
    booking_builders,
    event_builders,
    identity_builders,
    sign_in_builders,
    snapshot_hooks,
)
from customer_identity.runtime.admin_builders import (  # noqa: F401 (the handlers' API)
    STRANDED_PAGE,
    alias_check,
    audit,
    backfill,
    backfill_runs,
    customer_export,
    legacy_records_reader,
    merges,
    merges_reader,
    review_decisions,
    review_queue_reader,
    staff,
    staff_management,
)
from customer_identity.runtime.booking_builders import (  # noqa: F401 (the handlers' API)
    bookings,
    bookings_reader,
    idempotent_bookings,
)
from customer_identity.runtime.event_builders import event_catalogue, event_publisher  # noqa: F401 (the handlers' API)
from customer_identity.runtime.identity_builders import (  # noqa: F401 (the handlers' API)
    config,
    dashboard,
    ledger,
    ledger_reader,
    listing,
    lookup_reader,
    monthly_dashboard,
    numbering,
    phone_releases,
    profiles,
    registration,
    resolver,
    resolver_reader,
    views,
)
from customer_identity.runtime.sign_in_builders import (  # noqa: F401 (the handlers' API)
    account_profiles,
    accounts,
    accounts_reader,
    credentials,
    limits,
    password_sign_in,
    passwords,
    phone_sign_in,
    recycle_guard,
    refresh,
    reset_delivery,
    reset_requests,
    sender,
    session_store,
    sessions,
    sign_out,
    sms_budget,
    tokens,
)


def reset() -> None:
    """Forget every object built (tests that change the environment between cases)."""
    settings.cache_clear()
    for feature in (identity_builders, sign_in_builders, booking_builders, admin_builders, event_builders):
        for builder in feature.BUILDERS:
            builder.cache_clear()
