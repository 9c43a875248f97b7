"""How long the browser booth takes to encrypt and prove a participatory-budget ballot.

    .venv/bin/python scripts/bench_booth.py [--runs 7]

The ballot is the heaviest the issue names: a points question of 3 ranks × 50 projects
(150 encrypted cells, each with its 0/1 proof, the sum proof and 53 subset proofs: one
project a rank, one rank a project; docs/protocol.md §6.1), signed by a real blind-signed
credential. The booth's own protocol.js encrypts it (projectSelections, encryptBallot)
in Debian's Chromium, headless, driven by Playwright (a test dependency, hence a script
and not an `evote bench` command), and under Node in the same run; the first ballot is
checked by the Python kernel, so the figures are those of valid ballots. It prints one
JSON object: per engine the first run (cold: the JIT still warming) and the median,
minimum and maximum of the others, in milliseconds, and the machine's speed at the time
(`scalarmult_us`: a variable-base multiplication in libsodium; this machine runs at two
speeds, docs/performance.md).
"""

from __future__ import annotations

import argparse
import functools
import http.server
import json
import shutil
import statistics
import subprocess
import threading
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
STATIC = ROOT / "web" / "static"
CHROMIUM = "/usr/bin/chromium"
RANKS, PROJECTS = 3, 50

# One page's worth of work, the same in both engines: `runs` ballots, each timed alone.
TIMED = """
const run = (p, params, credential, answer, runs) => {
  const spec = params.contests[0];
  const times = [];
  let first;
  for (let i = 0; i < runs; i += 1) {
    const started = performance.now();
    const selections = { [spec.label]: p.projectSelections(spec, answer) };
    const made = p.encryptBallot(params, credential, selections);
    times.push(performance.now() - started);
    first ??= made.ballot;
  }
  return { times, ballot: first };
};
"""
NODE = (
    TIMED
    + """
import { webcrypto } from "node:crypto";
globalThis.crypto ??= webcrypto;
const input = JSON.parse(await new Promise((done) => {
  let text = "";
  process.stdin.on("data", (chunk) => { text += chunk; });
  process.stdin.on("end", () => done(text));
}));
const p = await import(input.module);
const { params, credential, answer, runs } = input;
process.stdout.write(JSON.stringify(run(p, params, credential, answer, runs)));
"""
)


def _manifest() -> Any:
    from evoting.election import parse_manifest

    projects = [{"id": f"p{i}", "title": {"en": f"Project {i}"}, "cost": 1000 + i}
                for i in range(PROJECTS)]  # fmt: skip
    return parse_manifest({
        "id": "bench-booth", "languages": ["en"], "title": {"en": "Booth benchmark"},
        "web_address": "https://example.be",
        "window": {"opens": "2026-01-01T08:00", "closes": "2026-01-10T20:00"},
        "eligibility": {"minimum_age": 16, "municipality": "34022"},
        "questions": [{"id": "grid", "type": "points", "text": {"en": "Rank three"},
                       "points": [3, 2, 1][:RANKS], "projects": projects,
                       "rule": {"method": "top", "seats": 2, "ties": ["lot"],
                                "seed": "drawn in public"}}],
        "trustees": {"n": 1, "k": 1},
    })  # fmt: skip


def _figures(times: list[float]) -> dict[str, float | int]:
    rest = times[1:] or times
    return {"first_ms": round(times[0], 1), "median_ms": round(statistics.median(rest), 1),
            "min_ms": round(min(rest), 1), "max_ms": round(max(rest), 1),
            "runs": len(times)}  # fmt: skip


def _scalarmult_us() -> float:
    from evoting.crypto.group import G, Scalar

    point, k = G * Scalar.random(), Scalar.random()
    rounds = []
    for _ in range(5):
        started = time.perf_counter_ns()
        for _ in range(200):
            point * k
        rounds.append((time.perf_counter_ns() - started) / 200 / 1000)
    return round(statistics.median(rounds), 1)


def _serve_static() -> tuple[http.server.ThreadingHTTPServer, str]:
    class Quiet(http.server.SimpleHTTPRequestHandler):
        def log_message(self, *args: object) -> None:
            pass

    handler = functools.partial(Quiet, directory=str(STATIC))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server, f"http://127.0.0.1:{server.server_port}"


def _in_chromium(work: dict[str, Any]) -> dict[str, Any]:
    from playwright.sync_api import sync_playwright

    server, url = _serve_static()
    try:
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=CHROMIUM, headless=True,
                                        args=["--no-sandbox", "--disable-gpu"])  # fmt: skip
            page = browser.new_page()
            page.goto(f"{url}/evote.css")  # any page of the origin: the module's imports
            out: dict[str, Any] = page.evaluate(
                "async (work) => {" + TIMED
                + "const p = await import('/booth/protocol.js');"
                " return run(p, work.params, work.credential, work.answer, work.runs); }",
                work,
            )  # fmt: skip
            out["version"] = browser.version
            browser.close()
    finally:
        server.shutdown()
    return out


def _in_node(work: dict[str, Any]) -> dict[str, Any]:
    node = shutil.which("node")
    if node is None:
        return {"times": [], "version": None}
    module = (STATIC / "booth" / "protocol.js").as_uri()
    done = subprocess.run([node, "--input-type=module", "-e", NODE], cwd=ROOT,  # noqa: S603
                          input=json.dumps({**work, "module": module}), capture_output=True,
                          text=True, timeout=600, check=True)  # fmt: skip
    out: dict[str, Any] = json.loads(done.stdout)
    version = subprocess.run([node, "--version"], capture_output=True, text=True,  # noqa: S603
                             check=True)  # fmt: skip
    out["version"] = version.stdout.strip()
    return out


def run(runs: int) -> dict[str, Any]:
    from ballots.ballot import Ballot, verify_ballot
    from ballots.booth import booth_parameters
    from evoting.crypto.blind import BlindSigner
    from evoting.crypto.credential import CredentialRequest
    from evoting.crypto.elgamal import KeyPair

    manifest = _manifest()
    key, signer = KeyPair.generate(), BlindSigner.generate()
    request = CredentialRequest.start(signer.public_key, manifest.fingerprint)
    credential = request.finish(signer.public_key, signer.blind_sign(request.blinded_message))
    work = {
        "params": booth_parameters(manifest, key.public, signer.public_key),
        "credential": credential.to_json(),
        "answer": ["p17", "p3", "p42"][:RANKS],
        "runs": runs,
    }
    before = _scalarmult_us()
    figures: dict[str, Any] = {"ballot": f"points, {RANKS} ranks × {PROJECTS} projects",
                               "cells": RANKS * PROJECTS}  # fmt: skip
    for engine, measure in (("chromium", _in_chromium), ("node", _in_node)):
        out = measure(work)
        if out["times"]:
            verify_ballot(manifest, key.public, signer.public_key, Ballot.from_json(out["ballot"]))
            figures[engine] = {**_figures(out["times"]), "version": out["version"]}
    figures["scalarmult_us"] = {"before": before, "after": _scalarmult_us()}
    return figures


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=7, help="ballots per engine (default 7)")
    arguments = parser.parse_args()
    print(json.dumps(run(max(arguments.runs, 2)), indent=2))


if __name__ == "__main__":
    main()
