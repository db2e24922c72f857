"""PATCH /customers/{ref}: change a customer's fields, including its phone."""

from customer_identity.api import ERROR_RESPONSES, create_app, lambda_handler, path_parameter
from customer_identity.models import CustomerChanges, CustomerEnvelope
from customer_identity.runtime import customer_service

app = create_app()
service = customer_service()


@app.patch(
    "/customers/<ref>",
    summary="Update a customer; a phone change keeps its id and number",
    tags=["customers"],
    responses={
        404: ERROR_RESPONSES[422] | {"description": "customer_not_found"},
        409: ERROR_RESPONSES[422] | {"description": "phone_taken or email_taken"},
        **ERROR_RESPONSES,
    },
)
def update_customer(ref: str, body: CustomerChanges) -> CustomerEnvelope:
    return CustomerEnvelope(customer=service.update(path_parameter(app, "ref"), body))


handler = lambda_handler(app)
