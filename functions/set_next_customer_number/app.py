"""PUT /admin/customer-numbers: set the number the next new customer gets."""

from customer_identity.access import require_admin
from customer_identity.api import AUTH_RESPONSES, ERROR_RESPONSES, create_app, lambda_handler, principal
from customer_identity.models import NextNumber, NumberingState
from customer_identity.runtime import customer_service

app = create_app()
service = customer_service()


@app.put(
    "/admin/customer-numbers",
    summary="Set the next customer number (must be above every number issued; admins)",
    tags=["admin"],
    responses={409: ERROR_RESPONSES[422] | {"description": "next_number_too_low"}, **ERROR_RESPONSES, **AUTH_RESPONSES},
)
def set_next_customer_number(body: NextNumber) -> NumberingState:
    require_admin(principal(app))
    return service.set_next_number(body.next)


handler = lambda_handler(app)
