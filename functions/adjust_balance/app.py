"""POST /admin/customers/{ref}/balance-adjustments: an admin posts a ledger entry, once per Idempotency-Key."""

from typing import Annotated

from aws_lambda_powertools.event_handler.openapi.params import Header

from customer_identity import runtime
from customer_identity.api import create_app, documented, json_response, lambda_handler, ok, path_parameter, principal
from customer_identity.core.models.ledger import AdjustmentResult, BalanceAdjustment
from customer_identity.use_cases.sign_in.access import require_admin

app = create_app()
ledger = runtime.ledger()


@app.post(
    "/admin/customers/<ref>/balance-adjustments",
    operation_id="adjustBalance",
    summary="Credit or charge a customer's balance (admins; the Idempotency-Key makes retries safe)",
    description="The entry and the balance change are one transaction. A retry with the same key answers the "
    "entry the first request posted; the same key with another body is 422 `idempotency_key_reused`.",
    tags=["ledger"],
    responses=documented(
        {201: ok("Posted (or posted before with this key)", AdjustmentResult)},
        body=True,
        params=True,
        errors={403: "admins only", 404: "`customer_not_found`"},
    ),
)
def adjust_balance(
    ref: str,
    body: BalanceAdjustment,
    idempotency_key: Annotated[str, Header(alias="Idempotency-Key", min_length=1, max_length=255)],
):
    caller = principal(app)
    require_admin(caller)
    result = ledger.adjust(path_parameter(app, "ref"), body, by=caller.account_id, idempotency_key=idempotency_key)
    return json_response(201, result)


handler = lambda_handler(app)
