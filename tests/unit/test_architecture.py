"""Imports run one way (docs/architecture.md): checked on the source, not by convention."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]

# package -> top-level modules it must never import
ABOVE_THE_KERNEL = {"identity", "ballots", "tally", "audit", "services", "web", "cli"}
FORBIDDEN = {
    "evoting": {*ABOVE_THE_KERNEL, "flask"},
    "evoting/crypto": {
        *ABOVE_THE_KERNEL,
        "evoting.db",
        "evoting.schema",
        "evoting.election",
        "sqlalchemy",
        "flask",
        "alembic",
    },
    "evoting/election.py": {
        *ABOVE_THE_KERNEL,
        "evoting.db",
        "evoting.schema",
        "evoting.elections",
        "sqlalchemy",
    },
    "evoting/deployment.py": {*ABOVE_THE_KERNEL, "sqlalchemy"},
    "identity": {"ballots", "tally", "audit", "services", "web", "cli"},
    "ballots": {"identity", "tally", "audit", "services", "web", "cli"},
    "tally": {"identity", "audit", "services", "web", "cli"},
    "audit": {"identity", "services", "web", "cli"},
    "participation": {"identity", "ballots", "tally", "audit", "services", "web", "cli", "flask"},
    "services": {"web", "cli", "flask"},
    "web": {"cli"},
}
VERIFIER_FORBIDDEN = {"evoting.db", "evoting.schema", "web", "sqlalchemy", "flask"}


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
        "import sqlalchemy.orm\nfrom .. import db\nfrom web import app\nfrom . import group\n"
    )
    assert _violations([probe], FORBIDDEN["evoting/crypto"], root=tmp_path) == [
        "evoting/crypto/probe.py imports evoting.db",
        "evoting/crypto/probe.py imports sqlalchemy.orm",
        "evoting/crypto/probe.py imports web",
        "evoting/crypto/probe.py imports web.app",
    ]


def test_the_blueprints_do_not_import_the_app_factory() -> None:
    """`web.app` imports the blueprints; they take what they share from `web.extensions`,
    so no import circle is hidden inside a function."""
    found = [
        f"{path.relative_to(ROOT)} imports web.app"
        for path in sorted((ROOT / "web").glob("*.py"))
        if path.name not in ("__init__.py", "app.py")
        and any(n == "web.app" or n.startswith("web.app.") for n in _imports(path))
    ]
    assert found == []
