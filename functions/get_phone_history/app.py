"""GET /admin/phone-history/{phone}: who held a phone, from when to when (admins)."""

from customer_identity import runtime
from customer_identity.api import create_app, documented, lambda_handler, ok, path_parameter, principal
from customer_identity.core.models.phones import PhoneHistory
from customer_identity.use_cases.sign_in.access import require_admin

app = create_app()
releases = runtime.phone_releases()


@app.get(
    "/admin/phone-history/<phone>",
    operation_id="getPhoneHistory",
    summary="Who held a phone, from when to when (admins)",
    description="Every customer that held the phone and released it (oldest first), then the one holding it "
    "now, if any: old records naming the phone stay explainable.",
    tags=["phones"],
    responses=documented(
        {200: ok("The phone's holders")},
        params=True,
        errors={403: "admins only", 422: "`invalid_phone` or `phone_not_allowed`"},
    ),
)
def get_phone_history(phone: str) -> PhoneHistory:
    require_admin(principal(app))
    return releases.history(path_parameter(app, "phone"))


handler = lambda_handler(app)
