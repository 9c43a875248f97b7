"""Without the native core: no Rust toolchain, or native/ never built.

The README's commands must work on such a machine, and verification must give the
same verdicts on libsodium alone. Here the native module is made unimportable for a
real `evote` process and its worker processes (a ``sitecustomize`` that refuses the
import, as if it had never been built), and ``./dev`` runs with no ``cargo`` on its
PATH.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.integration.bundles import made_bundle

ROOT = Path(__file__).resolve().parents[2]
BLOCKER = """\
import importlib.abc
import sys


class _NotBuilt(importlib.abc.MetaPathFinder):
    def find_spec(self, name, path=None, target=None):
        if name == "evoting_native":
            raise ImportError("evoting_native is not built on this machine")
        return None


sys.meta_path.insert(0, _NotBuilt())
"""


def _evote(args: list[str], env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(Path(sys.executable).parent / "evote"), *args], cwd=ROOT, env=env, capture_output=True,
        text=True, timeout=600, check=False,
    )  # fmt: skip


@pytest.fixture
def not_built(tmp_path: Path) -> dict[str, str]:
    """An environment in which `import evoting_native` fails, in every process."""
    (tmp_path / "site").mkdir()
    (tmp_path / "site" / "sitecustomize.py").write_text(BLOCKER, encoding="utf-8")
    env = {k: v for k, v in os.environ.items() if k != "EVOTING_NATIVE"}
    env["PYTHONPATH"] = os.pathsep.join([str(tmp_path / "site"), str(ROOT)])
    return env


def test_a_bundle_verifies_the_same_without_the_native_core(
    not_built: dict[str, str], tmp_path: Path, tmp_path_factory: pytest.TempPathFactory
) -> None:
    path = tmp_path / "bundle.zip"
    path.write_bytes(made_bundle(tmp_path_factory).data)
    probe = subprocess.run(
        [sys.executable, "-c", "from evoting.crypto import combine; print(combine.backend())"],
        cwd=ROOT, env=not_built, capture_output=True, text=True, check=True,
    )  # fmt: skip
    assert probe.stdout.strip() == "libsodium"
    for workers in ("1", "2"):
        without = _evote(["verify", str(path), "--workers", workers], not_built)
        assert without.returncode == 0, without.stderr
        with_env = {**not_built, "PYTHONPATH": str(ROOT)}
        default = _evote(["verify", str(path), "--workers", workers], with_env)
        assert default.returncode == 0, default.stderr
        assert without.stdout == default.stdout
    damaged = bytearray(path.read_bytes())
    damaged[len(damaged) // 2] ^= 1
    path.write_bytes(bytes(damaged))
    refused = _evote(["verify", str(path)], not_built)
    assert refused.returncode != 0


def test_the_crypto_benchmark_says_which_path_it_took(not_built: dict[str, str]) -> None:
    done = _evote(["bench", "crypto", "--quick"], not_built)
    assert done.returncode == 0, done.stderr
    assert '"verification_path": "libsodium"' in done.stdout
    assert '"verify_ballot_native_ms": null' in done.stdout


def test_dev_runs_without_a_rust_toolchain(tmp_path: Path) -> None:
    """`./dev run` on a machine with no cargo: it says so and goes on (here up to
    `evote demo --help`, so that nothing is served)."""
    shim = tmp_path / "bin"
    shim.mkdir()
    for directory in ("/usr/local/bin", "/usr/bin", "/bin"):
        for tool in Path(directory).iterdir():
            if tool.name in {"cargo", "rustc", "rustup"} or (shim / tool.name).exists():
                continue
            (shim / tool.name).symlink_to(tool)
    env = {k: v for k, v in os.environ.items() if k not in {"EVOTING_NATIVE", "VIRTUAL_ENV"}}
    env["PATH"] = str(shim)
    done = subprocess.run(
        [str(ROOT / "dev"), "run", "--help"], cwd=ROOT, env=env, capture_output=True,
        text=True, timeout=600, check=False,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert "no Rust toolchain: verification uses libsodium" in done.stderr
    assert "Usage:" in done.stdout
