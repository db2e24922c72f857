"""GET /admin/exports/customers.csv: every customer (by status and/or area) as a CSV for billing."""

from typing import Annotated

from aws_lambda_powertools.event_handler import Response
from aws_lambda_powertools.event_handler.openapi.params import Query

from customer_identity import runtime
from customer_identity.api import create_app, documented, json_response, lambda_handler, ok, principal
from customer_identity.core.models.customers import EXPORT_DESCRIPTION, CustomerStatus, ExportLink
from customer_identity.use_cases.sign_in.access import require_admin

app = create_app()
exports = runtime.customer_export()
NO_STORE = {"Cache-Control": "no-store"}


@app.get(
    "/admin/exports/customers.csv",
    operation_id="exportCustomers",
    summary="Export customers as CSV (admins)",
    description=EXPORT_DESCRIPTION,
    tags=["admin"],
    responses=documented(
        {
            200: {"description": "The CSV", "content": {"text/csv": {"schema": {"type": "string"}}}},
            303: ok("The CSV is at `Location` (text/csv, no token needed, expires in `expires_in` s)", ExportLink)
            | {"headers": {"Location": {"description": "the CSV's link", "schema": {"type": "string"}}}},
        },
        params=True,
        errors={403: "admins only"},
    ),
)
def export_customers(
    status: Annotated[CustomerStatus | None, Query()] = None,
    area: Annotated[str | None, Query(max_length=100)] = None,
) -> Response[str | ExportLink]:
    require_admin(principal(app))
    result = exports.run(status=status, area=area)
    if result.link is not None:
        response = json_response(303, result.link)
        response.headers.update({"Location": result.link.url, **NO_STORE})
        return response
    headers = {"Content-Disposition": 'attachment; filename="customers.csv"', **NO_STORE}
    return Response(200, "text/csv; charset=utf-8", (result.body or b"").decode(), headers=headers)


handler = lambda_handler(app)
