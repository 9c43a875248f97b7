"""``/healthz`` and ``/metrics`` (web/health.py): answers, who may scrape, the label set."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient
from prometheus_client import REGISTRY
from prometheus_client.parser import text_string_to_metric_families

from evoting import db
from tests.integration.conftest import Setup
from tests.integration.test_unavailable import dispose, make_site
from tests.support.postgres import PostgresServer
from tests.web.conftest import Clock
from web import create_app, health

ROOT = Path(__file__).resolve().parents[2]
TOKEN = "a-long-random-scrape-token"
REMOTE = {"REMOTE_ADDR": "203.0.113.9"}  # a peer on the internet (TEST-NET-3)


def samples(text: str) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    """Every sample of a text exposition: (name, sorted labels) -> value."""
    return {
        (s.name, tuple(sorted(s.labels.items()))): s.value
        for family in text_string_to_metric_families(text)
        for s in family.samples
    }


def value(name: str, **labels: str) -> float:
    return REGISTRY.get_sample_value(name, labels) or 0.0


# --- /healthz ----------------------------------------------------------------------------


def test_healthz_on_sqlite_says_ok_and_counts_the_boards(client: FlaskClient) -> None:
    answer = client.get("/healthz")
    assert answer.status_code == 200
    assert answer.get_json() == {"status": "ok", "database": "ok", "boards": 1}
    assert answer.headers["Cache-Control"] == "no-store"


@pytest.fixture
def pg_app(
    postgres_server: PostgresServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> Iterator[Flask]:
    with postgres_server.database() as url:
        site = make_site(url, tmp_path, monkeypatch)
        yield site.app
        dispose(site)


def test_healthz_on_postgresql_says_ok_and_counts_the_boards(pg_app: Flask) -> None:
    answer = pg_app.test_client().get("/healthz")
    assert answer.status_code == 200
    assert answer.get_json() == {"status": "ok", "database": "ok", "boards": 1}


def test_healthz_without_its_database_is_503_with_a_short_reason(
    app: Flask, client: FlaskClient, tmp_path: Path
) -> None:
    services = app.extensions["evoting"]
    services.engine.dispose()
    services.engine = db.make_engine(f"sqlite:///{tmp_path / 'no-such-dir' / 'x.sqlite3'}")
    answer = client.get("/healthz")
    assert answer.status_code == 503
    assert answer.get_json() == {"status": "unavailable", "database": "connection"}
    assert int(answer.headers["Retry-After"]) > 0
    assert "no-such-dir" not in answer.get_data(as_text=True)


def test_healthz_is_not_rate_limited(client: FlaskClient) -> None:
    assert {client.get("/healthz").status_code for _ in range(120)} == {200}


# --- who may read /metrics ---------------------------------------------------------------


def test_metrics_answer_a_scrape_on_the_machine_itself(client: FlaskClient) -> None:
    answer = client.get("/metrics")  # the test client's peer is 127.0.0.1
    assert answer.status_code == 200
    assert answer.headers["Content-Type"].startswith("text/plain; version=")
    assert answer.headers["Cache-Control"] == "no-store"
    assert client.get("/metrics", environ_base={"REMOTE_ADDR": "::1"}).status_code == 200


def test_metrics_are_not_found_from_another_machine(client: FlaskClient) -> None:
    answer = client.get("/metrics", environ_base=REMOTE)
    assert answer.status_code == 404
    assert "evote_" not in answer.get_data(as_text=True)


@pytest.mark.parametrize("header", ["X-Forwarded-For", "Forwarded", "X-Real-IP"])
def test_metrics_are_not_found_through_the_reverse_proxy(client: FlaskClient, header: str) -> None:
    assert client.get("/metrics", headers={header: "127.0.0.1"}).status_code == 404


def test_proxyfix_cannot_make_a_remote_peer_look_local(
    site: tuple[Setup, str], client: FlaskClient, tmp_path: Path, clock: Clock
) -> None:
    _, url = site
    behind = create_app(url, tmp_path / "instance", clock=clock, secure_cookies=False,
                        proxies=1, config={"TESTING": True})  # fmt: skip
    try:
        proxied = behind.test_client()
        forged = proxied.get("/metrics", environ_base=REMOTE,
                             headers={"X-Forwarded-For": "127.0.0.1"})  # fmt: skip
        assert forged.status_code == 404
        assert proxied.get("/metrics").status_code == 200  # on the machine, not proxied
    finally:
        behind.extensions["evoting"].engine.dispose()
    # What ProxyFix leaves when it rewrote the address: the original peer decides.
    rewritten = {"REMOTE_ADDR": "127.0.0.1",
                 "werkzeug.proxy_fix.orig": {"REMOTE_ADDR": "203.0.113.9"}}  # fmt: skip
    assert client.get("/metrics", environ_base=rewritten).status_code == 404


def test_with_a_token_only_the_bearer_of_it_may_scrape(app: Flask, client: FlaskClient) -> None:
    app.config["METRICS_TOKEN"] = TOKEN
    right = {"Authorization": f"Bearer {TOKEN}"}
    assert client.get("/metrics", headers=right).status_code == 200
    through_proxy = {**right, "X-Forwarded-For": "198.51.100.7"}
    assert client.get("/metrics", headers=through_proxy, environ_base=REMOTE).status_code == 200
    assert client.get("/metrics").status_code == 404  # loopback is not enough any more
    for wrong in (f"Bearer {TOKEN}x", "Bearer ", f"Basic {TOKEN}", TOKEN):
        assert client.get("/metrics", headers={"Authorization": wrong}).status_code == 404


# --- what /metrics says ------------------------------------------------------------------


def test_the_metrics_are_exposed_after_a_cast(client: FlaskClient) -> None:
    before = samples(client.get("/metrics").get_data(as_text=True))
    health.record_cast("accepted", 0.042)
    health.record_cast("proof", 0.3)
    health.record_spoil("accepted")
    health.record_issuance("already_issued")
    health.record_busy()
    health.record_unavailable("read_only")
    after = samples(client.get("/metrics").get_data(as_text=True))

    def grew(name: str, **labels: str) -> float:
        key = (name, tuple(sorted(labels.items())))
        return after[key] - before.get(key, 0.0)

    assert grew("evote_casts_total", outcome="accepted") == 1
    assert grew("evote_casts_total", outcome="proof") == 1
    assert grew("evote_cast_seconds_count") == 2
    assert grew("evote_cast_seconds_bucket", le="0.005") == 0
    assert grew("evote_cast_seconds_bucket", le="0.05") == 1
    assert grew("evote_cast_seconds_bucket", le="10.0") == 2
    assert grew("evote_spoils_total", outcome="accepted") == 1
    assert grew("evote_issuance_total", outcome="already_issued") == 1
    assert grew("evote_busy_total") == 1
    assert grew("evote_unavailable_total", kind="read_only") == 1
    assert all("election" not in dict(labels) for _, labels in after)


def test_an_unknown_label_value_is_counted_as_other(client: FlaskClient) -> None:
    casts, spoils = value("evote_casts_total", outcome="other"), value("evote_spoils_total",
                                                                      outcome="other")  # fmt: skip
    issued, down = value("evote_issuance_total", outcome="other"), value(
        "evote_unavailable_total", kind="other")  # fmt: skip
    health.record_cast("An Peeters, 85.07.30-033.61", 0.01)
    health.record_cast('"}\nevil_metric 1', float("nan"))
    health.record_spoil("kortrijk-2019")
    health.record_issuance("")
    health.record_unavailable("connection refused on 10.0.0.5")
    assert value("evote_casts_total", outcome="other") == casts + 2
    assert value("evote_spoils_total", outcome="other") == spoils + 1
    assert value("evote_issuance_total", outcome="other") == issued + 1
    assert value("evote_unavailable_total", kind="other") == down + 1
    text = client.get("/metrics").get_data(as_text=True)
    for leaked in ("Peeters", "evil_metric", "kortrijk", "10.0.0.5"):
        assert leaked not in text
    outcomes = {labels for (name, labels) in samples(text) if name == "evote_casts_total"}
    assert {dict(labels)["outcome"] for labels in outcomes} == health.OUTCOMES | {"other"}


WORKER = """
import os
from web import health
health.record_cast("accepted", 0.02)
health.record_busy()
print(os.getpid())
"""


def test_several_worker_processes_are_summed(client: FlaskClient, tmp_path: Path,
                                             monkeypatch: pytest.MonkeyPatch) -> None:  # fmt: skip
    """Under gunicorn: each worker writes its values to PROMETHEUS_MULTIPROC_DIR, set before
    it imports `web`; /metrics sums them; a dead worker is marked so."""
    directory = tmp_path / "prometheus"
    directory.mkdir()
    env = {**os.environ, health.MULTIPROCESS_VARIABLE: str(directory)}

    def worker() -> int:
        done = subprocess.run([sys.executable, "-c", WORKER], env=env, cwd=ROOT, check=True,
                              capture_output=True, text=True)  # fmt: skip
        return int(done.stdout)

    pids = [worker(), worker()]
    assert len(list(directory.glob("*.db"))) >= 2  # one file per worker (and metric type)
    monkeypatch.setenv(health.MULTIPROCESS_VARIABLE, str(directory))
    for pid in pids:
        health.worker_exited(pid)
    summed = samples(client.get("/metrics").get_data(as_text=True))
    assert summed[("evote_casts_total", (("outcome", "accepted"),))] == 2
    assert summed[("evote_cast_seconds_count", ())] == 2
    assert summed[("evote_busy_total", ())] == 2
