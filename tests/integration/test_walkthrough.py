"""docs/walkthrough.md runs as written: every shell block, in order, against a fresh local server.

What the test changes, and only that (so the page is what a person pastes): `localhost:3000` points
at this test's server; the commands run from a scratch folder (the CSV, the sample export and the
generated client land there), so `make` runs with `-C <project>`, `.venv/bin/` is the project's,
and the export folder is the scratch folder's; `curl` fails on any HTTP error status (the page shows
none it expects to fail); the blocks run as one `bash` script with `set -euo pipefail`, so a
command that fails, or a `grep` that no longer finds what the page captures, fails the test.
"""

import os
import re
import shutil
import subprocess
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from devserver.process import local_server
from devserver.template import PROJECT_ROOT

PAGE = PROJECT_ROOT / "docs" / "walkthrough.md"
README = PROJECT_ROOT / "README.md"
BASH = shutil.which("bash") or "/bin/bash"
PRELUDE = """set -euo pipefail
curl() { command curl --fail-with-body --show-error --max-time 120 "$@"; }
"""


def shell_blocks(text: str) -> list[str]:
    return re.findall(r"^```sh\n(.*?)^```", text, flags=re.S | re.M)


def runnable(script: str, address: str, scratch: Path) -> str:
    script = script.replace("localhost:3000", address)
    script = re.sub(r"\bmake ", f"make -C {PROJECT_ROOT} ", script)
    script = script.replace(".venv/bin/", f"{PROJECT_ROOT}/.venv/bin/")
    return script.replace("DIR=./export", f"DIR={scratch}/export")


def test_the_page_has_the_whole_journey() -> None:
    blocks = shell_blocks(PAGE.read_text())
    assert len(blocks) >= 3
    text = "\n".join(blocks)
    for step in (
        "/auth/otp/verify",
        "/me/credentials",
        "/auth/login",
        "POST localhost:3000/customers",
        "/bookings",
        "make backfill",
        "/admin/review/",
        "/merge",
        "/undo",
        "/admin/stats",
        "/admin/audit",
    ):
        assert step in text


def run_blocks(blocks: list[str], tmp_path: Path) -> tuple[subprocess.CompletedProcess[str], Path]:
    """Run ``blocks`` as one script against a fresh local server; the result and the scratch folder."""
    data_dir, scratch = tmp_path / "data", tmp_path / "scratch"
    scratch.mkdir()
    script = PRELUDE + "\n".join(blocks)
    with local_server(data_dir) as url:
        address = urlsplit(url).netloc
        done = subprocess.run(
            [BASH, "-c", runnable(script, address, scratch)],
            cwd=scratch,
            env={**os.environ, "LOCAL_DATA_DIR": str(data_dir)},
            capture_output=True,
            text=True,
            timeout=600,
            check=False,
        )
    assert done.returncode == 0, f"{done.stderr[-3000:]}\n--- stdout ---\n{done.stdout[-3000:]}"
    return done, scratch


@pytest.mark.integration
def test_every_command_of_the_walkthrough_succeeds(tmp_path: Path) -> None:
    done, scratch = run_blocks(shell_blocks(PAGE.read_text()), tmp_path)
    assert (scratch / "customers.csv").read_text(encoding="utf-8-sig").startswith("customer_number,")
    assert (scratch / "export" / "backfill-report.json").is_file()
    assert '"resolved_from":"merged"' in done.stdout.replace(" ", "")


@pytest.mark.integration
def test_the_readme_taste_of_the_api_runs(tmp_path: Path) -> None:
    readme = README.read_text()
    taste = shell_blocks(readme[readme.index("## A taste of the API") :])[0]
    done, _ = run_blocks([taste], tmp_path)
    assert done.stdout.count('"customer_number":"PL1"') >= 3
    assert '"total_spent":"249.50"' in done.stdout
