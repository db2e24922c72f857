"""POST /admin/merges/{merge_id}/undo: restore the merged customer exactly (admins)."""

from customer_identity import runtime
from customer_identity.api import AUTH_RESPONSES, ERROR_RESPONSES, create_app, lambda_handler, path_parameter, principal
from customer_identity.core.models.merges import MergeEnvelope
from customer_identity.use_cases.access import require_admin

app = create_app()
merges = runtime.merges()


@app.post(
    "/admin/merges/<merge_id>/undo",
    summary="Undo a merge: the merged customer comes back exactly as it was, with its bookings (admins)",
    tags=["admin"],
    responses={
        404: ERROR_RESPONSES[422] | {"description": "merge_not_found"},
        409: ERROR_RESPONSES[422]
        | {"description": "merge_already_undone, merge_not_undoable, survivor_merged_away, undo_blocked"},
        **ERROR_RESPONSES,
        **AUTH_RESPONSES,
    },
)
def undo_merge(merge_id: str) -> MergeEnvelope:
    caller = principal(app)
    require_admin(caller)
    return MergeEnvelope(merge=merges.undo(path_parameter(app, "merge_id"), by=caller.account_id))


handler = lambda_handler(app)
