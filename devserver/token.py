"""``make token ROLE=<role>``: print a bearer token for a local account of that role (last line).

Staff roles get the account ``local-<role>@example.com`` (created on first use); ``customer`` gets
the customer of ``PHONE`` (default +919000000001), created on first use and marked as having
proved its phone. The token is signed with the local key the server uses. If ``make run`` is
running, its DynamoDB Local is used; otherwise DynamoDB Local is started over the same data for the
moment it takes (or ``DYNAMODB_ENDPOINT`` / ``USE_AWS`` as for ``make run``).
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

from devserver import server

DEFAULT_CUSTOMER_PHONE = "+919000000001"


def local_token(role: str, data_dir: Path, *, phone: str = DEFAULT_CUSTOMER_PHONE) -> str:
    """A token for the local account of ``role`` (creating the account if needed)."""
    with server.local_table(data_dir):
        from customer_identity import runtime
        from customer_identity.core.models.customers import NewCustomer
        from customer_identity.use_cases.sign_in.accounts import LoginAccount
        from customer_identity.use_cases.sign_in.phone_sign_in import mark_phone_verified

        if role == "customer":
            customer, _ = runtime.registration().find_or_create_item(NewCustomer(phone=phone, name="Local customer"))
            account = LoginAccount(customer=mark_phone_verified(customer))
        else:
            account = runtime.staff().ensure(email=f"local-{role.replace('_', '-')}@example.com", role=role)
        return runtime.accounts().token_for(account, "local").token


def main() -> None:
    from customer_identity.core.roles import ROLES

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--role", default="admin", help=f"one of {', '.join(ROLES)} (or delivery_boy)")
    parser.add_argument("--phone", default=os.environ.get("PHONE") or DEFAULT_CUSTOMER_PHONE)
    args = parser.parse_args()
    role = "delivery_person" if args.role == "delivery_boy" else args.role
    if role not in ROLES:
        parser.error(f"unknown role {args.role!r}; use one of {', '.join(ROLES)}")
    token = local_token(role, server.local_data_dir(), phone=args.phone)
    print(token, flush=True)
    sys.exit(0)


if __name__ == "__main__":
    main()
