"""PUT /admin/customer-numbers: set the number the next new customer gets."""

from customer_identity import runtime
from customer_identity.api import AUTH_RESPONSES, ERROR_RESPONSES, create_app, lambda_handler, principal
from customer_identity.core.models.numbering import NextNumber, NumberingState
from customer_identity.use_cases.access import require_admin

app = create_app()
numbering = runtime.numbering()


@app.put(
    "/admin/customer-numbers",
    summary="Set the next customer number (must be above every number issued; admins)",
    tags=["admin"],
    responses={409: ERROR_RESPONSES[422] | {"description": "next_number_too_low"}, **ERROR_RESPONSES, **AUTH_RESPONSES},
)
def set_next_customer_number(body: NextNumber) -> NumberingState:
    require_admin(principal(app))
    return numbering.set_next(body.next)


handler = lambda_handler(app)
