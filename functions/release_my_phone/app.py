"""POST /me/release-phone: a customer detaches its own phone (it keeps everything else)."""

from customer_identity import runtime
from customer_identity.api import create_app, documented, lambda_handler, ok, principal
from customer_identity.core.models.customers import CustomerEnvelope
from customer_identity.core.models.phones import PhoneRelease
from customer_identity.use_cases.sign_in.access import require_customer

app = create_app()
releases = runtime.phone_releases()


@app.post(
    "/me/release-phone",
    operation_id="releaseMyPhone",
    summary="Release the signed-in customer's phone (a number given up or changing hands)",
    description="As `POST /admin/customers/{ref}/release-phone`, for the caller's own customer; sign in "
    "afterwards with the email and password.",
    tags=["phones"],
    responses=documented(
        {200: ok("Released")},
        body=True,
        params=True,
        errors={403: "customers only", 409: "`no_phone`: it has none"},
    ),
)
def release_my_phone(body: PhoneRelease) -> CustomerEnvelope:
    caller = principal(app)
    customer_id = require_customer(caller)
    customer = releases.release(customer_id, reason="self", by=caller.account_id, note=body.note)
    return CustomerEnvelope(customer=customer)


handler = lambda_handler(app)
