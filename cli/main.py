"""`evote`: the command line of officials and auditors."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

import click

from cli.context import Context, Group
from cli.credential_commands import credential
from cli.db_commands import db_group
from cli.election_commands import close, election, init, open_
from cli.pabulib_commands import pabulib
from cli.paper_commands import paper
from cli.platform_commands import platform
from cli.process_commands import process
from cli.register_commands import register
from cli.tally_commands import authority, cast, report, tally
from cli.trustee_commands import trustee
from cli.verify_commands import verify, verify_spoiled_command
from cli.web_commands import demo, official, serve
from evoting import __version__


@click.group(cls=Group, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="evote")
@click.option(
    "--db",
    "url",
    envvar="EVOTING_DATABASE_URL",
    help="Database URL (default: ./evoting.sqlite3; postgresql://... for production).",
)
@click.option(
    "--instance",
    type=click.Path(file_okay=False, path_type=Path),
    envvar="EVOTING_INSTANCE",
    help="Instance directory holding the deployment secret (default: ./instance).",
)
@click.pass_context
def evote(ctx: click.Context, url: str | None, instance: Path | None) -> None:
    """Secure digital referendums and e-voting: run, tally and verify elections."""
    context = Context(url=url, instance=instance)
    ctx.obj = context
    ctx.call_on_close(context.close)


@evote.group(cls=Group)
def bench() -> None:
    """Benchmarks that print measured figures (scripts, not timed tests)."""


@bench.command("crypto")
@click.option("--runs", default=300, show_default=True, help="Ballots per figure.")
@click.option("--quick", is_flag=True, help="Few runs: a smoke test of the benchmark itself.")
def bench_crypto(runs: int, quick: bool) -> None:
    """Time the group operations, ballot encryption and verification, and a tally."""
    from cli.bench import run_crypto_benchmark

    figures = run_crypto_benchmark(runs=10 if quick else runs, quick=quick)
    click.echo(json.dumps(figures, indent=2))


@bench.command("tally")
@click.option("--ballots", type=click.IntRange(1), default=1000, show_default=True)
@click.option("--workers", type=int, help="Processes (default: every core).")
@click.option("--cache", type=click.Path(file_okay=False, path_type=Path),
              help="Keep the synthetic election in DIR/kortrijk-N and reuse it.")  # fmt: skip
@click.option("--db", "db_url", help="Load the board into this database (SQLite or "
              "PostgreSQL URL, not timed) and tally it from there.")  # fmt: skip
def bench_tally(ballots: int, workers: int | None, cache: Path | None, db_url: str | None) -> None:
    """Check, add up and decrypt a synthetic board: ballots per second, seconds, peak RSS."""
    from cli.bench import run_tally_benchmark
    from cli.bench_cache import BenchRefused

    try:
        figures = run_tally_benchmark(ballots, workers, cache=cache, db=db_url)
    except BenchRefused as exc:
        raise click.ClickException(str(exc)) from exc
    click.echo(json.dumps(figures, indent=2))


@bench.command("verify")
@click.option("--ballots", type=click.IntRange(1), default=1000, show_default=True)
@click.option("--workers", type=int, help="Processes (default: every core).")
@click.option("--cache", type=click.Path(file_okay=False, path_type=Path),
              help="Keep the synthetic election in DIR/kortrijk-N and reuse it.")  # fmt: skip
@click.option("--scheduler", metavar="ADDRESS",
              help="Verify on this Dask scheduler's cluster (tcp://HOST:8786).")  # fmt: skip
def bench_verify(ballots: int, workers: int | None, cache: Path | None,
                 scheduler: str | None) -> None:  # fmt: skip
    """Verify a signed bundle around a synthetic board: ballots per second, seconds, RSS."""
    from cli.bench import run_verify_benchmark
    from cli.bench_cache import BenchRefused
    from tally.cluster import ClusterError

    try:
        figures = run_verify_benchmark(ballots, workers, cache=cache, scheduler=scheduler)
    except (BenchRefused, ClusterError) as exc:
        raise click.ClickException(str(exc)) from exc
    click.echo(json.dumps(figures, indent=2))


@bench.command("board")
@click.option("--ballots", type=click.IntRange(1), default=2000, show_default=True)
@click.option("--workers", type=int, help="Processes (default: every core).")
def bench_board(ballots: int, workers: int | None) -> None:
    """Re-adding a closed board (officials) beside checking every ballot (a trustee)."""
    from cli.bench import run_board_benchmark

    click.echo(json.dumps(run_board_benchmark(ballots, workers), indent=2))


@bench.command("load")
@click.option("--db", "db_url", help="The database to cast into: a new election is made there "
              "(default: a temporary SQLite file).")  # fmt: skip
@click.option("--workers", type=click.IntRange(1, 64), default=2, show_default=True,
              help="gunicorn worker processes.")  # fmt: skip
@click.option("--threads", type=click.IntRange(1, 64), default=8, show_default=True,
              help="Threads per worker.")  # fmt: skip
@click.option("--proof-checks", type=click.IntRange(1, 64), default=2, show_default=True,
              help="Proof checks at once per worker (evote serve --proof-checks).")  # fmt: skip
@click.option("--clients", type=click.IntRange(1, 1024), default=64, show_default=True,
              help="Concurrent HTTP clients.")  # fmt: skip
@click.option("--ballots", type=click.IntRange(1), default=2000, show_default=True,
              help="Real ballots, made before the storm (not timed).")  # fmt: skip
@click.option("--kill-every", type=click.FloatRange(0.5), metavar="S",
              help="SIGKILL a worker every S seconds, and the whole server once.")  # fmt: skip
@click.option("--redis-url", help="Redis to share (default: a private redis-server).")
def bench_load(db_url: str | None, workers: int, threads: int, proof_checks: int, clients: int,
               ballots: int, kill_every: float | None, redis_url: str | None) -> None:  # fmt: skip
    """A cast storm over HTTP under gunicorn: casts per second, latency, lost, doubled."""
    from cli.bench_load import run_load_benchmark

    figures = run_load_benchmark(url=db_url, workers=workers, threads=threads, clients=clients,
                                 ballots=ballots, kill_every=kill_every, redis_url=redis_url,
                                 proof_checks=proof_checks)  # fmt: skip
    click.echo(json.dumps(figures, indent=2))


@evote.command("simulate")
@click.argument("manifest", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--voters", type=click.IntRange(1), help="Residents who vote (random answers).")
@click.option("--ballots", "ballots_file", type=click.Path(exists=True, dir_okay=False,
              path_type=Path), help="The plaintext ballots, one JSON object per line.")  # fmt: skip
@click.option("--seed", type=int, default=0, show_default=True, help="For the synthetic data.")
@click.option(
    "--out",
    type=click.Path(file_okay=False, path_type=Path),
    help="Where the database, bundle, letters and report go (default: a new directory).",
)
@click.option("--workers", type=int, help="Processes checking ballots (default: every core).")
@click.option("--paper", "paper_file", type=click.Path(exists=True, dir_okay=False, path_type=Path),
              help="Paper boxes' totals (a JSON list), each entered by two officials.")  # fmt: skip
@click.option("--paper-voters", type=click.IntRange(0), default=0, show_default=True,
              help="Synthetic residents marked as voting on paper.")  # fmt: skip
@click.option("--abstain", "abstainers", type=click.IntRange(0), default=0, show_default=True,
              help="Synthetic eligible residents who stay at home.")  # fmt: skip
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object (docs/cli.md).")
def simulate(manifest: Path, voters: int | None, ballots_file: Path | None, seed: int,
             out: Path | None, workers: int | None, paper_file: Path | None, paper_voters: int,
             abstainers: int, as_json: bool) -> None:  # fmt: skip
    """Run a whole election in-process and check it: the logic-and-accuracy test."""
    import tempfile

    from cli.simulate import SimulationError, run

    if voters is not None and ballots_file is not None:
        raise click.UsageError("give --voters or --ballots, not both")
    directory = out or Path(tempfile.mkdtemp(prefix="evote-simulation-"))
    try:
        sim = run(manifest, directory, voters=voters or (None if ballots_file else 100),
                  ballots_file=ballots_file, seed=seed, workers=workers, progress=not as_json,
                  paper_file=paper_file, paper_voters=paper_voters,
                  abstainers=abstainers)  # fmt: skip
    except SimulationError as exc:
        raise click.ClickException(str(exc)) from exc
    if as_json:
        click.echo(json.dumps(sim.to_json(), indent=2, ensure_ascii=False))
    else:
        _print_simulation(sim)
    if not sim.passed:
        sys.exit(1)


def _print_simulation(sim: object) -> None:
    from cli.simulate import Simulation

    assert isinstance(sim, Simulation)
    click.echo(f"{sim.manifest.id}: {sim.eligible} eligible, {sim.participants} voted, "
               f"{sim.refused} ineligible residents refused")  # fmt: skip
    for q in sim.result.get("questions", []):
        if q["type"] == "referendum":
            verdict = "binding" if q["binding"] else "advisory"
            click.echo(f"  {q['id']}: {q['totals']} → {q['outcome']} ({verdict})")
            for reason in q["reasons"]:
                click.echo(f"    {reason}")
        elif q["type"] == "consultation":
            for s in q["statements"]:
                click.echo(f"  {q['id']}/{s['id']}: {s['totals']}")
        else:
            _print_projects(q)
    click.echo(f"bundle {sim.out / 'bundle.zip'} (sha256 {sim.bundle_sha256})")
    click.echo(f"report {sim.out / 'report.pdf'}")
    for failure in sim.failures:
        click.echo(f"FAIL {failure}")
    click.echo("verifier: PASS; decrypted totals equal the ballots cast" if sim.passed
               else "simulation FAILED")  # fmt: skip


def _print_projects(q: dict[str, Any]) -> None:
    """A project question: each project's score and fate, in the rule's order."""
    budget = q["rule"]["budget"]
    spent = f", {q['spent']} spent of {budget}, {q['left']} left" if budget is not None else ""
    click.echo(f"  {q['id']} ({q['type']}): {len(q['winners'])} selected{spent}")
    for entry in q["explanation"]:
        mark = "*" if entry["project"] in q["winners"] else " "
        click.echo(f"   {mark} {entry['rank']:>3}. {entry['project']}: {entry['score']} "
                   f"(cost {entry['cost']}) {entry['status']}")  # fmt: skip


evote.add_command(db_group)
evote.add_command(init)
evote.add_command(election)
evote.add_command(open_, name="open")
evote.add_command(close, name="close")
evote.add_command(register)
evote.add_command(paper)
evote.add_command(credential)
evote.add_command(trustee)
evote.add_command(authority)
evote.add_command(tally)
evote.add_command(verify)
evote.add_command(verify_spoiled_command)
evote.add_command(cast)
evote.add_command(report)
evote.add_command(serve)
evote.add_command(demo)
evote.add_command(official)
evote.add_command(pabulib)
evote.add_command(platform)
evote.add_command(process)


def main() -> None:
    try:
        evote(prog_name="evote")
    except KeyboardInterrupt:
        sys.exit(130)
