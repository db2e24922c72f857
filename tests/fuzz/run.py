"""``make fuzz``: Schemathesis against the local server, with the OpenAPI document as the contract.

Starts ``make run``'s server over a DynamoDB Local of its own in a temporary folder (deleted after),
mints an admin and a customer token for it as ``make token`` does, and runs ``schemathesis run``
with ``tests/fuzz/schemathesis.toml`` once per pass (see ``PASSES``): every phase (schema examples,
coverage of boundaries and invalid values, random fuzzing, stateful sequences along the document's
links), a bounded number of examples per operation and a fixed seed, so a CI run repeats. It fails
on any 5xx, on any response whose status, content type, headers or body the document does not
declare, and on an operation needing a token that answers without one."""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from devserver.process import mint_token, start_local_server, stop_local_server
from devserver.template import PROJECT_ROOT

HERE = Path(__file__).resolve().parent
# What the document promises, and (ignored_auth) that an operation needing a token refuses to answer
# without one or with a wrong one (one probe of each per operation).
CHECKS = (
    "not_a_server_error,status_code_conformance,content_type_conformance,"
    "response_headers_conformance,response_schema_conformance,ignored_auth"
)
# Each pass is one `schemathesis run` over the same server. First the routes a customer may call, as
# the customer (what it may see of others, its own profile and bookings), while it still is the
# customer PL1 the dictionaries name; then every operation as an admin (the customer's own /me
# routes as the customer, see schemathesis.toml), whose merges and phone changes may take PL1 away.
PASSES = {
    "customer": [
        "--include-path-regex",
        "^/(customers|bookings)",
        "--header",
        "Authorization: Bearer {FUZZ_CUSTOMER_TOKEN}",
    ],
    "admin": [],
}
# Cheap password hashing: the fuzzer sets passwords and logs in hundreds of times.
SERVER_ENV = {"PASSWORD_HASH_MEMORY_KIB": "1024", "PASSWORD_HASH_TIME_COST": "1", "LOCAL_CONCURRENCY": "4"}


@contextmanager
def server(data_dir: Path, log: Path) -> Iterator[str]:
    """The local server over ``data_dir``, its output (the functions' logs) copied to ``log``; yields its URL."""
    process, url = start_local_server(data_dir)
    assert process.stdout is not None
    drain = threading.Thread(target=shutil.copyfileobj, args=(process.stdout, log.open("w")), daemon=True)
    drain.start()
    try:
        yield url
    finally:
        stop_local_server(process)
        drain.join(timeout=10)


def server_errors(log: Path) -> list[str]:
    """One line per error the functions logged: function, correlation id, the exception's last line."""
    found = []
    for line in log.read_text(errors="replace").splitlines():
        try:
            entry = json.loads(line)
        except ValueError:
            continue
        if isinstance(entry, dict) and entry.get("level") == "ERROR":
            last = (entry.get("exception") or entry.get("message") or "").strip().splitlines()[-1:]
            found.append(f"{entry.get('function_name')} {entry.get('correlation_id')}: {''.join(last)}")
    return found


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--examples", type=int, default=int(os.environ.get("FUZZ_EXAMPLES", "25")))
    parser.add_argument("--seed", type=int, default=int(os.environ.get("FUZZ_SEED", "20261122")))
    parser.add_argument("--document", type=Path, default=PROJECT_ROOT / "docs" / "openapi.json")
    # One worker: requests in a fixed order, so the server's state and a run repeat with the seed.
    parser.add_argument("--workers", default=os.environ.get("FUZZ_WORKERS", "1"))
    parser.add_argument("--passes", default=",".join(PASSES), help="comma-separated, of: " + ", ".join(PASSES))
    parser.add_argument("--report-dir", type=Path, help="write each pass's JSON run report here, as fuzz-<pass>.json")
    parser.add_argument("schemathesis_args", nargs="*", help="passed on to `schemathesis run` (after --)")
    args = parser.parse_args(argv)
    os.environ.update(SERVER_ENV)
    started = time.monotonic()
    with tempfile.TemporaryDirectory(prefix="fuzz-") as folder:
        data_dir = Path(folder)
        log = data_dir / "server.log"
        with server(data_dir, log) as url:
            env = {
                **os.environ,
                "FUZZ_ADMIN_TOKEN": mint_token(data_dir, "admin"),
                "FUZZ_CUSTOMER_TOKEN": mint_token(data_dir, "customer"),
                # Sign-out (everywhere) and ending a customer's sessions would end the two tokens
                # above: those operations run as another account (schemathesis.toml).
                "FUZZ_OTHER_TOKEN": mint_token(data_dir, "supplier"),
            }
            failed = []
            for name in args.passes.split(","):
                print(f"fuzz pass: as {'an' if name[0] in 'aeiou' else 'a'} {name}", flush=True)
                extra = [part.format(**env) for part in PASSES[name]]
                if args.report_dir:
                    extra += ["--report", "json", "--report-json-path", str(args.report_dir / f"fuzz-{name}.json")]
                command = schemathesis_command(args, url, extra)
                if subprocess.run(command, env=env, check=False).returncode != 0:
                    failed.append(name)
        errors = server_errors(log)
        if errors:
            print(f"the functions logged {len(errors)} errors:", *errors, sep="\n  ", flush=True)
    passes = len(args.passes.split(","))
    print(f"fuzz stage: {time.monotonic() - started:.0f} s; failed passes: {', '.join(failed) or 'none'}")
    print(f"fuzz: {passes - len(failed)} passed, {len(failed)} failed", flush=True)
    return 1 if failed else 0


def schemathesis_command(args: argparse.Namespace, url: str, extra: list[str]) -> list[str]:
    return [
        str(Path(sys.executable).with_name("schemathesis")),
        "--config-file",
        str(HERE / "schemathesis.toml"),
        "run",
        str(args.document),
        "--url",
        url,
        "--checks",
        CHECKS,
        "--max-examples",
        str(args.examples),
        "--seed",
        str(args.seed),
        "--workers",
        str(args.workers),
        "--generation-database",
        "none",
        *extra,
        *args.schemathesis_args,
    ]


if __name__ == "__main__":
    sys.exit(main())
