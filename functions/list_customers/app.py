"""GET /customers: page through customers in number order, by status and/or area."""

from typing import Annotated

from aws_lambda_powertools.event_handler.openapi.params import Query

from customer_identity.api import ERROR_RESPONSES, create_app, lambda_handler
from customer_identity.models import CustomerPage, CustomerStatus
from customer_identity.runtime import customer_service

app = create_app()
service = customer_service()


@app.get(
    "/customers", summary="List customers (one index query per page)", tags=["customers"], responses=ERROR_RESPONSES
)
def list_customers(
    status: Annotated[CustomerStatus | None, Query()] = None,
    area: Annotated[str | None, Query(max_length=100)] = None,
    limit: Annotated[int, Query(ge=1, le=100)] = 20,
    cursor: Annotated[str | None, Query(max_length=2048)] = None,
) -> CustomerPage:
    return service.list_customers(status=status, area=area, limit=limit, cursor=cursor)


handler = lambda_handler(app)
