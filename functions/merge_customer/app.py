"""POST /admin/customers/{ref}/merge: merge a customer into another (admins)."""

from customer_identity import runtime
from customer_identity.api import create_app, documented, lambda_handler, ok, path_parameter, principal
from customer_identity.core.models.merges import MergeEnvelope, MergeRequest
from customer_identity.use_cases.sign_in.access import require_admin

app = create_app()
merges = runtime.merges()


@app.post(
    "/admin/customers/<ref>/merge",
    operation_id="mergeCustomer",
    summary="Merge a customer into another; every reference to it then resolves to the survivor (admins)",
    description="The survivor keeps its id, number and phone; the merged customer's bookings move onto it "
    "with exact totals, and its login signs in as the survivor. Undo with `POST /admin/merges/{merge_id}/undo`.",
    tags=["admin"],
    responses=documented(
        {200: ok("Merged")},
        body=True,
        params=True,
        errors={
            403: "admins only",
            404: "`customer_not_found`",
            409: "`merge_into_itself`, `customer_merged_away`, `survivor_merged_away` or `merge_in_progress`",
        },
    ),
)
def merge_customer(ref: str, body: MergeRequest) -> MergeEnvelope:
    caller = principal(app)
    require_admin(caller)
    return MergeEnvelope(merge=merges.merge(path_parameter(app, "ref"), body.into, by=caller.account_id))


handler = lambda_handler(app)
