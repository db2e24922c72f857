"""``python -m devserver.reindex``: give customers written before name search its index keys.

Uses the table ``make run`` serves (or ``DYNAMODB_ENDPOINT``, or AWS with ``USE_AWS=1`` and
``TABLE_NAME``); see ``customer_identity.storage.reindex``. Safe to run twice and while the service runs.
"""

from __future__ import annotations

import argparse
from concurrent.futures import ThreadPoolExecutor

from devserver import server


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--segments", type=int, default=4, help="parallel scan segments")
    args = parser.parse_args()
    with server.local_table(server.local_data_dir()):
        from customer_identity import runtime
        from customer_identity.storage.reindex import add_missing_name_keys

        runtime.config()
        with ThreadPoolExecutor(args.segments) as pool:
            results = list(
                pool.map(lambda s: add_missing_name_keys(segment=s, total_segments=args.segments), range(args.segments))
            )
    print(f"name keys added to {sum(r[0] for r in results)} customers; {sum(r[1] for r in results)} changed meanwhile")


if __name__ == "__main__":
    main()
