"""GET /customers/{ref}: resolve any identifier to the canonical customer."""

from customer_identity import runtime
from customer_identity.api import create_app, documented, lambda_handler, ok, path_parameter, principal
from customer_identity.use_cases.identity.role_views import ResolvedAnswer, resolved_for
from customer_identity.use_cases.sign_in.access import ensure_can_view, may_view_customers

app = create_app()
lookup = runtime.lookup_reader()


@app.get(
    "/customers/<ref>",
    operation_id="getCustomer",
    summary="Resolve a customer id, customer number, phone (any shape), email or legacy id",
    description="Admins: any customer; customers: themselves (`ResolvedCustomer`). Delivery persons: their "
    "assigned customers, delivery fields only (`DeliveryResolvedCustomer`). Marketing staff: the customers "
    "they signed up (`MarketingResolvedCustomer`). Anyone else's customer answers 404, as if it did not exist.",
    tags=["customers"],
    responses=documented(
        {200: ok("The customer and what the reference matched")},
        errors={403: "suppliers read no customers", 404: "`customer_not_found`"},
    ),
)
def get_customer(ref: str) -> ResolvedAnswer:
    reference, caller = path_parameter(app, "ref"), principal(app)
    may_view_customers(caller)  # the role decides first: the answer must not depend on what exists
    found = lookup.find(reference, authorize=lambda customer: ensure_can_view(caller, customer, reference))
    return resolved_for(caller.role, found)


handler = lambda_handler(app)
