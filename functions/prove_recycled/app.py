"""POST /auth/recycled/prove: prove to be the idle customer of a phone (password or email code)."""

from customer_identity import runtime
from customer_identity.api import create_app, documented, json_response, lambda_handler, ok
from customer_identity.api_sessions import SET_COOKIE_HEADER, client, signed_in
from customer_identity.core.models.accounts import OtpVerified
from customer_identity.core.models.common import Accepted
from customer_identity.core.models.phones import RecycleProof

app = create_app()
guard = runtime.recycle_guard()


@app.post(
    "/auth/recycled/prove",
    operation_id="proveRecycled",
    summary="Prove to be the phone's earlier customer after a 202 from /auth/otp/verify",
    description="Send the challenge with exactly one of: `password` (the account's), `email` (a code is sent "
    "there if it is the account's email; 202 either way), or `email_code` (that code). Five wrong proofs "
    "use the challenge up.",
    tags=["auth"],
    responses=documented(
        {
            200: ok("Signed in as that customer", OtpVerified) | {"headers": SET_COOKIE_HEADER},
            202: ok("A code was sent if the email is the account's", Accepted),
        },
        public=True,
        body=True,
        params=True,
        errors={401: "`invalid_credentials` (wrong password or code) or `invalid_challenge`"},
    ),
)
def prove_recycled(body: RecycleProof):
    proven = guard.prove(body, client(app))
    if proven is None:
        return json_response(202, Accepted(message="if this is the account's email, a code was sent to it"))
    return signed_in(app, proven, refresh_in=body.refresh_in)


handler = lambda_handler(app, public=True)
