"""A real `evote` server in a subprocess, and a small HTTP client for it.

The Flask test client runs the app in the test's own process and directory, so it
cannot show what only a served deployment does (a relative instance directory
resolved against the wrong place, for one). These start the installed command as
an official would, in a directory of their own, and talk to it over a socket.
"""

from __future__ import annotations

import http.cookiejar
import os
import re
import secrets
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

PROGRAM = Path(sys.executable).parent / "evote"
CLEAN = ("EVOTING_SECRET_KEY", "EVOTING_INSTANCE", "EVOTING_DATABASE_URL", "EVOTING_PASSPHRASE")


def environment() -> dict[str, str]:
    """The test's environment without any deployment of its own."""
    return {k: v for k, v in os.environ.items() if k not in CLEAN}


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def evote(cwd: Path, *arguments: str, extra: Mapping[str, str] | None = None) -> str:
    """Run the installed command in ``cwd`` (``extra``: more environment); its output,
    which must be a success."""
    env = {**environment(), **(extra or {})}
    done = subprocess.run([str(PROGRAM), *arguments], cwd=cwd, env=env, capture_output=True,
                          text=True, timeout=300, check=False)  # fmt: skip
    assert done.returncode == 0, done.stdout + done.stderr
    return done.stdout


@contextmanager
def served(cwd: Path, *arguments: str) -> Iterator[str]:
    """``evote ARGUMENTS serve --port P --insecure-http`` in ``cwd``; yields its address."""
    port = free_port()
    command = [str(PROGRAM), *arguments, "serve", "--port", str(port), "--insecure-http"]
    with subprocess.Popen(command, cwd=cwd, env=environment(), stdout=subprocess.PIPE,
                          stderr=subprocess.STDOUT, text=True) as server:  # fmt: skip
        try:
            assert server.stdout is not None
            for line in server.stdout:
                if line.startswith("serving on"):
                    break
            else:
                raise AssertionError("the server stopped before serving")
            address = f"http://127.0.0.1:{port}"
            _wait_for(address)
            yield address
        finally:
            server.terminate()
            server.wait(timeout=30)


def _wait_for(address: str) -> None:
    for _ in range(200):  # waitress may take a moment after printing
        try:
            with socket.create_connection(("127.0.0.1", int(address.rsplit(":", 1)[1])), 1):
                return
        except OSError:
            time.sleep(0.05)
    raise AssertionError(f"nothing answers at {address}")


@dataclass
class Answer:
    status: int
    headers: Mapping[str, str]
    body: bytes
    url: str

    @property
    def text(self) -> str:
        return self.body.decode("utf-8")


class Client:
    """A browser without JavaScript: cookies, redirects, forms with their CSRF token."""

    def __init__(self, base: str, language: str = "en") -> None:
        self.base = base
        self.language = language
        self.opener = urllib.request.build_opener(
            urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar())
        )

    def request(self, path: str, data: bytes | None = None,
                headers: Mapping[str, str] | None = None) -> Answer:  # fmt: skip
        sent = urllib.request.Request(self.base + path, data=data, headers={
            "Accept-Language": self.language, **(headers or {})})  # fmt: skip
        try:
            with self.opener.open(sent, timeout=120) as answer:
                return Answer(answer.status, dict(answer.headers), answer.read(), answer.url)
        except urllib.error.HTTPError as error:
            return Answer(error.code, dict(error.headers), error.read(), error.url)

    def get(self, path: str) -> Answer:
        return self.request(path)

    def token(self, path: str) -> str:
        found = re.search(r'name="csrf_token"(?: type="hidden")? value="([^"]+)"',
                          self.get(path).text)  # fmt: skip
        assert found is not None, f"no form on {path}"
        return found.group(1)

    def post_form(self, path: str, fields: Mapping[str, str], *, form_on: str | None = None,
                  files: Sequence[tuple[str, str, bytes]] = ()) -> Answer:  # fmt: skip
        """Post ``fields`` (and ``files``: name, file name, content) as the form on
        ``form_on`` (default: ``path``) would, with its CSRF token."""
        values = {"csrf_token": self.token(form_on or path), **fields}
        boundary = secrets.token_hex(16)
        parts = []
        for name, value in values.items():
            parts.append(f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n'
                         f"{value}\r\n".encode())  # fmt: skip
        for name, filename, content in files:
            parts.append(
                f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"; '
                f'filename="{filename}"\r\nContent-Type: application/octet-stream\r\n\r\n'.encode()
                + content
                + b"\r\n"
            )
        body = b"".join(parts) + f"--{boundary}--\r\n".encode()
        return self.request(
            path, body, {"Content-Type": f"multipart/form-data; boundary={boundary}"}
        )

    def post_json(self, path: str, body: bytes) -> Answer:
        """As the booth sends it: JSON, no cookie."""
        sent = urllib.request.Request(self.base + path, data=body,
                                      headers={"Content-Type": "application/json"})  # fmt: skip
        try:
            with urllib.request.urlopen(sent, timeout=120) as answer:
                return Answer(answer.status, dict(answer.headers), answer.read(), answer.url)
        except urllib.error.HTTPError as error:
            return Answer(error.code, dict(error.headers), error.read(), error.url)
