"""PUT /admin/customer-numbers: set the number the next new customer gets."""

from customer_identity.api import ERROR_RESPONSES, create_app, lambda_handler
from customer_identity.models import NextNumber, NumberingState
from customer_identity.runtime import customer_service

app = create_app()
service = customer_service()


@app.put(
    "/admin/customer-numbers",
    summary="Set the next customer number (must be above every number issued)",
    tags=["admin"],
    responses={409: ERROR_RESPONSES[422] | {"description": "next_number_too_low"}, **ERROR_RESPONSES},
)
def set_next_customer_number(body: NextNumber) -> NumberingState:
    return service.set_next_number(body.next)


handler = lambda_handler(app)
