"""GET /customers: page through customers in number order, by status and/or area, or search by name."""

from typing import Annotated

from aws_lambda_powertools.event_handler.openapi.params import Query

from customer_identity import runtime
from customer_identity.api import create_app, documented, lambda_handler, ok, principal
from customer_identity.core.models.customers import CustomerStatus
from customer_identity.use_cases.identity.role_views import CustomerPageAnswer, page_for
from customer_identity.use_cases.sign_in.access import list_scope

app = create_app()
customers = runtime.listing()


@app.get(
    "/customers",
    operation_id="listCustomers",
    summary="List customers (one index query per page)",
    description="Admins see every customer (`CustomerPage`); a delivery person the customers assigned to "
    "them, with the delivery fields only (`DeliveryCustomerPage`: no money); a marketing person the "
    "customers they signed up (`MarketingCustomerPage`: no money; filters apply to the page read). "
    "Admins may filter by `delivery_person_id`. With `q`: customers whose name, or its last word, starts "
    "with `q`, case- and accent-insensitive (`zoe` finds `Zoë`, `kumar` finds `Sita Kumar`), in order of "
    "the matched name (a delivery or marketing person's: in number order).",
    tags=["customers"],
    responses=documented(
        {200: ok("One page; `next_cursor` is null on the last")},
        params=True,
        errors={400: "`invalid_cursor`", 403: "admins, delivery persons and marketing staff only"},
    ),
)
def list_customers(
    status: Annotated[CustomerStatus | None, Query()] = None,
    area: Annotated[str | None, Query(max_length=100)] = None,
    limit: Annotated[int, Query(ge=1, le=100)] = 20,
    cursor: Annotated[str | None, Query(max_length=2048)] = None,
    q: Annotated[str | None, Query(max_length=100, description="name prefix")] = None,
    delivery_person_id: Annotated[str | None, Query(max_length=64, description="admins: one's customers")] = None,
) -> CustomerPageAnswer:
    caller = principal(app)
    scope = list_scope(caller, delivery_person_id).filters()  # the caller's own customers unless an admin
    page = customers.customers(status=status, area=area, limit=limit, cursor=cursor, q=q, **scope)
    return page_for(caller.role, page)


handler = lambda_handler(app)
