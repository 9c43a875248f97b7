"""`evote serve --workers N`: the app under gunicorn, several processes (docs/deploy.md).

Each worker process builds its own app (no preloading: a database pool and a
Redis client must not be shared across a fork), with gunicorn's threaded workers
(``gthread``): a worker's threads wait on the database and on clients together,
while web/casting.py caps the proof checks running at once. The master checks the
set-up (database schema, deployment secret, mail settings) once before it forks,
so a mistake stops the start instead of every worker's.

Metrics from every worker are merged through prometheus-client's multiprocess
mode: ``PROMETHEUS_MULTIPROC_DIR`` is a fresh directory set before the web package
is first imported, and a worker's files are marked dead when it exits.

No access log: the server keeps no record of who sent what (web/api.py).
"""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from flask import Flask

TIMEOUT_S = 30
"""A worker silent this long (a request stuck in a loop, a proof check frozen) is
killed and replaced by the master."""
KEEPALIVE_S = 5
MAX_REQUEST_LINE = 4094
MAX_HEADER_FIELDS = 50
MAX_HEADER_FIELD = 8190


def prepare_metrics() -> str:
    """A fresh directory for the workers' metric files; call before importing `web`."""
    directory = tempfile.mkdtemp(prefix="evote-metrics-")
    os.environ["PROMETHEUS_MULTIPROC_DIR"] = directory
    return directory


def serve_gunicorn(
    make_app: Callable[[], Flask],
    *,
    host: str,
    port: int,
    workers: int,
    threads: int,
    metrics_dir: str,
    timeout: int = TIMEOUT_S,
) -> None:
    """Run gunicorn in this process until it is stopped (SIGTERM, SIGINT)."""
    from gunicorn.app.base import BaseApplication  # type: ignore[import-untyped]

    def child_exit(_server: Any, worker: Any) -> None:
        from web.health import worker_exited

        worker_exited(worker.pid)

    options: dict[str, Any] = {
        "bind": f"{host}:{port}",
        "workers": workers,
        "worker_class": "gthread",
        "threads": threads,
        "timeout": timeout,
        "graceful_timeout": timeout,
        "keepalive": KEEPALIVE_S,
        "limit_request_line": MAX_REQUEST_LINE,
        "limit_request_fields": MAX_HEADER_FIELDS,
        "limit_request_field_size": MAX_HEADER_FIELD,
        "preload_app": False,
        "accesslog": None,
        "errorlog": "-",
        "loglevel": "warning",
        "proc_name": "evote",
        "child_exit": child_exit,
    }

    class Server(BaseApplication):  # type: ignore[misc]
        def load_config(self) -> None:
            for name, value in options.items():
                self.cfg.set(name, value)

        def load(self) -> Flask:
            return make_app()

    try:
        Server().run()
    finally:
        shutil.rmtree(metrics_dir, ignore_errors=True)
