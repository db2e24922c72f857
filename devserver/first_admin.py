"""``make first-admin EMAIL=you@example.com [NAME=...]``: the first admin of a deployment, and a one-time
link to the console's set-password page (1 hour). Refused once any admin exists.

Writes directly to the table through the service's own code: locally the data ``make run`` serves
(its DynamoDB Local, or one started over ``.local/`` for the moment), or a deployed table with
``USE_AWS=1 TABLE_NAME=<table> AWS_REGION=<region>`` and AWS credentials. ``CONSOLE_URL`` (or
``--console-url``) is where the console is served: by default the local server's.
"""

from __future__ import annotations

import argparse
import os
import sys

from devserver import server


def console_url(base: str) -> str:
    return base.rstrip("/") + ("" if base.rstrip("/").endswith("/console") else "/console") + "/"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--email", required=True)
    parser.add_argument("--name", default=None)
    parser.add_argument(
        "--console-url",
        default=os.environ.get("CONSOLE_URL") or f"http://127.0.0.1:{os.environ.get('PORT', '3000')}",
        help="the API's base URL (the console is its /console/); deployed: the stage URL",
    )
    args = parser.parse_args(argv)
    with server.local_table(server.local_data_dir()):
        from customer_identity import runtime
        from customer_identity.core.errors import DomainError
        from customer_identity.use_cases.admin.first_admin import create_first_admin

        try:
            first = create_first_admin(runtime.staff(), runtime.staff_management(), email=args.email, name=args.name)
        except DomainError as refused:
            print(f"refused ({refused.code}): {refused.message}", file=sys.stderr)
            return 1
    link = f"{console_url(args.console_url)}#/set-password?token={first.reset_token}"
    print(f"created the first admin {first.account.email} ({first.account.account_id})")
    print("open this link within the hour to set the password (it works once):")
    print(link, flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
