"""GET /customers: page through customers in number order, by status and/or area, or search by name."""

from typing import Annotated

from aws_lambda_powertools.event_handler.openapi.params import Query

from customer_identity import runtime
from customer_identity.api import create_app, documented, lambda_handler, ok, principal
from customer_identity.core.models.customers import CustomerPage, CustomerStatus
from customer_identity.use_cases.sign_in.access import list_scope

app = create_app()
customers = runtime.listing()


@app.get(
    "/customers",
    operation_id="listCustomers",
    summary="List customers (one index query per page)",
    description="Admins see every customer; a delivery person sees the customers assigned to them. "
    "With `q`: customers whose name, or its last word, starts with `q`, case- and accent-insensitive "
    "(`zoe` finds `Zoë`, `kumar` finds `Sita Kumar`), in order of the matched name (a delivery "
    "person's: in number order).",
    tags=["customers"],
    responses=documented(
        {200: ok("One page; `next_cursor` is null on the last")},
        params=True,
        errors={400: "`invalid_cursor`", 403: "admins and delivery persons only"},
    ),
)
def list_customers(
    status: Annotated[CustomerStatus | None, Query()] = None,
    area: Annotated[str | None, Query(max_length=100)] = None,
    limit: Annotated[int, Query(ge=1, le=100)] = 20,
    cursor: Annotated[str | None, Query(max_length=2048)] = None,
    q: Annotated[str | None, Query(max_length=100, description="name prefix")] = None,
) -> CustomerPage:
    scope = list_scope(principal(app))
    return customers.customers(status=status, area=area, limit=limit, cursor=cursor, delivery_person_id=scope, q=q)


handler = lambda_handler(app)
