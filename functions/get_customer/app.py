"""GET /customers/{ref}: resolve any identifier to the canonical customer."""

from customer_identity import runtime
from customer_identity.api import create_app, documented, lambda_handler, ok, path_parameter, principal
from customer_identity.core.models.customers import ResolvedCustomer
from customer_identity.use_cases.sign_in.access import ensure_can_read, may_read_customers

app = create_app()
lookup = runtime.lookup_reader()


@app.get(
    "/customers/<ref>",
    operation_id="getCustomer",
    summary="Resolve a customer id, customer number, phone (any shape), email or legacy id",
    description="Admins: any customer. Customers: themselves. Delivery persons: their assigned customers. "
    "Anyone else's customer answers 404, as if it did not exist.",
    tags=["customers"],
    responses=documented(
        {200: ok("The customer and what the reference matched")},
        errors={403: "suppliers and marketing staff read no customers", 404: "`customer_not_found`"},
    ),
)
def get_customer(ref: str) -> ResolvedCustomer:
    reference, caller = path_parameter(app, "ref"), principal(app)
    may_read_customers(caller)  # the role decides first: the answer must not depend on what exists
    return lookup.find(reference, authorize=lambda customer: ensure_can_read(caller, customer, reference))


handler = lambda_handler(app)
