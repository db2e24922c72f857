"""POST /admin/audit/alias-checks: start the background check of every identifier marker."""

from aws_lambda_powertools.event_handler import Response

from customer_identity import runtime
from customer_identity.api import create_app, documented, json_response, lambda_handler, ok, principal
from customer_identity.core.audit_models import AliasCheckEnvelope
from customer_identity.use_cases.sign_in.access import require_admin

app = create_app()
alias_check = runtime.alias_check()


@app.post(
    "/admin/audit/alias-checks",
    operation_id="startAliasCheck",
    summary="Start a background check that every identifier names a customer holding it (admins)",
    description="Answers 202 at once; follow the run in GET /admin/audit (`aliases`). A paginated parallel scan of "
    "the markers, run by asynchronous Lambda invocations; its cost is one read of the table.",
    tags=["admin"],
    responses=documented(
        {202: ok("Started", AliasCheckEnvelope)}, body=True, errors={403: "admins only", 409: "`alias_check_running`"}
    ),
)
def start_alias_check() -> Response[AliasCheckEnvelope]:
    caller = principal(app)
    require_admin(caller)
    return json_response(202, AliasCheckEnvelope(alias_check=alias_check.start(by=caller.account_id)))


handler = lambda_handler(app)
