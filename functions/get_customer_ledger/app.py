"""GET /customers/{ref}/ledger: a customer's balance and its ledger entries, newest first."""

from typing import Annotated

from aws_lambda_powertools.event_handler.openapi.params import Query

from customer_identity import runtime
from customer_identity.api import create_app, documented, lambda_handler, ok, path_parameter, principal
from customer_identity.core.models.ledger import LedgerPage
from customer_identity.use_cases.sign_in.access import ensure_can_see_money, may_see_money

app = create_app()
ledger = runtime.ledger_reader()


@app.get(
    "/customers/<ref>/ledger",
    operation_id="getCustomerLedger",
    summary="A customer's balance and ledger entries (one query per page, newest first)",
    description="Admins: any customer. Customers: themselves. Staff of other roles see no money.",
    tags=["ledger"],
    responses=documented(
        {200: ok("The balance and one page of entries; `next_cursor` is null on the last")},
        params=True,
        errors={
            400: "`invalid_cursor`",
            403: "delivery persons, suppliers and marketing staff",
            404: "`customer_not_found`",
        },
    ),
)
def get_customer_ledger(
    ref: str,
    limit: Annotated[int, Query(ge=1, le=100)] = 20,
    cursor: Annotated[str | None, Query(max_length=2048)] = None,
) -> LedgerPage:
    reference, caller = path_parameter(app, "ref"), principal(app)
    may_see_money(caller)  # the role decides first: the answer must not depend on what exists
    return ledger.page(
        reference,
        limit=limit,
        cursor=cursor,
        authorize=lambda customer: ensure_can_see_money(caller, customer, reference),
    )


handler = lambda_handler(app)
