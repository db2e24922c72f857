"""GET /admin/stats: exact dashboard counts, read in O(1) (one BatchGetItem of the counter shards)."""

from customer_identity import runtime
from customer_identity.api import create_app, documented, lambda_handler, ok, principal
from customer_identity.core.models.stats import DashboardStats
from customer_identity.use_cases.sign_in.access import require_admin

app = create_app()
read_stats = runtime.dashboard()


@app.get(
    "/admin/stats",
    operation_id="getStats",
    summary="Exact dashboard counts: customers, staff, open review items, bookings (admins)",
    description="Kept in the same transactions as the writes that change them; read with one BatchGetItem "
    "of 16 counter shards, never a scan. Maps list only non-zero counts.",
    tags=["admin"],
    responses=documented({200: ok("The counts", DashboardStats)}, errors={403: "admins only"}),
)
def get_stats() -> DashboardStats:
    require_admin(principal(app))
    return read_stats()


handler = lambda_handler(app)
