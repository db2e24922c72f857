"""GET /admin/review: page through the legacy rows the backfill held for review, oldest first."""

from typing import Annotated

from aws_lambda_powertools.event_handler.openapi.params import Query

from customer_identity import runtime
from customer_identity.api import create_app, documented, lambda_handler, ok, principal
from customer_identity.core.models.review import LegacyCollection, ReviewPage, ReviewStatus
from customer_identity.use_cases.sign_in.access import require_admin

app = create_app()
queue = runtime.review_queue_reader()


@app.get(
    "/admin/review",
    operation_id="listReview",
    summary="List held legacy rows (one index query per page; admins)",
    description="Oldest first. `status` defaults to `open`; `collection` and `reason` narrow the page "
    "(every combination is its own index key, so pages are always full).",
    tags=["admin"],
    responses=documented(
        {200: ok("One page, oldest first; `next_cursor` is null on the last")},
        params=True,
        errors={400: "`invalid_cursor`", 403: "admins only"},
    ),
)
def list_review(
    status: Annotated[ReviewStatus, Query()] = "open",
    collection: Annotated[LegacyCollection | None, Query()] = None,
    reason: Annotated[str | None, Query(min_length=1, max_length=64)] = None,
    limit: Annotated[int, Query(ge=1, le=100)] = 20,
    cursor: Annotated[str | None, Query(max_length=2048)] = None,
) -> ReviewPage:
    require_admin(principal(app))
    return queue.page(status=status, collection=collection, reason=reason, limit=limit, cursor=cursor)


handler = lambda_handler(app)
