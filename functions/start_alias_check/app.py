"""POST /admin/audit/alias-checks: start the background check of every identifier marker."""

from aws_lambda_powertools.event_handler import Response

from customer_identity import runtime
from customer_identity.api import AUTH_RESPONSES, ERROR_RESPONSES, create_app, json_response, lambda_handler, principal
from customer_identity.core.audit_models import AliasCheckEnvelope
from customer_identity.use_cases.access import require_admin

app = create_app()
alias_check = runtime.alias_check()


@app.post(
    "/admin/audit/alias-checks",
    summary="Start a background check that every identifier names a customer holding it (admins)",
    description="Answers 202 at once; follow the run in GET /admin/audit (`aliases`). A paginated parallel scan of "
    "the markers, run by asynchronous Lambda invocations; its cost is one read of the table.",
    tags=["admin"],
    responses={
        202: {"description": "Started", "content": {"application/json": {"model": AliasCheckEnvelope}}},
        409: ERROR_RESPONSES[422] | {"description": "alias_check_running"},
        **ERROR_RESPONSES,
        **AUTH_RESPONSES,
    },
)
def start_alias_check() -> Response[AliasCheckEnvelope]:
    caller = principal(app)
    require_admin(caller)
    return json_response(202, AliasCheckEnvelope(alias_check=alias_check.start(by=caller.account_id)))


handler = lambda_handler(app)
