"""POST /admin/staff: create a staff account (delivery person, supplier, marketing staff, admin)."""

from aws_lambda_powertools.event_handler import Response

from customer_identity import runtime
from customer_identity.api import create_app, documented, json_response, lambda_handler, ok, principal
from customer_identity.core.models.accounts import AccountEnvelope, NewStaff
from customer_identity.use_cases.sign_in.access import require_admin

app = create_app()
staff = runtime.staff()


@app.post(
    "/admin/staff",
    operation_id="createStaff",
    summary="Create a staff account (admins)",
    description="Without a password the person sets one through POST /auth/password/forgot with their email.",
    tags=["admin"],
    responses=documented(
        {201: ok("Created", AccountEnvelope)}, body=True, params=True, errors={403: "admins only", 409: "`email_taken`"}
    ),
)
def create_staff(body: NewStaff) -> Response[AccountEnvelope]:
    require_admin(principal(app))
    return json_response(201, AccountEnvelope(account=staff.create(body)))


handler = lambda_handler(app)
