"""``make test``'s last line: every test that ran, counted over the stages' own reports.

pytest stages write JUnit XML (``--junitxml``); the fuzz stage writes one Schemathesis JSON run
report per pass (``tests/fuzz/run.py --report-dir``), whose generated test cases count one each. A
stage's line is printed per report, then ``tests: N passed, M failed`` alone on the last line. A stage
named but without a report (it crashed before writing one), or one that ran no test, counts as one
failed test, so a stage that ran nothing can never pass unseen.
"""

from __future__ import annotations

import argparse
import json
import sys
import xml.etree.ElementTree as ET
from pathlib import Path


def junit_counts(path: Path) -> tuple[int, int]:
    """(passed, failed) of a pytest JUnit report: errors count as failed, skipped as neither."""
    root = ET.parse(path).getroot()  # noqa: S314
    suites = [root] if root.tag == "testsuite" else root.findall("testsuite")
    tests = sum(int(suite.get("tests", 0)) for suite in suites)
    failed = sum(int(suite.get("failures", 0)) + int(suite.get("errors", 0)) for suite in suites)
    skipped = sum(int(suite.get("skipped", 0)) for suite in suites)
    return tests - failed - skipped, failed


def fuzz_counts(path: Path) -> tuple[int, int]:
    """(passed, failed) test cases of a Schemathesis JSON run report."""
    cases = json.loads(path.read_text())["test_cases"]
    failed = int(cases["with_failures"]) + int(cases["errored"])
    return int(cases["generated"]) - failed, failed


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("reports", type=Path, help="the folder the stages wrote their reports to")
    parser.add_argument("--pytest", default="", help="comma-separated pytest stages whose <stage>.xml must exist")
    parser.add_argument("--fuzz-passes", default="", help="comma-separated passes whose fuzz-<pass>.json must exist")
    args = parser.parse_args(argv)
    passed = failed = 0
    for name in filter(None, args.pytest.split(",")):
        path = args.reports / f"{name}.xml"
        stage = junit_counts(path) if path.is_file() else (0, 0)
        note = "" if path.is_file() else " (no report)"
        if stage == (0, 0):
            stage, note = (0, 1), note or " (ran no test)"
        print(f"  {name}: {stage[0]} passed, {stage[1]} failed{note}")
        passed, failed = passed + stage[0], failed + stage[1]
    for name in filter(None, args.fuzz_passes.split(",")):
        path = args.reports / f"fuzz-{name}.json"
        stage = fuzz_counts(path) if path.is_file() else (0, 1)
        print(f"  fuzz ({name}): {stage[0]} passed, {stage[1]} failed{'' if path.is_file() else ' (no report)'}")
        passed, failed = passed + stage[0], failed + stage[1]
    print(f"tests: {passed} passed, {failed} failed", flush=True)
    return 1 if failed or not passed else 0


if __name__ == "__main__":
    sys.exit(main())
