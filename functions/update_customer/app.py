"""PATCH /customers/{ref}: change a customer's fields, including its phone."""

from customer_identity import runtime
from customer_identity.api import create_app, documented, lambda_handler, ok, path_parameter, principal
from customer_identity.core.models.customers import CustomerChanges, CustomerEnvelope
from customer_identity.use_cases.sign_in.access import ensure_can_update, may_update_customers

app = create_app()
profiles = runtime.account_profiles()


@app.patch(
    "/customers/<ref>",
    operation_id="updateCustomer",
    summary="Update a customer; a phone change keeps its id and number",
    description="Admins may change every field, including `delivery_person_id`; a customer may change "
    "its own name, address and area.",
    tags=["customers"],
    responses=documented(
        {200: ok("Updated")},
        body=True,
        params=True,
        errors={
            403: "a customer changing another field than name, address or area; staff but admins",
            404: "`customer_not_found`",
            409: "`phone_taken` or `email_taken`",
        },
    ),
)
def update_customer(ref: str, body: CustomerChanges) -> CustomerEnvelope:
    reference, caller, fields = path_parameter(app, "ref"), principal(app), set(body.model_fields_set)
    may_update_customers(caller)  # the role decides first: the answer must not depend on what exists
    customer = profiles.update(
        reference, body, authorize=lambda current: ensure_can_update(caller, current, reference, fields)
    )
    return CustomerEnvelope(customer=customer)


handler = lambda_handler(app)
