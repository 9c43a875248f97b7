"""participation.mail against a real SMTP server (aiosmtpd on loopback)."""

from __future__ import annotations

import email
import email.policy
import os
import re
import smtplib
import ssl
import stat
from collections.abc import Iterator
from email.message import EmailMessage
from pathlib import Path

import pytest

from participation.mail import Mailer, MailError, is_address
from tests.support.smtp import SmtpServer, running_smtp_server

SENDER = "noreply@participatie.kortrijk.be"


@pytest.fixture
def smtp_server() -> Iterator[SmtpServer]:
    with running_smtp_server() as server:
        yield server


def test_a_utf8_message_arrives_with_its_headers(smtp_server: SmtpServer) -> None:
    mailer = Mailer.from_url(smtp_server.url, SENDER, sender_name="Ville de Liège")
    text = "Bonjour Zoë,\n\nConfirmez votre adresse : https://example.be/c/abc\n\nÉté\n"
    mailer.send("zoe@example.be", "Confirmez votre adresse — café", text)
    (got,) = smtp_server.wait_for(1)
    assert got.mail_from == SENDER
    assert got.recipients == ["zoe@example.be"]
    msg = got.message
    assert msg["Subject"] == "Confirmez votre adresse — café"
    assert msg["To"] == "zoe@example.be"
    assert msg["From"].addresses[0].display_name == "Ville de Liège"
    assert msg["From"].addresses[0].addr_spec == SENDER
    assert msg["Auto-Submitted"] == "auto-generated"
    assert msg["Message-ID"].endswith("@participatie.kortrijk.be>")
    assert msg["Date"] is not None
    assert msg.get_content_type() == "text/plain"
    assert msg.get_content_charset() == "utf-8"
    assert msg.get_content().replace("\r\n", "\n") == text  # CRLF on the wire
    assert got.raw.isascii()  # quoted-printable and RFC 2047: 7-bit safe on any relay


@pytest.mark.parametrize("tls", ["starttls", "implicit"])
def test_tls_and_login(tls: str) -> None:
    with running_smtp_server(tls, login=("mailer", "p@ss:word/1")) as server:  # type: ignore[arg-type]
        url = server.url.replace("://", "://mailer:p%40ss%3Aword%2F1@")
        mailer = Mailer.from_url(url, SENDER, ssl_context=server.client_context)
        mailer.send("an@example.be", "Wachtwoord", "Ëén link.\n")
        (got,) = server.wait_for(1)
    assert server.logins == [("mailer", "p@ss:word/1")]
    assert got.message.get_content() == "Ëén link.\r\n"


def test_tls_checks_the_certificate() -> None:
    with running_smtp_server("implicit") as server:
        mailer = Mailer.from_url(server.url, SENDER)  # the system's roots: self-signed fails
        with pytest.raises(MailError, match="SSLCertVerificationError"):
            mailer.send("an@example.be", "Test", "text")
    assert server.received == []


def test_a_wrong_password_is_a_clear_error_without_the_password() -> None:
    with running_smtp_server("starttls", login=("mailer", "right")) as server:
        url = server.url.replace("://", "://mailer:s3cret-wrong@")
        mailer = Mailer.from_url(url, SENDER, ssl_context=server.client_context)
        with pytest.raises(MailError, match="refused the login") as caught:
            mailer.send("an@example.be", "Test", "text")
    assert "s3cret-wrong" not in str(caught.value)
    assert "s3cret-wrong" not in repr(mailer)
    assert "s3cret-wrong" not in str(mailer)


def test_an_unreachable_server_is_a_mail_error() -> None:
    with running_smtp_server() as server:
        url = server.url
    mailer = Mailer.from_url(url, SENDER, timeout=2)
    with pytest.raises(MailError, match=r"cannot send mail through smtp://127\.0\.0\.1"):
        mailer.send("an@example.be", "Test", "text")


@pytest.mark.parametrize(
    ("subject", "to"),
    [
        ("Hello\r\nBcc: victim@example.org", "an@example.be"),
        ("Hello\nBcc: victim@example.org", "an@example.be"),
        ("Hello\rX: y", "an@example.be"),
        ("Hello\u2028X: y", "an@example.be"),
        ("Hello", "an@example.be\r\nBcc: victim@example.org"),
        ("Hello", "an@example.be, victim@example.org"),
        ("Hello", "An <an@example.be>"),
        ("", "an@example.be"),
        ("x" * 201, "an@example.be"),
    ],
)
def test_header_injection_is_refused(smtp_server: SmtpServer, subject: str, to: str) -> None:
    mailer = Mailer.from_url(smtp_server.url, SENDER)
    with pytest.raises(MailError):
        mailer.send(to, subject, "text")
    assert smtp_server.received == []


@pytest.mark.parametrize(
    "sender", ["noreply@example.be\r\nBcc: x@example.org", "not an address", "a@b"]
)
def test_a_bad_sender_is_refused(sender: str) -> None:
    with pytest.raises(MailError, match="sender address"):
        Mailer.from_url("smtp://127.0.0.1", sender)


def test_a_bad_sender_name_is_refused() -> None:
    with pytest.raises(MailError, match="control character"):
        Mailer.from_url("smtp://127.0.0.1", SENDER, sender_name="City\r\nBcc: x@example.org")


@pytest.mark.parametrize(
    ("url", "message"),
    [
        ("", "starts with smtp:// or smtps://"),
        ("mail.example.be:25", "starts with smtp:// or smtps://"),
        ("https://mail.example.be", "starts with smtp:// or smtps://"),
        ("smtp://", "names no host"),
        ("smtp://mail.example.be:port", "malformed"),
        ("smtp://mail.example.be:70000", "malformed"),
        ("smtp://mail.example.be/inbox", "no path"),
        ("smtp://mail.example.be?tls=1", "unknown option 'tls'"),
        ("smtp://mail.example.be?starttls=maybe", "starttls in the mail server URL is 1 or 0"),
        ("smtps://mail.example.be?starttls=1", "TLS already"),
        ("smtp://user@mail.example.be:587?starttls=1", "a user and a password, or neither"),
        ("smtp://user:hunter2@mail.example.be:587", "in the clear"),
        ("smtps://user:hunter2%C3%A9@mail.example.be", "are ASCII"),
        ("smtp://mail.example.be\r\n:25", "control character"),
    ],
)
def test_bad_urls_are_explained(url: str, message: str) -> None:
    with pytest.raises(MailError, match=message) as caught:
        Mailer.from_url(url, SENDER)
    assert "hunter2" not in str(caught.value)


def test_url_forms() -> None:
    plain = Mailer.from_url("smtp://relay.example.be", SENDER)
    assert (plain.host, plain.port, plain.starttls, plain.implicit_tls) == (
        "relay.example.be", 25, False, False,
    )  # fmt: skip
    submission = Mailer.from_url("smtp://u:p%40w@relay.example.be:587?starttls=1", SENDER)
    assert (submission.port, submission.starttls, submission.user, submission.password) == (
        587, True, "u", "p@w",
    )  # fmt: skip
    implicit = Mailer.from_url("smtps://u:pw@relay.example.be", SENDER)
    assert (implicit.port, implicit.implicit_tls) == (465, True)
    local = Mailer.from_url("smtp://u:pw@127.0.0.1:2525", SENDER)  # loopback: no TLS needed
    assert "pw" not in repr(local)
    assert str(local) == "smtp://u@127.0.0.1:2525"


def test_address_syntax() -> None:
    assert is_address("jan.peeters+ideeen@stad.kortrijk.be")
    for bad in ("jan", "jan@be", "jan@@stad.be", ".jan@stad.be", "jan.@stad.be", "jan..p@stad.be",
                "jan@-stad.be", "jan@stad..be", "jan @stad.be", "jän@stad.be",
                "j" * 65 + "@stad.be", "j@" + "s" * 250 + ".be"):  # fmt: skip
        assert not is_address(bad), bad


def test_smtplib_is_not_left_open_on_refusal(smtp_server: SmtpServer) -> None:
    # A refused message never opens a connection: nothing half-sent on the server.
    mailer = Mailer.from_url(smtp_server.url, SENDER)
    with pytest.raises(MailError):
        mailer.send("bad address", "Subject", "text")
    with smtplib.SMTP(smtp_server.host, smtp_server.port, timeout=5) as client:
        assert client.noop()[0] == 250
    assert not isinstance(mailer.ssl_context, ssl.SSLContext)


# --- the outbox (file:///dir): demos and development, no mail server -------------------


def _outbox_files(directory: Path) -> list[Path]:
    return sorted(directory.iterdir())


def test_the_outbox_writes_each_message_as_an_eml_file(tmp_path: Path) -> None:
    outbox = tmp_path / "out box"  # a space: percent-encoded in the URL
    outbox.mkdir()
    url = outbox.as_uri()
    assert "%20" in url
    mailer = Mailer.from_url(url, SENDER, sender_name="Stad Poperinge")
    assert str(mailer) == url
    link = "http://localhost:8000/account/confirm/" + "a" * 43  # longer than 76 characters
    text = f"Hallo Zoë,\n\nBevestig uw adres:\n{link}\n"
    mailer.send("zoe@example.be", "Bevestig uw e-mailadres — café", text)
    mailer.send("an@example.be", "Tweede", "Twee.\n")
    files = _outbox_files(outbox)
    assert len(files) == 2
    assert all(re.fullmatch(r"\d{8}T\d{6}\.\d{6}Z-[0-9a-f]{16}\.eml", f.name) for f in files)
    assert all(stat.S_IMODE(f.stat().st_mode) == 0o600 for f in files)
    raw = files[0].read_bytes()
    assert b"\r\n" in raw  # RFC 5322: CRLF line ends
    assert raw.count(b"\n") == raw.count(b"\r\n")
    msg = email.message_from_bytes(raw, policy=email.policy.default)
    assert isinstance(msg, EmailMessage)
    assert msg["Subject"] == "Bevestig uw e-mailadres — café"
    assert msg["To"] == "zoe@example.be"
    assert msg["From"].addresses[0].display_name == "Stad Poperinge"
    assert msg["Auto-Submitted"] == "auto-generated"
    assert msg["Content-Transfer-Encoding"] == "8bit"
    assert msg.get_content().replace("\r\n", "\n") == text
    assert link.encode() in raw  # a text editor shows the link whole
    second = email.message_from_bytes(files[1].read_bytes(), policy=email.policy.default)
    assert second["Subject"] == "Tweede"  # the names sort in the order sent


def test_the_outbox_leaves_no_temporary_file_and_refuses_what_smtp_refuses(
    tmp_path: Path,
) -> None:
    mailer = Mailer.from_url(f"file://localhost{tmp_path}", SENDER)
    assert mailer.outbox == tmp_path
    with pytest.raises(MailError):
        mailer.send("an@example.be", "Hello\r\nBcc: victim@example.org", "text")
    assert list(tmp_path.iterdir()) == []
    mailer.send("an@example.be", "Lang", "x" * 2_000 + "\n")  # over 998: quoted-printable
    (only,) = _outbox_files(tmp_path)
    msg = email.message_from_bytes(only.read_bytes(), policy=email.policy.default)
    assert msg["Content-Transfer-Encoding"] == "quoted-printable"
    assert msg.get_content().rstrip() == "x" * 2_000


def test_a_vanished_outbox_is_a_mail_error(tmp_path: Path) -> None:
    outbox = tmp_path / "outbox"
    outbox.mkdir()
    mailer = Mailer.from_url(outbox.as_uri(), SENDER)
    outbox.rmdir()
    with pytest.raises(MailError, match="cannot write mail to the outbox file://"):
        mailer.send("an@example.be", "Test", "text")


@pytest.mark.parametrize(
    ("url", "message"),
    [
        ("file:outbox", "must be an absolute path, not 'outbox'"),
        ("file:./outbox", "must be an absolute path"),
        ("file://outbox/mail", "three slashes"),
        ("file://", "names no directory"),
        ("file:///", None),  # the root exists: refused only if not writable
        ("file:///tmp/evote-no-such-outbox-dir", "does not exist"),
        ("file:///tmp?x=1", "no query or fragment"),
        ("file:///tmp#top", "no query or fragment"),
        ("file:///tmp%00/x", "NUL"),
    ],
)
def test_bad_outbox_urls_are_explained(url: str, message: str | None) -> None:
    if message is None:
        if os.access("/", os.W_OK):
            Mailer.from_url(url, SENDER)
            return
        message = "not writable"
    with pytest.raises(MailError, match=re.escape(message)):
        Mailer.from_url(url, SENDER)


def test_an_outbox_that_is_a_file_is_refused(tmp_path: Path) -> None:
    plain_file = tmp_path / "mail.txt"
    plain_file.write_text("x")
    with pytest.raises(MailError, match="does not exist"):
        Mailer.from_url(plain_file.as_uri(), SENDER)


@pytest.mark.skipif(os.geteuid() == 0, reason="root writes anywhere")
def test_an_unwritable_outbox_is_refused(tmp_path: Path) -> None:
    locked = tmp_path / "locked"
    locked.mkdir(mode=0o500)
    with pytest.raises(MailError, match="not writable"):
        Mailer.from_url(locked.as_uri(), SENDER)
