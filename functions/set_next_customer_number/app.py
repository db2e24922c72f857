"""PUT /admin/customer-numbers: set the number the next new customer gets."""

from customer_identity import runtime
from customer_identity.api import create_app, documented, lambda_handler, ok, principal
from customer_identity.core.models.numbering import NextNumber, NumberingState
from customer_identity.use_cases.sign_in.access import require_admin

app = create_app()
numbering = runtime.numbering()


@app.put(
    "/admin/customer-numbers",
    operation_id="setNextCustomerNumber",
    summary="Set the next customer number (must be above every number issued; admins)",
    tags=["admin"],
    responses=documented(
        {200: ok("The new numbering state")},
        body=True,
        params=True,
        errors={403: "admins only", 409: "`next_number_too_low`"},
    ),
)
def set_next_customer_number(body: NextNumber) -> NumberingState:
    require_admin(principal(app))
    return numbering.set_next(body.next)


handler = lambda_handler(app)
