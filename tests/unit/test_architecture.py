"""Imports run one way (docs/architecture.md): checked on the source, not by convention."""

from __future__ import annotations

import ast
import subprocess
import sys
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
    "evoting/election.py": {
        "evoting.db",
        "evoting.schema",
        "evoting.elections",
        "identity",
        "ballots",
        "tally",
        "audit",
        "cli",
        "evoting.web",
        "sqlalchemy",
    },
    "evoting/elections.py": {"identity", "ballots", "tally", "audit", "cli", "evoting.web"},
    "evoting/deployment.py": {
        "identity",
        "ballots",
        "tally",
        "audit",
        "cli",
        "evoting.web",
        "sqlalchemy",
    },
    "evoting/db.py": {"identity", "ballots", "tally", "audit", "cli", "evoting.web"},
    "ballots": {"identity", "tally", "audit", "cli", "evoting.web"},
    "tally": {"identity", "audit", "cli", "evoting.web"},
    "audit": {"identity", "cli", "evoting.web"},
}
VERIFIER_FORBIDDEN = {"evoting.db", "evoting.schema", "evoting.web", "sqlalchemy", "flask"}


def _imports(path: Path, root: Path = ROOT) -> set[str]:
    """Absolute names of every module imported, relative imports resolved."""
    package = list(path.relative_to(root).with_suffix("").parts)[:-1]  # the module's package
    tree = ast.parse(path.read_text(encoding="utf-8"))
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = package[: len(package) - (node.level - 1)] if node.level else []
            module = [*base, *(node.module.split(".") if node.module else [])]
            names.add(".".join(module))
            names.update(".".join([*module, alias.name]) for alias in node.names)
    return names


def _violations(files: list[Path], forbidden: set[str], root: Path = ROOT) -> list[str]:
    found = []
    for f in files:
        for name in sorted(_imports(f, root)):
            if any(name == bad or name.startswith(bad + ".") for bad in forbidden):
                found.append(f"{f.relative_to(root)} imports {name}")
    return found


@pytest.mark.parametrize("package", sorted(FORBIDDEN))
def test_packages_import_only_downwards(package: str) -> None:
    path = ROOT / package
    files = [path] if path.is_file() else sorted(path.rglob("*.py"))
    assert files, f"{package} has no modules"
    assert _violations(files, FORBIDDEN[package]) == []


def test_the_verifier_needs_no_database() -> None:
    """Import the verifier alone, in a fresh interpreter: nothing of a database or web app loads."""
    probe = (
        "import sys, audit.verify\n"
        "bad = [m for m in sys.modules if m.split('.')[0] in ('sqlalchemy', 'flask', 'alembic',"
        " 'psycopg') or m in ('evoting.db', 'evoting.schema', 'evoting.elections')]\n"
        "print(','.join(sorted(bad)))\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, check=True, cwd=ROOT
    )
    assert result.stdout.strip() == ""
    assert _violations([ROOT / "audit" / "verify.py"], VERIFIER_FORBIDDEN) == []


def test_the_check_itself_catches_bad_imports(tmp_path: Path) -> None:
    crypto = tmp_path / "evoting" / "crypto"
    crypto.mkdir(parents=True)
    probe = crypto / "probe.py"
    probe.write_text(
        "import sqlalchemy.orm\nfrom .. import db\nfrom ..web import app\nfrom . import group\n"
    )
    assert _violations([probe], FORBIDDEN["evoting/crypto"], root=tmp_path) == [
        "evoting/crypto/probe.py imports evoting.db",
        "evoting/crypto/probe.py imports evoting.web",
        "evoting/crypto/probe.py imports evoting.web.app",
        "evoting/crypto/probe.py imports sqlalchemy.orm",
    ]
