"""POST /admin/backfill-runs/{run_id}/start: start the backfill state machine on the uploaded export."""

from aws_lambda_powertools.event_handler import Response

from customer_identity import runtime
from customer_identity.api import create_app, documented, json_response, lambda_handler, ok, path_parameter, principal
from customer_identity.core.models.backfill_runs import BackfillRunEnvelope
from customer_identity.use_cases.sign_in.access import require_admin

app = create_app()
runs = runtime.backfill_runs()


@app.post(
    "/admin/backfill-runs/<run_id>/start",
    operation_id="startBackfillRun",
    summary="Start a backfill run on its uploaded files (admins)",
    description="Checks the upload (a zip is unpacked: only the export files, bounded sizes; each file must be "
    "JSON Lines), starts the backfill state machine on it and answers 202 at once; follow it with "
    "`GET /admin/backfill-runs/{run_id}`. A run starts once.",
    tags=["admin"],
    responses=documented(
        {202: ok("Started", BackfillRunEnvelope)},
        body=True,
        params=True,
        errors={
            403: "admins only",
            404: "`backfill_run_not_found`",
            409: "`backfill_run_started` (started before)",
            422: "`invalid_export_file` (`field` names the file: missing, not a zip, not JSON Lines, unsafe member)",
        },
    ),
)
def start_backfill_run(run_id: str) -> Response[BackfillRunEnvelope]:
    require_admin(principal(app))
    return json_response(202, BackfillRunEnvelope(run=runs.start(path_parameter(app, "run_id"))))


handler = lambda_handler(app)
