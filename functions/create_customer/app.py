"""POST /customers: find-or-create the customer of a phone number."""

from aws_lambda_powertools.event_handler import Response
from aws_lambda_powertools.metrics import MetricUnit

from customer_identity import runtime
from customer_identity.api import create_app, documented, json_response, lambda_handler, ok, principal
from customer_identity.core.models.customers import CustomerResult, NewCustomer
from customer_identity.core.models.role_views import MarketingCustomerResult
from customer_identity.core.observability import metrics
from customer_identity.use_cases.identity.role_views import result_for
from customer_identity.use_cases.sign_in.access import signed_up_by

app = create_app()
registration = runtime.registration()


@app.post(
    "/customers",
    operation_id="createCustomer",
    summary="Find or create the customer of a phone number (admins, marketing staff)",
    description="201 with the new customer, or 200 with the existing one (which POST never changes). "
    "A marketing person's new customers are theirs (`marketing_person_id`); they may not set "
    "`custom_product_prices` or `marketing_person_name` (403 naming the field) and get a "
    "`MarketingCustomerResult` (no money). Customers sign themselves up with a phone code instead "
    "(POST /auth/otp/verify).",
    tags=["customers"],
    responses=documented(
        {
            200: ok("The phone already had a customer", CustomerResult | MarketingCustomerResult),
            201: ok("Created", CustomerResult | MarketingCustomerResult),
        },
        body=True,
        params=True,
        errors={403: "admins and marketing staff only; a field marketing staff may not set", 409: "`email_taken`"},
    ),
)
def create_customer(body: NewCustomer) -> Response[CustomerResult | MarketingCustomerResult]:
    caller = principal(app)
    result = registration.find_or_create(signed_up_by(caller, body))
    if result.created:
        metrics.add_metric(name="CustomerCreated", unit=MetricUnit.Count, value=1)
    return json_response(201 if result.created else 200, result_for(caller.role, result))


handler = lambda_handler(app)
