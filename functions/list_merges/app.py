"""GET /admin/merges?customer=<ref>: the merges touching a customer, newest first (admins)."""

from typing import Annotated

from aws_lambda_powertools.event_handler.openapi.params import Query

from customer_identity import runtime
from customer_identity.api import create_app, documented, lambda_handler, ok, principal
from customer_identity.core.models.merges import MergePage
from customer_identity.use_cases.sign_in.access import require_admin

app = create_app()
merges = runtime.merges_reader()


@app.get(
    "/admin/merges",
    operation_id="listMerges",
    summary="Merges touching a customer, as survivor or merged (one query per page; admins)",
    description="`customer` is any reference; a merged-away customer's own merges are listed, not its survivor's.",
    tags=["admin"],
    responses=documented(
        {200: ok("One page, newest first; `next_cursor` is null on the last")},
        params=True,
        errors={400: "`invalid_cursor`", 403: "admins only", 404: "`customer_not_found`"},
    ),
)
def list_merges(
    customer: Annotated[str, Query(min_length=1, max_length=256)],
    limit: Annotated[int, Query(ge=1, le=100)] = 20,
    cursor: Annotated[str | None, Query(max_length=2048)] = None,
) -> MergePage:
    require_admin(principal(app))
    return merges.touching(customer, limit=limit, cursor=cursor)


handler = lambda_handler(app)
