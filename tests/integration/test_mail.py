"""participation.mail against a real SMTP server (aiosmtpd on loopback)."""

from __future__ import annotations

import smtplib
import ssl
from collections.abc import Iterator

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
