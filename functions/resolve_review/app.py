"""POST /admin/review/{review_id}: attach a held legacy row to a customer, or dismiss it."""

from customer_identity import runtime
from customer_identity.api import create_app, documented, lambda_handler, ok, path_parameter, principal
from customer_identity.core.models.review import ReviewDecision, ReviewOutcome
from customer_identity.use_cases.sign_in.access import require_admin

app = create_app()
decisions = runtime.review_decisions()


@app.post(
    "/admin/review/<review_id>",
    operation_id="resolveReview",
    summary="Resolve a held row: attach it to a customer or dismiss it (admins)",
    description="`attach` makes the row part of the customer exactly as the backfill would have (alias, "
    "login, profile fields it lacks, or the booking with its totals); `dismiss` closes it. Either is "
    "recorded on the item (who, when, what) and happens once.",
    tags=["admin"],
    responses=documented(
        {200: ok("Resolved")},
        body=True,
        params=True,
        errors={
            403: "admins only",
            404: "`review_not_found`",
            409: "`review_already_resolved`, `review_not_attachable`, `email_taken`, `legacy_id_taken`, "
            "`booking_exists`",
            422: "`invalid_customer` (no customer matches)",
        },
    ),
)
def resolve_review(review_id: str, body: ReviewDecision) -> ReviewOutcome:
    caller = principal(app)
    require_admin(caller)
    return decisions.resolve(path_parameter(app, "review_id"), body, by=caller.account_id)


handler = lambda_handler(app)
