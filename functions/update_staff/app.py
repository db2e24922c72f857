"""PATCH /admin/staff/{account_id}: rename, change the role of, deactivate or reactivate a staff account."""

from customer_identity import runtime
from customer_identity.api import create_app, documented, lambda_handler, ok, path_parameter, principal
from customer_identity.core.models.accounts import AccountEnvelope, StaffChanges
from customer_identity.use_cases.sign_in.access import require_admin

app = create_app()
management = runtime.staff_management()


@app.patch(
    "/admin/staff/<account_id>",
    operation_id="updateStaff",
    summary="Change a staff account's name, role or active flag (admins)",
    description="Deactivating or changing the role revokes the account's tokens at once (401 at their next "
    "request); a deactivated account cannot sign in or reset its password. Admins cannot deactivate or demote "
    "themselves (409 `own_account`), so the last active admin always remains.",
    tags=["admin"],
    responses=documented(
        {200: ok("Changed")},
        body=True,
        params=True,
        errors={403: "admins only", 404: "`staff_not_found`", 409: "`own_account`"},
    ),
)
def update_staff(account_id: str, body: StaffChanges) -> AccountEnvelope:
    caller = principal(app)
    require_admin(caller)
    return AccountEnvelope(account=management.update(caller, path_parameter(app, "account_id"), body))


handler = lambda_handler(app)
