"""GET /customers/{ref}: resolve any identifier to the canonical customer."""

from customer_identity.access import ensure_can_read
from customer_identity.api import AUTH_RESPONSES, ERROR_RESPONSES, create_app, lambda_handler, path_parameter, principal
from customer_identity.models import ResolvedCustomer
from customer_identity.runtime import customer_service

app = create_app()
service = customer_service()


@app.get(
    "/customers/<ref>",
    summary="Resolve a customer id, customer number, phone (any shape), email or legacy id",
    description="Admins: any customer. Customers: themselves. Delivery persons: their assigned customers. "
    "Anyone else's customer answers 404, as if it did not exist.",
    tags=["customers"],
    responses={404: ERROR_RESPONSES[422] | {"description": "customer_not_found"}, **AUTH_RESPONSES},
)
def get_customer(ref: str) -> ResolvedCustomer:
    reference = path_parameter(app, "ref")
    resolved = service.resolve(reference)
    ensure_can_read(principal(app), resolved.item, reference)
    return ResolvedCustomer(customer=service.to_customer(resolved.item), resolved_from=resolved.kind)  # type: ignore[arg-type]


handler = lambda_handler(app)
