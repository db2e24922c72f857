"""make test's last line counts every test of every stage, and a stage that ran nothing fails."""

import json
from pathlib import Path

import pytest

from devserver import test_summary


def junit(folder: Path, name: str, *, tests: int, failures: int = 0, errors: int = 0, skipped: int = 0) -> None:
    (folder / f"{name}.xml").write_text(
        f'<testsuites><testsuite name="pytest" tests="{tests}" failures="{failures}" errors="{errors}"'
        f' skipped="{skipped}"></testsuite></testsuites>'
    )


def fuzz(folder: Path, name: str, *, generated: int, with_failures: int = 0, errored: int = 0) -> None:
    cases = {"generated": generated, "with_failures": with_failures, "errored": errored, "without_checks": 3}
    (folder / f"fuzz-{name}.json").write_text(json.dumps({"test_cases": cases}))


def run(folder: Path, capsys: pytest.CaptureFixture[str]) -> tuple[int, list[str]]:
    code = test_summary.main([str(folder), "--pytest", "unit,integration", "--fuzz-passes", "customer,admin"])
    return code, capsys.readouterr().out.splitlines()


def test_the_last_line_sums_every_stage(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    junit(tmp_path, "unit", tests=930, skipped=2)
    junit(tmp_path, "integration", tests=80)
    fuzz(tmp_path, "customer", generated=705)
    fuzz(tmp_path, "admin", generated=1800)
    code, lines = run(tmp_path, capsys)
    assert lines[-1] == "tests: 3513 passed, 0 failed"
    assert code == 0


def test_failures_and_errors_count_as_failed(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    junit(tmp_path, "unit", tests=10, failures=1, errors=1)
    junit(tmp_path, "integration", tests=5)
    fuzz(tmp_path, "customer", generated=100, with_failures=2, errored=1)
    fuzz(tmp_path, "admin", generated=50)
    code, lines = run(tmp_path, capsys)
    assert lines[-1] == "tests: 160 passed, 5 failed"
    assert code == 1


def test_a_stage_without_a_report_or_without_tests_fails(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    junit(tmp_path, "unit", tests=0)
    fuzz(tmp_path, "customer", generated=100)
    code, lines = run(tmp_path, capsys)
    assert "  unit: 0 passed, 1 failed (ran no test)" in lines
    assert "  integration: 0 passed, 1 failed (no report)" in lines
    assert "  fuzz (admin): 0 passed, 1 failed (no report)" in lines
    assert lines[-1] == "tests: 100 passed, 3 failed"
    assert code == 1
