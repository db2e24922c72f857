"""POST /customers: find-or-create the customer of a phone number."""

from aws_lambda_powertools.event_handler import Response
from aws_lambda_powertools.metrics import MetricUnit

from customer_identity import runtime
from customer_identity.api import create_app, documented, json_response, lambda_handler, ok, principal
from customer_identity.core.models.customers import CustomerResult, NewCustomer
from customer_identity.core.observability import metrics
from customer_identity.use_cases.sign_in.access import require_admin

app = create_app()
registration = runtime.registration()


@app.post(
    "/customers",
    operation_id="createCustomer",
    summary="Find or create the customer of a phone number (admins)",
    description="201 with the new customer, or 200 with the existing one (which POST never changes). "
    "Customers sign themselves up with a phone code instead (POST /auth/otp/verify).",
    tags=["customers"],
    responses=documented(
        {200: ok("The phone already had a customer", CustomerResult), 201: ok("Created", CustomerResult)},
        body=True,
        params=True,
        errors={403: "admins only", 409: "`email_taken`"},
    ),
)
def create_customer(body: NewCustomer) -> Response[CustomerResult]:
    require_admin(principal(app))
    result = registration.find_or_create(body)
    if result.created:
        metrics.add_metric(name="CustomerCreated", unit=MetricUnit.Count, value=1)
    return json_response(201 if result.created else 200, result)


handler = lambda_handler(app)
