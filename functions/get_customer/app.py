"""GET /customers/{ref}: resolve any identifier to the canonical customer."""

from customer_identity.api import ERROR_RESPONSES, create_app, lambda_handler, path_parameter
from customer_identity.models import ResolvedCustomer
from customer_identity.runtime import customer_service

app = create_app()
service = customer_service()


@app.get(
    "/customers/<ref>",
    summary="Resolve a customer id, customer number, phone (any shape), email or legacy id",
    tags=["customers"],
    responses={404: ERROR_RESPONSES[422] | {"description": "customer_not_found"}},
)
def get_customer(ref: str) -> ResolvedCustomer:
    resolved = service.resolve(path_parameter(app, "ref"))
    return ResolvedCustomer(customer=service.to_customer(resolved.item), resolved_from=resolved.kind)  # type: ignore[arg-type]


handler = lambda_handler(app)
