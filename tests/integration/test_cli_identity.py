"""The identity commands of `evote`, as an official and a resident would run them."""

from __future__ import annotations

import datetime
import json
import sqlite3
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from cli.main import evote
from identity import pollcards

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"


class Invoker:
    """``evote --db <a fresh SQLite file> --instance <a fresh directory> ARGS``."""

    def __init__(self, tmp_path: Path) -> None:
        self.database = tmp_path / "cli.sqlite3"
        self.instance = tmp_path / "inst"
        self.runner = CliRunner()

    def __call__(self, *args: str, input: str | None = None) -> Result:
        return self.runner.invoke(
            evote,
            ["--db", f"sqlite:///{self.database}", "--instance", str(self.instance), *args],
            input=input,
        )


@pytest.fixture
def run(tmp_path: Path) -> Invoker:
    return Invoker(tmp_path)


def _set_a_key(run: Invoker) -> None:
    from evoting import db
    from evoting.crypto.elgamal import KeyPair
    from evoting.elections import set_election_public_key

    engine = db.make_engine(f"sqlite:///{run.database}")
    with db.session_factory(engine)() as session, session.begin():
        set_election_public_key(session, "kortrijk-2019", KeyPair.generate().public)
    engine.dispose()


def open_now(tmp_path: Path) -> Path:
    """The Kortrijk manifest with a voting window around today (same reference date)."""
    today = datetime.date.today()
    text = (EXAMPLES / "kortrijk-2019.yaml").read_text()
    text = text.replace(
        "opens: 2019-05-20T08:00", f"opens: {today - datetime.timedelta(days=1)}T08:00"
    )
    text = text.replace(
        "closes: 2019-05-27T20:00", f"closes: {today + datetime.timedelta(days=6)}T20:00"
    )
    text = text.replace(
        '  municipality: "34022"', '  municipality: "34022"\n  reference_date: 2019-05-20'
    )
    path = tmp_path / "kortrijk-now.yaml"
    path.write_text(text)
    return path


def test_the_whole_flow(run: Invoker, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    invoke = run
    assert invoke("init").exit_code == 0
    assert (tmp_path / "inst" / "secret.key").stat().st_mode & 0o777 == 0o600
    created = invoke("election", "create", str(open_now(tmp_path)))
    assert created.exit_code == 0, created.output
    assert "election kortrijk-2019 created (draft)" in created.output

    bad = tmp_path / "bad.csv"
    lines = (EXAMPLES / "register-sample.csv").read_text().splitlines()
    bad.write_text("\n".join([*lines, lines[1].replace(",1985-07-14,", ",1985-07-15,")]) + "\n")
    checked = invoke("register", "check", str(bad), "--on", "2019-05-20")
    assert checked.exit_code == 1
    assert "line 14: the birth date does not agree" in checked.output
    assert "line 14: the same register number as line 2" in checked.output
    refused = invoke("register", "import", "kortrijk-2019", str(bad))
    assert refused.exit_code == 1
    assert "nothing was imported" in refused.output
    with sqlite3.connect(invoke.database) as conn:
        assert conn.execute("SELECT count(*) FROM voters").fetchone() == (0,)

    imported = invoke("register", "import", "kortrijk-2019", str(EXAMPLES / "register-sample.csv"))
    assert imported.exit_code == 0, imported.output
    assert "12 residents (12 added, 0 removed, 0 changed, 0 unchanged)" in imported.output

    codes: list[str] = []
    real = pollcards.new_code

    def recording_new_code() -> str:
        codes.append(real())
        return codes[-1]

    monkeypatch.setattr(pollcards, "new_code", recording_new_code)
    letters = tmp_path / "letters.pdf"
    printed = invoke("register", "poll-cards", "kortrijk-2019",
                     str(EXAMPLES / "register-sample.csv"), "--out", str(letters))  # fmt: skip
    assert printed.exit_code == 0, printed.output
    assert "9 letters written" in printed.output
    assert "3 residents are not eligible" in printed.output
    again = invoke("register", "poll-cards", "kortrijk-2019",
                   str(EXAMPLES / "register-sample.csv"), "--out", str(letters))  # fmt: skip
    assert again.exit_code == 1
    assert "--replace" in again.output

    _set_a_key(invoke)  # the trustees' ceremony is tested in test_cli_ceremony.py
    assert invoke("election", "open", "kortrijk-2019").exit_code == 0
    frozen = invoke("register", "import", "kortrijk-2019", str(EXAMPLES / "register-sample.csv"))
    assert frozen.exit_code == 1
    assert "frozen" in frozen.output

    before = invoke("credential", "status", "kortrijk-2019", "--register-number",
                    "85071412330", "--code", codes[0])  # fmt: skip
    assert "no credential was issued in your name" in before.output
    credential_file = tmp_path / "an.credential.json"
    obtained = invoke("credential", "obtain", "kortrijk-2019", "--register-number",
                      "85.07.14-123.30", "--code", pollcards.display(codes[0]),
                      "--out", str(credential_file))  # fmt: skip
    assert obtained.exit_code == 0, obtained.output
    assert credential_file.stat().st_mode & 0o777 == 0o600
    assert json.loads(credential_file.read_text())["format"] == "EVOTING-V1-credential"
    twice = invoke("credential", "obtain", "kortrijk-2019", "--register-number", "85071412330",
                   "--code", codes[0], "--out", str(tmp_path / "second.json"))  # fmt: skip
    assert twice.exit_code == 1
    assert "a credential was already issued to you on" in twice.output

    after = invoke("credential", "status", "kortrijk-2019", "--register-number",
                   "85071412330", "--code", codes[0])  # fmt: skip
    assert "a credential was issued in your name on" in after.output
    wrong = invoke("credential", "obtain", "kortrijk-2019", "--register-number", "85071412330",
                   "--code", codes[1], "--out", str(tmp_path / "third.json"))  # fmt: skip
    assert wrong.exit_code == 1
    assert "The register number or the code is not right." in wrong.output

    paper = invoke(
        "register", "mark-paper", "kortrijk-2019", "--register-number", "90.03.02-046.59"
    )
    assert paper.exit_code == 0, paper.output
    no_paper = invoke("register", "mark-paper", "kortrijk-2019", "--register-number", "85071412330")
    assert no_paper.exit_code == 1
    assert "took an online credential" in no_paper.output
    typo = invoke("register", "mark-paper", "kortrijk-2019", "--register-number", "85071412331")
    assert typo.exit_code == 1
    assert "check digits" in typo.output

    stats = invoke("register", "stats", "kortrijk-2019")
    figures = json.loads(stats.output)
    assert (figures["credentials_issued"], figures["paper_votes"], figures["eligible"]) == (1, 1, 9)


def test_commands_need_the_deployment_secret(run: Invoker) -> None:
    invoke = run
    result = invoke("election", "create", str(EXAMPLES / "kortrijk-2019.yaml"))
    assert result.exit_code == 1
    assert "no deployment secret: run `evote init`" in result.output


def test_a_bad_manifest_lists_every_problem(run: Invoker, tmp_path: Path) -> None:
    invoke = run
    invoke("init")
    manifest = tmp_path / "broken.yaml"
    manifest.write_text(
        (EXAMPLES / "kortrijk-2019.yaml")
        .read_text()
        .replace('municipality: "34022"', 'municipality: "Kortrijk"')
        .replace("  k: 2", "  k: 5")
    )
    result = invoke("election", "create", str(manifest))
    assert result.exit_code == 1
    assert "eligibility.municipality: expected a 5-digit NIS code" in result.output
    assert "trustees.k: cannot be more than trustees.n" in result.output


def test_another_deployment_secret_is_refused(
    run: Invoker, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from evoting.crypto.canonical import b64encode

    assert run("init").exit_code == 0
    assert run("election", "create", str(open_now(tmp_path))).exit_code == 0
    monkeypatch.setenv("EVOTING_SECRET_KEY", b64encode(bytes(32)))
    refused = run("register", "import", "kortrijk-2019", str(EXAMPLES / "register-sample.csv"))
    assert refused.exit_code == 1
    assert "the deployment secret does not match this database" in refused.output
    with sqlite3.connect(run.database) as conn:
        assert conn.execute("SELECT count(*) FROM voters").fetchone() == (0,)


def test_init_with_the_secret_in_the_environment_writes_no_file(
    run: Invoker, monkeypatch: pytest.MonkeyPatch
) -> None:
    from evoting.crypto.canonical import b64encode

    monkeypatch.setenv("EVOTING_SECRET_KEY", b64encode(bytes(range(32))))
    result = run("init")
    assert result.exit_code == 0, result.output
    assert "using the deployment secret in $EVOTING_SECRET_KEY; no file written" in result.output
    assert not (run.instance / "secret.key").exists()


def test_obtain_refuses_an_existing_file_before_anything_is_issued(
    run: Invoker, tmp_path: Path
) -> None:
    run("init")
    run("election", "create", str(open_now(tmp_path)))
    existing = tmp_path / "taken.json"
    existing.write_text("{}")
    result = run("credential", "obtain", "kortrijk-2019", "--register-number", "85071412330",
                 "--code", "2222-2222-2222-2222-2", "--out", str(existing))  # fmt: skip
    assert result.exit_code == 1
    assert "cannot create" in result.output
    assert existing.read_text() == "{}"


def test_a_register_of_many_bad_rows_is_counted_in_full_and_listed_in_part(
    run: Invoker, tmp_path: Path
) -> None:
    lines = (EXAMPLES / "register-sample.csv").read_text().splitlines()
    bad = tmp_path / "bad.csv"
    wrong = lines[1].replace(",1985-07-14,", ",1985-07-15,")  # the date disagrees with the number
    bad.write_text("\n".join([lines[0], *[wrong] * 150]) + "\n")
    checked = run("register", "check", str(bad), "--on", "2019-05-20")
    assert checked.exit_code == 1
    assert checked.output.startswith("299 problem(s); nothing was imported:")
    assert "and 199 more problems (299 in all)" in checked.output
    assert len(checked.output.splitlines()) == 102
