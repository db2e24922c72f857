"""GET /admin/customer-numbers: the numbering state (prefix, next number, last issued)."""

from customer_identity import runtime
from customer_identity.api import create_app, documented, lambda_handler, ok, principal
from customer_identity.core.models.numbering import NumberingOverview
from customer_identity.use_cases.sign_in.access import require_admin

app = create_app()
numbering = runtime.numbering()


@app.get(
    "/admin/customer-numbers",
    operation_id="getCustomerNumbers",
    summary="The customer-number counter: prefix, next number, last number issued (admins)",
    tags=["admin"],
    responses=documented({200: ok("The numbering state", NumberingOverview)}, errors={403: "admins only"}),
)
def get_customer_numbers() -> NumberingOverview:
    require_admin(principal(app))
    return numbering.overview()


handler = lambda_handler(app)
