"""GET /admin/stats/monthly: exact figures per month (one BatchGetItem of the counter shards)."""

from typing import Annotated

from aws_lambda_powertools.event_handler.openapi.params import Query

from customer_identity import runtime
from customer_identity.api import create_app, documented, lambda_handler, ok, principal
from customer_identity.core.models.stats import MonthlyStats
from customer_identity.use_cases.sign_in.access import require_admin

app = create_app()
read_months = runtime.monthly_dashboard()
MONTH = r"^[0-9]{4}-(0[1-9]|1[0-2])$"


@app.get(
    "/admin/stats/monthly",
    operation_id="getMonthlyStats",
    summary="Exact figures per month: customers created, status changes, bookings, revenue (admins)",
    description="Kept in the same transactions as the writes that change them; read with one BatchGetItem "
    "of the counter shards, never a scan. `from` and `to` are `YYYY-MM` (UTC), at most 120 months; "
    "by default the 12 months up to the present one.",
    tags=["admin"],
    responses=documented(
        {200: ok("Every month of the range, oldest first", MonthlyStats)},
        params=True,
        errors={403: "admins only"},
    ),
)
def get_monthly_stats(
    first: Annotated[str | None, Query(alias="from", pattern=MONTH, examples=["2026-01"])] = None,
    last: Annotated[str | None, Query(alias="to", pattern=MONTH, examples=["2026-12"])] = None,
) -> MonthlyStats:
    require_admin(principal(app))
    return read_months(first, last)


handler = lambda_handler(app)
