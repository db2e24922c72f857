"""POST /admin/backfill-runs: a new backfill run and where to upload its export."""

from aws_lambda_powertools.event_handler import Response

from customer_identity import runtime
from customer_identity.api import create_app, documented, json_response, lambda_handler, ok, principal
from customer_identity.core.models.backfill_runs import NewBackfillRun, NewBackfillRunAnswer
from customer_identity.use_cases.sign_in.access import require_admin

app = create_app()
runs = runtime.backfill_runs()


@app.post(
    "/admin/backfill-runs",
    operation_id="createBackfillRun",
    summary="Create a backfill run: upload links for its export (admins)",
    description="`PUT` each export file to its link (any of the six JSON Lines files, or one zip of them), then "
    "`POST /admin/backfill-runs/{run_id}/start`. The links are presigned and expire after `expires_in` s.",
    tags=["admin"],
    responses=documented(
        {201: ok("Created", NewBackfillRunAnswer)}, body=True, params=True, errors={403: "admins only"}
    ),
)
def create_backfill_run(body: NewBackfillRun) -> Response[NewBackfillRunAnswer]:
    caller = principal(app)
    require_admin(caller)
    return json_response(201, runs.create(body, by=caller.account_id))


handler = lambda_handler(app)
