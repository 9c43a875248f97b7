"""Sending the platform's e-mail (account confirmation, password reset) over SMTP, or
into an outbox directory (demos and development).

The server is named by one URL:

==============================================  =========================================
``smtp://host[:port]``                          plain SMTP (port 25), e.g. a local relay
``smtp://user:password@host:587?starttls=1``    STARTTLS, then log in (submission)
``smtps://user:password@host[:port]``           TLS from the first byte (port 465)
``file:///absolute/directory``                  no server: each message becomes a file
                                                in that directory (the outbox)
==============================================  =========================================

**The outbox** (``file:``, for `evote demo --platform` and development, so that a
machine without a mail server can still register accounts and a person can open the
confirmation link): each message is written as one RFC 5322 file,
``<UTC time>-<random>.eml`` (names sort by time and never collide), mode 0600 (it
holds one-time links), atomically (written under a hidden temporary name, then
linked into place: a reader never sees half a message). Any mail program opens it;
its body is 8-bit UTF-8 rather than quoted-printable, so a text editor shows each
link whole. The path is absolute (``file:///…`` or ``file://localhost/…``,
percent-encoded as `pathlib.Path.as_uri` writes it) and the directory must exist:
a relative or missing path is refused when the mailer is made, not at the first mail.

User and password are percent-decoded (write ``@`` in a password as ``%40``) and
ASCII (smtplib sends them so). A
login is refused without TLS unless the server is on the loopback interface, so a
password never crosses a network in the clear. TLS checks the server's certificate
against the system's trusted roots, or an ``ssl.SSLContext`` the caller passes.

This module only sends: the texts (nl, fr, en) are composed by the web layer.
Messages are plain text in UTF-8 (quoted-printable, so 7-bit safe), with
``Auto-Submitted: auto-generated`` (RFC 3834: no out-of-office replies). A subject
or an address with a line break or another control character is refused (no
header injection), and the password appears in no repr, message or log.
"""

from __future__ import annotations

import datetime
import email.policy
import email.utils
import ipaddress
import os
import re
import secrets
import smtplib
import ssl
import tempfile
import unicodedata
from dataclasses import dataclass, field
from email.headerregistry import Address
from email.message import EmailMessage
from pathlib import Path
from urllib.parse import SplitResult, parse_qsl, unquote, urlsplit

DEFAULT_TIMEOUT = 10.0  # seconds, for connecting and for each reply
DEFAULT_PORTS = {"smtp": 25, "smtps": 465}
MAX_SUBJECT = 200
MAX_TEXT = 100_000
_ATEXT = r"[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+"
_LABEL = r"[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?"
ADDRESS = re.compile(
    rf"(?=.{{3,254}}\Z)(?=[^@]{{1,64}}@){_ATEXT}(?:\.{_ATEXT})*@(?:{_LABEL}\.)+{_LABEL}\Z"
)
"""An e-mail address in ASCII: a dot-atom local part (at most 64 characters), then
a domain name of at least two labels; 254 characters in all (RFC 5321). Quoted local
parts and address literals are refused: nobody registers with them."""
OUTBOX_SCHEME = "file"
_MAX_LINE = 998  # RFC 5322: octets in a line, without its CRLF
_TRUE = ("1", "true", "yes", "on")
_FALSE = ("0", "false", "no", "off")


class MailError(Exception):
    """The mail cannot be configured or sent as asked; says why (never the password)."""


def is_address(address: str) -> bool:
    """Whether ``address`` is a plain ASCII e-mail address (`ADDRESS`)."""
    return ADDRESS.match(address) is not None


def _no_controls(value: str, what: str) -> None:
    bad = next((c for c in value if unicodedata.category(c) in ("Cc", "Cf", "Zl", "Zp")), None)
    if bad is not None:
        raise MailError(f"the {what} contains a control character (U+{ord(bad):04X})")


def _address(address: str, what: str) -> str:
    _no_controls(address, what)
    if not is_address(address):
        raise MailError(f"the {what} is not an e-mail address: {address[:254]!r}")
    return address


def _loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def _outbox(parts: SplitResult) -> Path:
    """The absolute, existing directory a ``file:`` URL names."""
    if parts.netloc not in ("", "localhost"):
        raise MailError(
            "the outbox URL is file:///absolute/directory (three slashes): "
            f"{parts.netloc!r} would be a host, and a relative path is refused"
        )
    if parts.query or parts.fragment:
        raise MailError("the outbox URL has no query or fragment: file:///absolute/directory")
    path = unquote(parts.path)
    if not path:
        raise MailError("the outbox URL names no directory: file:///absolute/directory")
    if "\x00" in path:
        raise MailError("the outbox URL's path contains a NUL")
    directory = Path(path)
    if not directory.is_absolute():
        raise MailError(f"the outbox directory must be an absolute path, not {path!r}")
    if not directory.is_dir():
        raise MailError(f"the outbox directory {path} does not exist (make it first)")
    if not os.access(directory, os.W_OK | os.X_OK):
        raise MailError(f"the outbox directory {path} is not writable")
    return directory


@dataclass(frozen=True, slots=True)
class Mailer:
    """Sends plain-text mail through one SMTP server, or into an outbox directory
    (``outbox``); build it with `from_url`."""

    host: str
    port: int
    sender: str
    sender_name: str | None = None
    implicit_tls: bool = False
    starttls: bool = False
    user: str | None = None
    password: str | None = field(default=None, repr=False)
    timeout: float = DEFAULT_TIMEOUT
    ssl_context: ssl.SSLContext | None = field(default=None, repr=False, compare=False)
    outbox: Path | None = None  # file:///dir: write each message there, no SMTP

    @classmethod
    def from_url(
        cls,
        url: str,
        sender: str,
        *,
        sender_name: str | None = None,
        timeout: float = DEFAULT_TIMEOUT,
        ssl_context: ssl.SSLContext | None = None,
    ) -> Mailer:
        """The mailer for ``url`` (see the module docstring), sending from ``sender``
        (an address), shown as ``sender_name`` if given (e.g. "Stad Kortrijk").

        Raises `MailError` naming what is wrong with the URL, never repeating its password.
        """
        _no_controls(url, "mail server URL")
        try:
            parts = urlsplit(url)
            port = parts.port
            query = parse_qsl(parts.query, keep_blank_values=True, strict_parsing=bool(parts.query))
        except ValueError as exc:
            raise MailError(f"the mail server URL is malformed ({exc})") from None
        if parts.scheme == OUTBOX_SCHEME:
            return cls._checked(sender, sender_name, timeout, ssl_context, outbox=_outbox(parts))
        if parts.scheme not in DEFAULT_PORTS:
            raise MailError("the mail server URL starts with smtp:// or smtps:// "
                            "(or file:///directory: an outbox)")  # fmt: skip
        if not parts.hostname:
            raise MailError("the mail server URL names no host")
        if parts.path not in ("", "/") or parts.fragment:
            raise MailError("the mail server URL has no path or fragment: smtp://host:port")
        starttls = False
        for name, value in query:
            if name != "starttls":
                raise MailError(f"unknown option {name!r} in the mail server URL (only starttls)")
            if value.lower() not in _TRUE + _FALSE:
                raise MailError("starttls in the mail server URL is 1 or 0")
            starttls = value.lower() in _TRUE
        if starttls and parts.scheme == "smtps":
            raise MailError("smtps:// is TLS already: starttls applies to smtp:// only")
        user = unquote(parts.username) if parts.username else None
        password = unquote(parts.password) if parts.password is not None else None
        if (user is None) != (password is None):
            raise MailError("the mail server URL gives a user and a password, or neither")
        if not (user or "").isascii() or not (password or "").isascii():
            raise MailError("the mail server's user and password are ASCII (as smtplib sends them)")
        tls = parts.scheme == "smtps" or starttls
        if user is not None and not tls and not _loopback(parts.hostname):
            raise MailError(
                "a login over plain SMTP would send the password in the clear: "
                "use smtps:// or ?starttls=1"
            )
        return cls._checked(
            sender,
            sender_name,
            timeout,
            ssl_context,
            host=parts.hostname,
            port=port or DEFAULT_PORTS[parts.scheme],
            implicit_tls=parts.scheme == "smtps",
            starttls=starttls,
            user=user,
            password=password,
        )

    @classmethod
    def _checked(
        cls,
        sender: str,
        sender_name: str | None,
        timeout: float,
        ssl_context: ssl.SSLContext | None,
        *,
        host: str = "",
        port: int = 0,
        implicit_tls: bool = False,
        starttls: bool = False,
        user: str | None = None,
        password: str | None = None,
        outbox: Path | None = None,
    ) -> Mailer:
        """The mailer, once the options every URL shares are checked."""
        if not 0 < timeout <= 600:
            raise MailError("the mail timeout is between 0 and 600 seconds")
        if sender_name is not None:
            _no_controls(sender_name, "sender name")
            if not sender_name.strip() or len(sender_name) > 80:
                raise MailError("a sender name has 1 to 80 characters")
        return cls(
            host=host,
            port=port,
            sender=_address(sender, "sender address"),
            sender_name=sender_name,
            implicit_tls=implicit_tls,
            starttls=starttls,
            user=user,
            password=password,
            timeout=timeout,
            ssl_context=ssl_context,
            outbox=outbox,
        )

    def __str__(self) -> str:
        if self.outbox is not None:
            return self.outbox.as_uri()
        scheme = "smtps" if self.implicit_tls else "smtp"
        login = f"{self.user}@" if self.user else ""
        option = "?starttls=1" if self.starttls else ""
        return f"{scheme}://{login}{self.host}:{self.port}{option}"

    def message(self, to: str, subject: str, text: str) -> EmailMessage:
        """The message `send` would send (for tests and previews); for an outbox, the
        body is 8-bit rather than quoted-printable (see the module docstring)."""
        _address(to, "recipient address")
        _no_controls(subject, "subject")
        if not subject.strip() or len(subject) > MAX_SUBJECT:
            raise MailError(f"a subject has 1 to {MAX_SUBJECT} characters")
        if len(text) > MAX_TEXT:
            raise MailError(f"a message has at most {MAX_TEXT} characters")
        msg = EmailMessage(policy=email.policy.default)  # smtplib sends it with CRLF
        msg["From"] = Address(display_name=self.sender_name or "", addr_spec=self.sender)
        msg["To"] = to
        msg["Subject"] = subject
        msg["Date"] = email.utils.formatdate(localtime=False, usegmt=True)
        msg["Message-ID"] = email.utils.make_msgid(domain=self.sender.rpartition("@")[2])
        msg["Auto-Submitted"] = "auto-generated"
        readable = self.outbox is not None and all(
            len(line.encode("utf-8")) <= _MAX_LINE for line in text.splitlines()
        )
        msg.set_content(text, charset="utf-8", cte="8bit" if readable else "quoted-printable")
        return msg

    def send(self, to: str, subject: str, text: str) -> None:
        """Send ``text`` (plain text) to ``to``; raises `MailError` if the server refuses
        (or, for an outbox, if the file cannot be written)."""
        msg = self.message(to, subject, text)
        if self.outbox is not None:
            self._write(self.outbox, msg)
            return
        context = self.ssl_context or ssl.create_default_context()
        try:
            client: smtplib.SMTP
            if self.implicit_tls:
                client = smtplib.SMTP_SSL(
                    self.host, self.port, timeout=self.timeout, context=context
                )
            else:
                client = smtplib.SMTP(self.host, self.port, timeout=self.timeout)
            with client:
                if self.starttls:
                    client.starttls(context=context)
                if self.user is not None and self.password is not None:
                    client.login(self.user, self.password)
                client.send_message(msg, from_addr=self.sender, to_addrs=[to])
        except smtplib.SMTPAuthenticationError:
            raise MailError(f"the mail server {self} refused the login") from None
        except smtplib.SMTPRecipientsRefused:
            raise MailError(f"the mail server {self} refused the recipient") from None
        except (smtplib.SMTPException, OSError) as exc:
            raise MailError(
                f"cannot send mail through {self}: {type(exc).__name__}: {exc}"
            ) from exc

    def _write(self, directory: Path, msg: EmailMessage) -> Path:
        """``msg`` as a new ``.eml`` file in ``directory`` (0600, atomic, a name of its own)."""
        data = msg.as_bytes(policy=email.policy.SMTP)  # RFC 5322: CRLF line ends
        try:
            fd, temporary = tempfile.mkstemp(prefix=".mail-", suffix=".tmp", dir=directory)
        except OSError as exc:
            raise MailError(f"cannot write mail to the outbox {self}: {exc}") from exc
        try:
            with os.fdopen(fd, "wb") as f:  # mkstemp: mode 0600
                f.write(data)
                f.flush()
                os.fsync(f.fileno())
            stamp = datetime.datetime.now(datetime.UTC).strftime("%Y%m%dT%H%M%S.%fZ")
            while True:
                path = directory / f"{stamp}-{secrets.token_hex(8)}.eml"
                try:
                    os.link(temporary, path)  # never replaces a message already there
                except FileExistsError:
                    continue
                return path
        except OSError as exc:
            raise MailError(f"cannot write mail to the outbox {self}: {exc}") from exc
        finally:
            Path(temporary).unlink(missing_ok=True)
