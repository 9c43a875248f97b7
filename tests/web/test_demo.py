"""`evote demo`: the referendum it sets up is open, and its test residents work."""

from __future__ import annotations

import os
import re
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest
from click.testing import CliRunner

from cli.main import evote
from tests.web.test_resident import csrf
from web import create_app


def test_the_demo_is_open_and_its_test_residents_log_in(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("EVOTING_SECRET_KEY", raising=False)
    directory = tmp_path / "demo"
    made = CliRunner().invoke(evote, ["demo", "--dir", str(directory), "--no-serve"])
    assert made.exit_code == 0, made.output
    voters = re.findall(r"^  (\d\d\.\d\d\.\d\d-\d{3}\.\d\d)  (\S+)  (.+) \((.+)\)$",
                        made.output, re.MULTILINE)  # fmt: skip
    assert [v[3] for v in voters] == ["may vote"] * 5 + [
        "under 16: refused", "lives in Gent: refused",
    ]  # fmt: skip
    assert (directory / "letters.pdf").read_bytes().startswith(b"%PDF")

    app = create_app(f"sqlite:///{directory / 'evoting.sqlite3'}", directory / "instance",
                     secure_cookies=False)  # fmt: skip
    client = app.test_client()
    client.environ_base["HTTP_ACCEPT_LANGUAGE"] = "en"
    login = "/e/demo-kortrijk/login"
    number, code = voters[0][0], voters[0][1]
    answer = client.post(login, data={"register_number": number, "code": code,
                                      "csrf_token": csrf(client, login)})  # fmt: skip
    assert answer.headers.get("Location") == "/e/demo-kortrijk/booth"
    young = voters[5]
    refused = client.post(login, data={"register_number": young[0], "code": young[1],
                                       "csrf_token": csrf(client, login)})  # fmt: skip
    assert "after the reference date" in refused.get_data(as_text=True)
    app.extensions["evoting"].engine.dispose()

    again = CliRunner().invoke(evote, ["demo", "--dir", str(directory), "--no-serve"])
    assert again.exit_code == 0, again.output  # a demo directory is made afresh
    other = tmp_path / "mine"
    other.mkdir()
    refused_dir = CliRunner().invoke(evote, ["demo", "--dir", str(other), "--no-serve"])
    assert refused_dir.exit_code == 1
    assert "is not a demo directory" in refused_dir.output


def test_evote_demo_serves_the_referendum_until_stopped(tmp_path: Path) -> None:
    """What `./dev run` runs: the installed command sets up, serves with waitress, stops."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    program = Path(sys.executable).parent / "evote"
    environment = {k: v for k, v in os.environ.items() if k != "EVOTING_SECRET_KEY"}
    with subprocess.Popen(
        [str(program), "demo", "--dir", str(tmp_path / "demo"), "--port", str(port)],
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, env=environment,
    ) as server:  # fmt: skip
        try:
            assert server.stdout is not None
            printed = []
            for line in server.stdout:
                printed.append(line)
                if line.startswith("serving on"):
                    break
            output = "".join(printed)
            assert f"serving on http://localhost:{port}/" in output, output
            assert "trustee decrypt --share" in output
            assert "password 'demo-password'" in output
            page = _get(f"http://127.0.0.1:{port}/e/demo-kortrijk?lang=en")
            assert "Should the city centre go car-free one Sunday a month?" in page
        finally:
            server.terminate()
            server.wait(timeout=30)


def _get(url: str) -> str:
    for _ in range(100):  # waitress may take a moment after printing
        try:
            with urllib.request.urlopen(url, timeout=10) as answer:
                return str(answer.read().decode("utf-8"))
        except ConnectionError:
            time.sleep(0.1)
        except urllib.error.URLError as exc:
            if not isinstance(exc.reason, ConnectionError):
                raise
            time.sleep(0.1)
    raise AssertionError(f"nothing answers at {url}")


def test_any_manifest_runs_as_a_demo(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """`evote demo --manifest`: a participatory budget opens with residents of its city."""
    monkeypatch.delenv("EVOTING_SECRET_KEY", raising=False)
    directory = tmp_path / "demo"
    made = CliRunner().invoke(evote, ["demo", "--dir", str(directory), "--no-serve",
                                      "--manifest", "examples/rueil-2019.yaml"])  # fmt: skip
    assert made.exit_code == 0, made.output
    voters = re.findall(r"^  (\d\d\.\d\d\.\d\d-\d{3}\.\d\d)  (\S+)  (.+) \((.+)\)$",
                        made.output, re.MULTILINE)  # fmt: skip
    notes = [v[3] for v in voters]
    assert notes[:5] == ["may vote"] * 5
    assert notes[5].startswith("under ")
    assert notes[5].endswith(": refused")
    assert notes[6].startswith("lives in ")
    assert "Liège" not in notes[6]

    app = create_app(f"sqlite:///{directory / 'evoting.sqlite3'}", directory / "instance",
                     secure_cookies=False)  # fmt: skip
    client = app.test_client()
    client.environ_base["HTTP_ACCEPT_LANGUAGE"] = "en"
    election = re.search(r"/e/(demo-[a-z0-9-]+)", made.output)
    assert election is not None, made.output
    login = f"/e/{election.group(1)}/login"
    answer = client.post(login, data={"register_number": voters[0][0], "code": voters[0][1],
                                      "csrf_token": csrf(client, login)})  # fmt: skip
    assert answer.headers.get("Location") == f"/e/{election.group(1)}/booth"
    app.extensions["evoting"].engine.dispose()


@pytest.mark.parametrize(("n", "k"), [(1, 1), (5, 3)])
def test_a_demo_has_the_manifests_trustees(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, n: int, k: int
) -> None:
    monkeypatch.delenv("EVOTING_SECRET_KEY", raising=False)
    text = Path("examples/poperinge.yaml").read_text(encoding="utf-8")
    manifest = tmp_path / "poperinge.yaml"
    manifest.write_text(text.replace("  n: 3\n  k: 2\n", f"  n: {n}\n  k: {k}\n"), encoding="utf-8")
    made = CliRunner().invoke(evote, ["demo", "--dir", str(tmp_path / "demo"), "--no-serve",
                                      "--manifest", str(manifest)])  # fmt: skip
    assert made.exit_code == 0, made.output
    assert f"{k} of the {n} trustees decrypt it" in made.output
    assert made.output.count("trustee decrypt --share") == k
    shares = sorted(p.name for p in (tmp_path / "demo" / "trustees").iterdir())
    assert shares == [f"trustee-{i}.share" for i in range(1, n + 1)]
