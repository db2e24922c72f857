"""GET /admin/backfill-runs/{run_id}: a backfill run's status, progress, summary and rows file."""

from customer_identity import runtime
from customer_identity.api import create_app, documented, lambda_handler, ok, path_parameter, principal
from customer_identity.core.models.backfill_runs import BackfillRunEnvelope
from customer_identity.use_cases.sign_in.access import require_admin

app = create_app()
runs = runtime.backfill_runs()


@app.get(
    "/admin/backfill-runs/<run_id>",
    operation_id="getBackfillRun",
    summary="A backfill run: status, progress, the report's counts, the rows file's link (admins)",
    description="`status`: created, running, succeeded, failed. Poll it while running; once succeeded, "
    "`summary` holds the report's counts and `rows_file_url` a short-lived link to `backfill-rows.jsonl`.",
    tags=["admin"],
    responses=documented(
        {200: ok("The run", BackfillRunEnvelope)},
        params=True,
        errors={403: "admins only", 404: "`backfill_run_not_found`"},
    ),
)
def get_backfill_run(run_id: str) -> BackfillRunEnvelope:
    require_admin(principal(app))
    return BackfillRunEnvelope(run=runs.get(path_parameter(app, "run_id")))


handler = lambda_handler(app)
