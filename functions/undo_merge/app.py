"""POST /admin/merges/{merge_id}/undo: restore the merged customer exactly (admins)."""

from customer_identity import runtime
from customer_identity.api import create_app, documented, lambda_handler, ok, path_parameter, principal
from customer_identity.core.models.merges import MergeEnvelope
from customer_identity.use_cases.sign_in.access import require_admin

app = create_app()
merges = runtime.merges()


@app.post(
    "/admin/merges/<merge_id>/undo",
    operation_id="undoMerge",
    summary="Undo a merge: the merged customer comes back exactly as it was, with its bookings (admins)",
    tags=["admin"],
    responses=documented(
        {200: ok("Undone")},
        body=True,
        errors={
            403: "admins only",
            404: "`merge_not_found`",
            409: "`merge_already_undone`, `merge_not_undoable`, `survivor_merged_away`, `undo_blocked`",
        },
    ),
)
def undo_merge(merge_id: str) -> MergeEnvelope:
    caller = principal(app)
    require_admin(caller)
    return MergeEnvelope(merge=merges.undo(path_parameter(app, "merge_id"), by=caller.account_id))


handler = lambda_handler(app)
