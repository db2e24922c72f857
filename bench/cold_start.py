"""Cold start: importing a handler module as Lambda does at init, vs importing boto3 + Powertools alone.

Each figure is the median wall time of the import in fresh interpreters, all measured in the same
run, one round at a time (every import once per round), so a loaded machine slows them alike.
Lambda-shaped:

- the interpreter is ``.venv-lambda`` when it exists (``make bench`` builds it): the layer's
  requirements and boto3 only, as ``sam build`` packs them; the dev environment holds more
  (httpx, cryptography, moto), which the X-Ray SDK and PyJWT would import if present;
- the layer is on ``PYTHONPATH`` (``/opt/python`` in Lambda), the handler is loaded from its file;
- the environment is the template's ``Globals`` plus what the Lambda runtime sets
  (``LAMBDA_TASK_ROOT`` among them): Powertools then traces, as in AWS with ``Tracing: Active``.
  "tracing off" adds ``POWERTOOLS_TRACE_DISABLED=true`` (what ``make run`` and the tests do).

Run alone with ``.venv/bin/python bench/cold_start.py`` (or ``bench/benchmark.py --only cold``).
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parent.parent
LAMBDA_PYTHON = PROJECT_ROOT / ".venv-lambda" / "bin" / "python"
HANDLERS = ("create_customer", "get_customer", "login", "request_otp", "get_me", "merge_customer")

BASELINE = (
    "import boto3; from aws_lambda_powertools import Logger, Metrics, Tracer; "
    "from aws_lambda_powertools.event_handler import APIGatewayRestResolver"
)
# For reference only (ratios stay to BASELINE): the baseline plus what Powertools' request validation
# needs before any model of the service exists (pydantic, and building one model).
WITH_PYDANTIC = BASELINE + "; from pydantic import BaseModel; exec('class M(BaseModel):\\n    x: int')"
# The template's Globals (values of a deployed stack) and what the Lambda runtime sets.
LAMBDA_ENVIRONMENT = {
    "LAMBDA_TASK_ROOT": "/var/task",
    "AWS_EXECUTION_ENV": "AWS_Lambda_python3.12",
    "AWS_LAMBDA_FUNCTION_MEMORY_SIZE": "512",
    "AWS_REGION": "eu-west-1",
    "AWS_DEFAULT_REGION": "eu-west-1",
    "TABLE_NAME": "customer-identity-prod-IdentityTable-1A2B3C",
    "DEFAULT_REGION": "IN",
    "CUSTOMER_NUMBER_PREFIX": "PL",
    "CUSTOMER_NUMBER_START": "1",
    # Deployed, JWT_SIGNING_KEY_SECRET names a secret that functions signing tokens read at init (one
    # GetSecretValue, not measured here: no network); the key itself stands in for it.
    "JWT_SIGNING_KEY": "cold-start-benchmark-signing-key-0123456789",
    "TOKEN_TTL_SECONDS": "900",
    "NOTIFICATION_SENDER": "aws",
    "EMAIL_FROM": "no-reply@example.com",
    "POWERTOOLS_SERVICE_NAME": "customer-identity",
    "POWERTOOLS_METRICS_NAMESPACE": "CustomerIdentity",
    "POWERTOOLS_LOG_LEVEL": "INFO",
    "POWERTOOLS_TRACER_CAPTURE_RESPONSE": "false",
    "POWERTOOLS_TRACER_CAPTURE_ERROR": "false",
}
# Nothing of the developer's shell that Lambda would not have (AWS_*, POWERTOOLS_*, the settings).
_KEPT = ("PATH", "HOME", "LANG", "LC_ALL", "TMPDIR", "SYSTEMROOT")


def interpreter() -> Path:
    return LAMBDA_PYTHON if LAMBDA_PYTHON.exists() else Path(sys.executable)


def environment(handler: str | None, *, tracing: bool) -> dict[str, str]:
    env = {name: os.environ[name] for name in _KEPT if name in os.environ}
    env |= LAMBDA_ENVIRONMENT
    env["PYTHONPATH"] = str(PROJECT_ROOT / "layers" / "identity")
    if handler:
        env["AWS_LAMBDA_FUNCTION_NAME"] = handler
    if not tracing:
        env["POWERTOOLS_TRACE_DISABLED"] = "true"
    return env


def handler_import(name: str) -> str:
    path = PROJECT_ROOT / "functions" / name / "app.py"
    return (
        "import importlib.util as u; "
        f"s = u.spec_from_file_location('app', {str(path)!r}); "
        "m = u.module_from_spec(s); s.loader.exec_module(m)"
    )


def _seconds(python: Path, statement: str, env: dict[str, str]) -> tuple[float, float]:
    """Wall and CPU seconds of ``statement`` in a fresh interpreter."""
    code = (
        "import time; t, c = time.perf_counter(), time.process_time(); "
        f"{statement}; print(time.perf_counter() - t, time.process_time() - c)"
    )
    out = subprocess.run([str(python), "-c", code], env=env, capture_output=True, text=True, check=True)
    wall, cpu = out.stdout.strip().splitlines()[-1].split()
    return float(wall), float(cpu)


Medians = dict[tuple[str, bool], tuple[float, float]]
PYDANTIC = "<baseline + pydantic>"


def measure(handlers: tuple[str, ...], runs: int) -> tuple[tuple[float, float], Medians]:
    """The baseline's median (wall, CPU) and each (handler, tracing) median, measured round by round."""
    python = interpreter()
    cases = [(name, tracing) for name in handlers for tracing in (True, False)]
    baseline: list[tuple[float, float]] = []
    samples: dict[tuple[str, bool], list[tuple[float, float]]] = {case: [] for case in cases}
    samples[(PYDANTIC, True)] = []
    for _ in range(runs):
        baseline.append(_seconds(python, BASELINE, environment(None, tracing=True)))
        samples[(PYDANTIC, True)].append(_seconds(python, WITH_PYDANTIC, environment(None, tracing=True)))
        for name, tracing in cases:
            samples[(name, tracing)].append(_seconds(python, handler_import(name), environment(name, tracing=tracing)))
    return _median(baseline), {case: _median(values) for case, values in samples.items()}


def _median(samples: list[tuple[float, float]]) -> tuple[float, float]:
    return statistics.median(wall for wall, _ in samples), statistics.median(cpu for _, cpu in samples)


def report(handlers: tuple[str, ...] = HANDLERS, runs: int = 7) -> None:
    python = interpreter()
    where = "the layer's dependencies only" if python == LAMBDA_PYTHON else "the dev environment (no .venv-lambda)"
    print(f"\n## Cold import (median of {runs} fresh interpreters, {where})\n")
    print("Ratios to the baseline in wall time and in CPU time (CPU is steadier on a busy machine).\n")
    (base_wall, base_cpu), medians = measure(handlers, runs)
    print("| import | tracing on: s | ratio | CPU ratio | tracing off: s | ratio | CPU ratio |")
    print("|---|---|---|---|---|---|---|")
    print(f"| boto3 + Powertools (baseline) | {base_wall:.3f} | 1.00 | 1.00 | {base_wall:.3f} | 1.00 | 1.00 |")
    wall, cpu = medians[(PYDANTIC, True)]
    row = f"{wall:.3f} | {wall / base_wall:.2f} | {cpu / base_cpu:.2f}"
    print(f"| (reference: the baseline + pydantic and one model) | {row} | {row} |")
    for name in handlers:
        cells = []
        for tracing in (True, False):
            wall, cpu = medians[(name, tracing)]
            cells.append(f"{wall:.3f} | {wall / base_wall:.2f} | {cpu / base_cpu:.2f}")
        print(f"| functions/{name}/app.py | {' | '.join(cells)} |")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument("handlers", nargs="*", default=list(HANDLERS))
    args = parser.parse_args()
    report(tuple(args.handlers), args.runs)


if __name__ == "__main__":
    main()
