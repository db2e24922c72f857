"""POST /admin/customers/{ref}/release-phone: an admin detaches a customer's phone (it keeps everything else)."""

from customer_identity import runtime
from customer_identity.api import create_app, documented, lambda_handler, ok, path_parameter, principal
from customer_identity.core.models.customers import CustomerEnvelope
from customer_identity.core.models.phones import PhoneRelease
from customer_identity.use_cases.sign_in.access import require_admin

app = create_app()
releases = runtime.phone_releases()


@app.post(
    "/admin/customers/<ref>/release-phone",
    operation_id="releasePhone",
    summary="Release a customer's phone (admins): the phone is free for a new customer",
    description="The customer keeps its id, number, bookings, balance, email and legacy ids, and is reached by "
    "every identifier but the phone; the phone moves to its `phone_history` and to "
    "`GET /admin/phone-history/{phone}`. A new customer on that phone gets the next number.",
    tags=["phones"],
    responses=documented(
        {200: ok("Released")},
        body=True,
        params=True,
        errors={403: "admins only", 404: "`customer_not_found`", 409: "`no_phone`: it has none"},
    ),
)
def release_phone(ref: str, body: PhoneRelease) -> CustomerEnvelope:
    caller = principal(app)
    require_admin(caller)
    customer = releases.release(path_parameter(app, "ref"), reason="admin", by=caller.account_id, note=body.note)
    return CustomerEnvelope(customer=customer)


handler = lambda_handler(app)
