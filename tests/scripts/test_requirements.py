"""Running installs what running needs: test, check and benchmark packages live in requirements-dev.txt only."""

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
DEV_ONLY = {"pytest", "selenium", "ruff", "import-linter", "schemathesis", "hypothesis", "openapi-spec-validator", "jsonschema", "python-dateutil"}


def names(path):
    lines = (line.split("#")[0].strip() for line in path.read_text().splitlines())
    return {re.split(r"[=<>~!\[ ]", line)[0].lower() for line in lines if line and not line.startswith("-")}


def test_running_needs_no_test_or_check_package():
    assert not names(ROOT / "requirements.txt") & DEV_ONLY


def test_the_dev_file_adds_them_on_top_of_the_runtime_file_and_every_pin_is_exact():
    dev = (ROOT / "requirements-dev.txt").read_text()
    assert "-r requirements.txt" in dev.splitlines()
    assert DEV_ONLY <= names(ROOT / "requirements-dev.txt")
    for path in ("requirements.txt", "requirements-dev.txt"):
        for line in (ROOT / path).read_text().splitlines():
            line = line.split("#")[0].strip()
            if line and not line.startswith("-"):
                assert "==" in line, f"{path}: {line} is not pinned"
