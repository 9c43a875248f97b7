"""Imports run one way (docs/architecture.md): checked on the source, not by convention."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]

# package -> top-level modules it must never import
FORBIDDEN = {
    "evoting/crypto": {
        "evoting.db",
        "evoting.schema",
        "evoting.web",
        "evoting.election",
        "identity",
        "ballots",
        "tally",
        "audit",
        "cli",
        "sqlalchemy",
        "flask",
        "alembic",
    },
    "identity": {"ballots", "tally", "audit", "cli", "evoting.web"},
    "ballots": {"identity", "tally", "audit", "cli", "evoting.web"},
    "tally": {"identity", "audit", "cli", "evoting.web"},
    "audit": {"identity", "cli", "evoting.web"},
}
VERIFIER_FORBIDDEN = {"evoting.db", "evoting.schema", "evoting.web", "sqlalchemy", "flask"}


def _imports(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module)
    return names


def _violations(files: list[Path], forbidden: set[str], root: Path = ROOT) -> list[str]:
    found = []
    for f in files:
        for name in sorted(_imports(f)):
            if any(name == bad or name.startswith(bad + ".") for bad in forbidden):
                found.append(f"{f.relative_to(root)} imports {name}")
    return found


@pytest.mark.parametrize("package", sorted(FORBIDDEN))
def test_packages_import_only_downwards(package: str) -> None:
    files = sorted((ROOT / package).rglob("*.py"))
    assert files, f"{package} has no modules"
    assert _violations(files, FORBIDDEN[package]) == []


def test_the_verifier_needs_no_database() -> None:
    verifier = ROOT / "audit" / "verify.py"
    if verifier.exists():
        assert _violations([verifier], VERIFIER_FORBIDDEN) == []


def test_the_check_itself_catches_a_bad_import(tmp_path: Path) -> None:
    probe = tmp_path / "probe.py"
    probe.write_text(
        "import sqlalchemy.orm\nfrom evoting.db import make_engine\nfrom . import group\n"
    )
    assert _violations([probe], FORBIDDEN["evoting/crypto"], root=tmp_path) == [
        "probe.py imports evoting.db",
        "probe.py imports sqlalchemy.orm",
    ]
