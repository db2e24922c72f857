"""POST /admin/staff: create a staff account (delivery person, supplier, marketing staff, admin)."""

from aws_lambda_powertools.event_handler import Response

from customer_identity.access import require_admin
from customer_identity.api import AUTH_RESPONSES, ERROR_RESPONSES, create_app, json_response, lambda_handler, principal
from customer_identity.models import AccountEnvelope, NewStaff
from customer_identity.runtime import account_service

app = create_app()
accounts = account_service()


@app.post(
    "/admin/staff",
    summary="Create a staff account (admins)",
    description="Without a password the person sets one through POST /auth/password/forgot with their email.",
    tags=["admin"],
    responses={
        201: {"description": "Created", "content": {"application/json": {"model": AccountEnvelope}}},
        409: ERROR_RESPONSES[422] | {"description": "email_taken"},
        **ERROR_RESPONSES,
        **AUTH_RESPONSES,
    },
)
def create_staff(body: NewStaff) -> Response[AccountEnvelope]:
    require_admin(principal(app))
    return json_response(201, AccountEnvelope(account=accounts.create_staff(body)))


handler = lambda_handler(app)
