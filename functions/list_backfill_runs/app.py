"""GET /admin/backfill-runs: the most recent backfill runs, newest first."""

from customer_identity import runtime
from customer_identity.api import create_app, documented, lambda_handler, ok, principal
from customer_identity.core.models.backfill_runs import BackfillRunList
from customer_identity.use_cases.sign_in.access import require_admin

app = create_app()
runs = runtime.backfill_runs()


@app.get(
    "/admin/backfill-runs",
    operation_id="listBackfillRuns",
    summary="The 20 most recent backfill runs, newest first (admins)",
    description="Statuses as recorded; read one run for its progress, summary and rows file.",
    tags=["admin"],
    responses=documented({200: ok("The runs", BackfillRunList)}, errors={403: "admins only"}),
)
def list_backfill_runs() -> BackfillRunList:
    require_admin(principal(app))
    return BackfillRunList(items=runs.recent())


handler = lambda_handler(app)
