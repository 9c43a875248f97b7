"""A real SMTP server for tests: aiosmtpd on a free loopback port, in a thread.

``with running_smtp_server() as server:`` starts it; ``server.url`` is what
`participation.mail.Mailer.from_url` takes; ``server.wait_for(n)`` returns the
first ``n`` messages received, parsed (`email.message.EmailMessage`), with their
envelope. Optional: STARTTLS or implicit TLS with a throwaway self-signed
certificate (``server.client_context`` trusts it) and a login it checks.

The `smtp_server` fixture gives a plain server: register it in tests/conftest.py
(``from tests.support.smtp import smtp_server  # noqa: F401``), or wrap
`running_smtp_server` in a fixture of the test module. (``pytest_plugins`` in a
module that also imports from here fails: the module is imported before pytest can
rewrite its asserts.)
"""

from __future__ import annotations

import datetime
import email
import email.policy
import ipaddress
import socket
import ssl
import tempfile
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from email.message import EmailMessage
from pathlib import Path
from typing import Any, Literal

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

Tls = Literal["none", "starttls", "implicit"]


@dataclass(frozen=True)
class Received:
    """One message as the server got it."""

    mail_from: str
    recipients: list[str]
    message: EmailMessage
    raw: bytes


@dataclass
class SmtpServer:
    host: str
    port: int
    tls: Tls
    client_context: ssl.SSLContext | None  # trusts the server's certificate (TLS only)
    received: list[Received] = field(default_factory=list)
    logins: list[tuple[str, str]] = field(default_factory=list)  # (user, password) accepted
    _arrived: threading.Condition = field(default_factory=threading.Condition)

    @property
    def url(self) -> str:
        """The URL without a login (add ``user:password@`` for a server that wants one)."""
        scheme = "smtps" if self.tls == "implicit" else "smtp"
        option = "?starttls=1" if self.tls == "starttls" else ""
        return f"{scheme}://{self.host}:{self.port}{option}"

    def wait_for(self, count: int = 1, timeout: float = 10.0) -> list[Received]:
        """The first ``count`` messages; fails the test if they do not arrive in time."""
        with self._arrived:
            if not self._arrived.wait_for(lambda: len(self.received) >= count, timeout):
                pytest.fail(f"{count} message(s) expected, {len(self.received)} received")
            return list(self.received[:count])

    @property
    def messages(self) -> list[EmailMessage]:
        with self._arrived:
            return [r.message for r in self.received]

    def _store(self, item: Received) -> None:
        with self._arrived:
            self.received.append(item)
            self._arrived.notify_all()


class _Handler:
    def __init__(self, server: SmtpServer) -> None:
        self.server = server

    async def handle_DATA(self, _server: Any, _session: Any, envelope: Any) -> str:
        raw = bytes(envelope.original_content)
        parsed = email.message_from_bytes(raw, policy=email.policy.default)
        assert isinstance(parsed, EmailMessage)
        self.server._store(Received(envelope.mail_from, list(envelope.rcpt_tos), parsed, raw))
        return "250 OK"


class _Authenticator:
    def __init__(self, server: SmtpServer, user: str, password: str) -> None:
        self.server, self.user, self.password = server, user, password

    def __call__(
        self, _server: Any, _session: Any, _envelope: Any, mechanism: str, data: Any
    ) -> Any:
        if mechanism not in ("LOGIN", "PLAIN") or not isinstance(data, LoginPassword):
            return AuthResult(success=False, handled=False)
        user, password = data.login.decode("utf-8"), data.password.decode("utf-8")
        if (user, password) != (self.user, self.password):
            return AuthResult(success=False, handled=False)
        self.server.logins.append((user, password))
        return AuthResult(success=True)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _certificate(directory: Path) -> tuple[ssl.SSLContext, ssl.SSLContext]:
    """A self-signed certificate for 127.0.0.1: (server context, client context)."""
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "127.0.0.1")])
    now = datetime.datetime.now(datetime.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(minutes=5))
        .not_valid_after(now + datetime.timedelta(hours=1))
        .add_extension(
            x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]),
            critical=False,
        )
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    cert_file, key_file = directory / "cert.pem", directory / "key.pem"
    cert_file.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_file.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    server = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    server.load_cert_chain(cert_file, key_file)
    client = ssl.create_default_context(cafile=str(cert_file))
    return server, client


@contextmanager
def running_smtp_server(
    tls: Tls = "none", login: tuple[str, str] | None = None
) -> Iterator[SmtpServer]:
    """A started server on 127.0.0.1, stopped on leaving; ``login``: (user, password) it wants."""
    with tempfile.TemporaryDirectory() as tmp:
        server_context, client_context = _certificate(Path(tmp)) if tls != "none" else (None, None)
        server = SmtpServer("127.0.0.1", _free_port(), tls, client_context)
        kwargs: dict[str, Any] = {}
        if tls == "starttls":
            kwargs["tls_context"] = server_context
            kwargs["require_starttls"] = True
        elif tls == "implicit":
            kwargs["ssl_context"] = server_context
        if login is not None:
            kwargs["authenticator"] = _Authenticator(server, *login)
            # aiosmtpd sees TLS only when it came by STARTTLS (and warns when a login is
            # required without it): behind implicit TLS it offers AUTH without requiring
            # it, so tests check `logins` there.
            kwargs["auth_required"] = kwargs["auth_require_tls"] = tls == "starttls"
        controller = Controller(_Handler(server), hostname=server.host, port=server.port, **kwargs)
        controller.start()
        try:
            yield server
        finally:
            controller.stop()


@pytest.fixture
def smtp_server() -> Iterator[SmtpServer]:
    """A plain SMTP server on loopback that keeps what it receives."""
    with running_smtp_server() as server:
        yield server
