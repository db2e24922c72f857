"""POST /customers: find-or-create the customer of a phone number."""

from aws_lambda_powertools.event_handler import Response
from aws_lambda_powertools.metrics import MetricUnit

from customer_identity import runtime
from customer_identity.api import (
    AUTH_RESPONSES,
    ERROR_RESPONSES,
    create_app,
    json_response,
    lambda_handler,
    principal,
)
from customer_identity.core.models.customers import CustomerResult, NewCustomer
from customer_identity.core.observability import metrics
from customer_identity.use_cases.access import require_admin

app = create_app()
registration = runtime.registration()


@app.post(
    "/customers",
    summary="Find or create the customer of a phone number (admins)",
    description="201 with the new customer, or 200 with the existing one (which POST never changes). "
    "Customers sign themselves up with a phone code instead (POST /auth/otp/verify).",
    tags=["customers"],
    responses={
        200: {
            "description": "The phone already had a customer",
            "content": {"application/json": {"model": CustomerResult}},
        },
        201: {"description": "Created", "content": {"application/json": {"model": CustomerResult}}},
        409: ERROR_RESPONSES[422] | {"description": "email_taken"},
        **ERROR_RESPONSES,
        **AUTH_RESPONSES,
    },
)
def create_customer(body: NewCustomer) -> Response[CustomerResult]:
    require_admin(principal(app))
    result = registration.find_or_create(body)
    if result.created:
        metrics.add_metric(name="CustomerCreated", unit=MetricUnit.Count, value=1)
    return json_response(201 if result.created else 200, result)


handler = lambda_handler(app)
