"""House rules checked on every run: lint, types on the domain code, migrations in step with
the models, translations compiled."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent


def tool(name: str) -> str:
    found = BIN / name
    return str(found) if found.exists() else (shutil.which(name) or name)


def test_ruff_finds_nothing():
    out = subprocess.run([tool("ruff"), "check", "src", "tests", "bench"], cwd=ROOT,
                         capture_output=True, text=True)
    assert out.returncode == 0, out.stdout


def test_the_architecture_contracts_hold():
    # pyproject.toml [tool.importlinter]: no cycles, domain apps never import the edges
    out = subprocess.run([tool("lint-imports"), "--no-cache", str(ROOT / "pyproject.toml")],
                         cwd=ROOT / "src", capture_output=True, text=True)
    assert out.returncode == 0, out.stdout + out.stderr
    assert "3 kept, 0 broken" in out.stdout


def test_mypy_passes_on_the_domain_code():
    out = subprocess.run([tool("mypy")], cwd=ROOT, capture_output=True, text=True)
    assert out.returncode == 0, out.stdout


@pytest.mark.django_db
def test_migrations_match_the_models():
    from django.core.management import call_command

    call_command("makemigrations", "--check", "--dry-run", verbosity=0)
