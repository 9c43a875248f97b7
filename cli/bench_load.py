"""`evote bench load`: a cast storm over HTTP against the app under gunicorn.

1. A fresh Kortrijk-style election is set up in the database (``--db``; a
   temporary SQLite file by default) and opened; its trustees' ceremony runs here.
2. N real ballots are made before anything is timed: a fresh credential each,
   carrying a real RSA-PSS signature by the election's credential key (what a
   finished blind signature is), encrypted and proved on every core.
3. ``evote serve --workers W`` runs under gunicorn (with a private Redis unless
   ``--redis-url`` is given), and C client threads cast the ballots over loopback
   HTTP, each on its own keep-alive connection. A client retries the same ballot on
   a dropped connection, a 5xx or a 503 (casting is idempotent: the same ballot
   gets the same receipt) and gives up only on a refusal (4xx).
4. With ``--kill-every S``, a random worker gets SIGKILL every S seconds, and once,
   half-way, the whole server does (master and workers) and is started again.
5. Afterwards the board is read from the database: **lost** counts receipts whose
   ballot is not on the board, **doubled** entries sharing a credential or a
   tracking code, and the hash chain is recomputed from the stored entries.

Prints JSON; not a timed test (docs/performance.md has the figures).
"""

from __future__ import annotations

import dataclasses
import datetime
import http.client
import json
import os
import random
import secrets
import signal
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager, suppress
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.engine import make_url

from evoting import db, schema

RETRY_PAUSE_S = (0.05, 0.5)
GIVE_UP_S = 120.0
"""A ballot still without an answer this long after its first try is counted as
``gave_up`` (it may still be on the board: then it is not lost, just unacknowledged)."""


@dataclass
class _Cast:
    tracking_code: str
    ballot: bytes
    latency_s: float | None = None
    receipt_position: int | None = None
    refused: str | None = None
    attempts: int = 0


@dataclass
class _Storm:
    url_host: str
    port: int
    election_id: str
    casts: list[_Cast]
    retried: Counter[str] = field(default_factory=Counter)
    lock: threading.Lock = field(default_factory=threading.Lock)
    next_index: int = 0

    def take(self) -> _Cast | None:
        with self.lock:
            if self.next_index >= len(self.casts):
                return None
            item = self.casts[self.next_index]
            self.next_index += 1
            return item

    def retry(self, reason: str) -> None:
        with self.lock:
            self.retried[reason] += 1


def _manifest(election_id: str, now: datetime.datetime) -> Any:
    from evoting.election import load_manifest

    source = Path(__file__).resolve().parents[1] / "examples" / "kortrijk-2019.yaml"
    manifest = load_manifest(source)
    zone = manifest.window.opens.tzinfo
    today = now.date()
    opens = datetime.datetime.combine(today - datetime.timedelta(days=1), datetime.time(8), zone)
    closes = datetime.datetime.combine(today + datetime.timedelta(days=6), datetime.time(20), zone)
    window = dataclasses.replace(manifest.window, opens=opens, closes=closes)
    return dataclasses.replace(manifest, id=election_id, window=window)


def open_election(url: str, instance: Path, election_id: str) -> tuple[Any, bytes, bytes]:
    """The open election; returns (manifest, election public key, credential PEM)."""
    from audit.store import record
    from evoting.deployment import DeploymentKeys
    from evoting.elections import (
        change_state,
        check_deployment_secret,
        election_public_key,
        unsealed_private_key,
    )
    from services.lifecycle import set_up_election
    from tally.officials import share_files_in_process

    now = datetime.datetime.now(datetime.UTC)
    keys = DeploymentKeys.generate()
    keys.save(instance)
    engine = db.make_engine(url)
    try:
        db.upgrade(engine)
        manifest = _manifest(election_id, now)
        with db.session_factory(engine)() as session, session.begin():
            check_deployment_secret(session, keys)
            set_up_election(session, manifest, keys, now, bench=True)
            names = tuple(f"Trustee {i}" for i in range(1, manifest.trustees.n + 1))
            share_files_in_process(session, election_id, names)
            change_state(session, election_id, "open")
            record(session, election_id, "opened", {}, keys, now)
            election_key = election_public_key(session, election_id).to_bytes()
            credential_pem = unsealed_private_key(session, election_id, "credential", keys)
    finally:
        engine.dispose()
    return manifest, election_key, credential_pem


def make_ballots(manifest: Any, election_key: bytes, pem: bytes, n: int) -> list[_Cast]:
    from concurrent.futures import ProcessPoolExecutor
    from multiprocessing import get_context

    from cli.bench import BallotMaker, init_ballot_maker, make_synthetic_ballots

    spec = BallotMaker(manifest.canonical(), election_key, pem)
    chunks = [range(i, min(i + 100, n)) for i in range(0, n, 100)]
    pool = ProcessPoolExecutor(max_workers=os.cpu_count() or 1, mp_context=get_context("spawn"),
                               initializer=init_ballot_maker, initargs=(spec,))  # fmt: skip
    with pool:
        made = pool.map(make_synthetic_ballots, chunks)
        return [_Cast(code, text.encode("utf-8")) for batch in made for text, code in batch]


def serve_command(url: str, instance: Path, port: int, redis_url: str, *, workers: int,
                  threads: int = 8, proof_checks: int = 2) -> list[str]:  # fmt: skip
    """`evote serve` under gunicorn on loopback, plain http, as this interpreter runs it."""
    return [sys.executable, "-c", "from cli.main import main; main()",
            "--db", url, "--instance", str(instance), "serve",
            "--workers", str(workers), "--threads", str(threads),
            "--proof-checks", str(proof_checks), "--port", str(port),
            "--insecure-http", "--redis-url", redis_url]  # fmt: skip


@contextmanager
def gunicorn_server(command: list[str], port: int) -> Iterator[dict[str, Any]]:
    """The gunicorn server as a process group, restartable; stopped at the end."""
    state: dict[str, Any] = {}

    def start() -> None:
        state["process"] = subprocess.Popen(  # noqa: S603 - our own command
            command, start_new_session=True, stdout=subprocess.DEVNULL,
            stderr=state["log"],
        )  # fmt: skip
        _wait_until_up(port, state["process"])

    with tempfile.TemporaryFile() as log:
        state["log"] = log
        state["start"] = start
        start()
        try:
            yield state
        except BaseException:
            log.seek(0)
            sys.stderr.write(log.read().decode(errors="replace")[-4000:])
            raise
        finally:
            process = state["process"]
            with _quiet():
                os.killpg(process.pid, signal.SIGTERM)
            try:
                process.wait(30)
            except subprocess.TimeoutExpired:
                with _quiet():
                    os.killpg(process.pid, signal.SIGKILL)
                process.wait()


@contextmanager
def _quiet() -> Iterator[None]:
    with suppress(ProcessLookupError):
        yield


def _wait_until_up(port: int, process: subprocess.Popen[bytes], seconds: float = 60) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"the server stopped at start (exit {process.returncode})")
        try:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
            conn.request("GET", "/healthz")
            if conn.getresponse().status == 200:
                conn.close()
                return
        except OSError:
            pass
        time.sleep(0.1)
    raise RuntimeError("the server did not answer /healthz in time")


def _client(storm: _Storm) -> None:
    path = f"/api/e/{storm.election_id}/cast"
    conn: http.client.HTTPConnection | None = None
    while (item := storm.take()) is not None:
        started = time.perf_counter()
        while True:
            item.attempts += 1
            reason = None
            try:
                if conn is None:
                    conn = http.client.HTTPConnection(storm.url_host, storm.port, timeout=60)
                conn.request("POST", path, body=item.ballot,
                             headers={"Content-Type": "application/json"})  # fmt: skip
                answer = conn.getresponse()
                body = answer.read()
                if answer.getheader("Connection", "").lower() == "close":
                    conn.close()
                    conn = None
            except (OSError, http.client.HTTPException):
                if conn is not None:
                    conn.close()
                conn, reason = None, "connection"
            else:
                if answer.status == 200:
                    receipt = json.loads(body)
                    item.latency_s = time.perf_counter() - started
                    item.receipt_position = int(receipt["position"])
                    break
                if answer.status >= 500:
                    reason = f"http_{answer.status}"
                else:
                    item.refused = str(json.loads(body).get("error", answer.status))
                    break
            storm.retry(reason)
            if time.perf_counter() - started > GIVE_UP_S:
                item.refused = "gave_up"
                break
            time.sleep(random.uniform(*RETRY_PAUSE_S))  # noqa: S311 - a back-off, not a secret
    if conn is not None:
        conn.close()


def _children(pid: int) -> list[int]:
    found: list[int] = []
    for task in Path(f"/proc/{pid}/task").glob("*/children"):
        with _quiet(), open(task, encoding="ascii") as f:
            found += [int(p) for p in f.read().split()]
    return found


def _killer(state: dict[str, Any], every: float, stop: threading.Event, kills: Counter[str],
            storm: _Storm) -> None:  # fmt: skip
    """Every ``every`` seconds a worker; the whole server once half the ballots went out."""
    rng = random.Random()  # noqa: S311 - which worker to kill
    whole_done = False
    while not stop.wait(every):
        process = state["process"]
        if not whole_done and storm.next_index >= len(storm.casts) // 2:
            whole_done = True
            with _quiet():
                os.killpg(process.pid, signal.SIGKILL)
            process.wait()
            kills["server"] += 1
            time.sleep(0.5)
            state["start"]()
            continue
        workers = _children(process.pid)
        if workers:
            with _quiet():
                os.kill(rng.choice(workers), signal.SIGKILL)
            kills["worker"] += 1


def _percentile(sorted_values: list[float], p: float) -> float | None:
    if not sorted_values:
        return None
    index = min(len(sorted_values) - 1, max(0, round(p / 100 * len(sorted_values)) - 1))
    return round(1000 * sorted_values[index], 1)


def _board_figures(
    url: str, election_id: str, fingerprint: bytes, acknowledged: dict[str, int]
) -> dict[str, Any]:
    """``acknowledged``: tracking code -> the position its receipt gave."""
    from ballots.board import check_chain

    b = schema.board_entries
    engine = db.make_engine(url)
    try:
        with db.session_factory(engine)() as session:
            entries = session.execute(
                select(func.count()).select_from(b).where(b.c.election_id == election_id)
            ).scalar_one()
            credentials = session.execute(
                select(func.count(func.distinct(b.c.credential))).where(
                    b.c.election_id == election_id
                )
            ).scalar_one()
            codes = session.execute(
                select(func.count(func.distinct(b.c.tracking_code))).where(
                    b.c.election_id == election_id
                )
            ).scalar_one()
            on_board: dict[str, int] = {}
            for code, position in session.execute(
                select(b.c.tracking_code, b.c.position).where(b.c.election_id == election_id)
            ):
                on_board[code] = position
            chain = check_chain(session, election_id, fingerprint)
    finally:
        engine.dispose()
    return {
        "board_entries": entries,
        "lost": len(acknowledged.keys() - on_board.keys()),
        "receipt_position_wrong": sum(
            1 for code, position in acknowledged.items() if on_board.get(code, position) != position
        ),
        "doubled": (entries - credentials) + (entries - codes),
        "on_board_unacknowledged": len(on_board.keys() - acknowledged.keys()),
        "chain_intact": chain.intact,
        "chain_problem": chain.problem,
    }


def run_load_benchmark(
    *,
    url: str | None,
    workers: int,
    threads: int,
    clients: int,
    ballots: int,
    kill_every: float | None,
    redis_url: str | None,
    proof_checks: int,
) -> dict[str, object]:
    from cli.local_servers import free_port, running_redis

    with ExitStack() as stack:
        directory = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="evote-load-")))
        url = url or f"sqlite:///{directory / 'load.sqlite3'}"
        election_id = f"load-{secrets.token_hex(4)}"
        instance = directory / "instance"
        started = time.perf_counter()
        manifest, election_key, pem = open_election(url, instance, election_id)
        casts = make_ballots(manifest, election_key, pem, ballots)
        generation_s = time.perf_counter() - started
        if redis_url is None:
            redis_url = stack.enter_context(running_redis()).url()
        port = free_port()
        command = serve_command(url, instance, port, redis_url, workers=workers,
                                threads=threads, proof_checks=proof_checks)  # fmt: skip
        state = stack.enter_context(gunicorn_server(command, port))
        storm = _Storm("127.0.0.1", port, election_id, casts)
        kills: Counter[str] = Counter()
        stop = threading.Event()
        killer = None
        began = time.perf_counter()
        if kill_every:
            killer = threading.Thread(target=_killer, daemon=True,
                                      args=(state, kill_every, stop, kills, storm))  # fmt: skip
            killer.start()
        pool = [threading.Thread(target=_client, args=(storm,)) for _ in range(clients)]
        for t in pool:
            t.start()
        for t in pool:
            t.join()
        storm_s = time.perf_counter() - began
        stop.set()
        if killer is not None:
            killer.join()
        acknowledged = {c.tracking_code: c.receipt_position for c in casts
                        if c.receipt_position is not None}  # fmt: skip
        board = _board_figures(url, election_id, manifest.fingerprint, acknowledged)
    latencies = sorted(c.latency_s for c in casts if c.latency_s is not None)
    refused = Counter(c.refused for c in casts if c.refused is not None)
    accepted = len(latencies)
    return {
        "database": make_url(url).get_backend_name(),
        "workers": workers,
        "threads": threads,
        "proof_checks_per_worker": proof_checks,
        "clients": clients,
        "ballots": ballots,
        "accepted": accepted,
        "accepted_per_s": round(accepted / storm_s, 1),
        "storm_s": round(storm_s, 2),
        "latency_ms": {
            "p50": _percentile(latencies, 50),
            "p95": _percentile(latencies, 95),
            "p99": _percentile(latencies, 99),
            "max": _percentile(latencies, 100),
        },
        "refused": dict(refused),
        "retried": dict(storm.retried),
        "kills": {"worker": kills["worker"], "server": kills["server"]},
        **board,
        "generation_s": round(generation_s, 1),
        "machine": {"cpus": os.cpu_count()},
    }
