"""GET /admin/customers/{ref}/legacy-records: the legacy rows kept verbatim with a customer (admins)."""

from typing import Annotated

from aws_lambda_powertools.event_handler.openapi.params import Query

from customer_identity import runtime
from customer_identity.api import create_app, documented, lambda_handler, ok, path_parameter, principal
from customer_identity.core.models.legacy_records import LegacyRecordPage
from customer_identity.use_cases.sign_in.access import require_admin

app = create_app()
records = runtime.legacy_records_reader()


@app.get(
    "/admin/customers/<ref>/legacy-records",
    operation_id="listLegacyRecords",
    summary="The legacy rows a backfill attached to a customer, each as the export carried it (admins)",
    description="Every identity and booking row of the customer, and of every customer merged into it, "
    "with its collection, legacy id and line; values of secret fields (password hashes) read `[removed]`.",
    tags=["admin"],
    responses=documented(
        {200: ok("One page; `next_cursor` is null on the last")},
        params=True,
        errors={400: "`invalid_cursor`", 403: "admins only", 404: "`customer_not_found`"},
    ),
)
def list_legacy_records(
    ref: str,
    limit: Annotated[int, Query(ge=1, le=100)] = 20,
    cursor: Annotated[str | None, Query(max_length=2048)] = None,
) -> LegacyRecordPage:
    require_admin(principal(app))
    return records.page(path_parameter(app, "ref"), limit=limit, cursor=cursor)


handler = lambda_handler(app)
