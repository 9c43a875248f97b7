"""Secret keys at rest: encrypted under a passphrase, readable only by the owner.

File format (canonical JSON, docs/protocol.md, "Key files")::

    {"format": "EVOTING-V1-keyfile", "purpose": "...",
     "kdf": {"alg": "argon2id13", "opslimit": N, "memlimit": N, "salt": b64},
     "box": b64(SecretBox(key, canonical_json({"purpose": ..., "secret": b64})))}

The key is Argon2id(passphrase, salt) from libsodium; the box is XSalsa20-Poly1305
(PyNaCl's SecretBox, nonce included). The purpose is repeated inside the box, so a
file cannot be passed off as another kind of key. Files are created with mode 0600,
appear whole or not at all, and are never overwritten; a file that others can read
is refused (as ssh refuses such keys).
"""

from __future__ import annotations

import os
import stat
import tempfile
from pathlib import Path
from typing import Final, Literal

import nacl.exceptions
import nacl.pwhash
import nacl.secret
import nacl.utils

from .canonical import b64decode, canonical_json, parse_canonical
from .errors import CanonicalEncodingError, KeyFileError, WrongPassphrase

FORMAT: Final = "EVOTING-V1-keyfile"
Strength = Literal["interactive", "moderate", "sensitive"]
_LIMITS: Final = {
    "interactive": (
        nacl.pwhash.argon2id.OPSLIMIT_INTERACTIVE,
        nacl.pwhash.argon2id.MEMLIMIT_INTERACTIVE,
    ),
    "moderate": (nacl.pwhash.argon2id.OPSLIMIT_MODERATE, nacl.pwhash.argon2id.MEMLIMIT_MODERATE),
    "sensitive": (
        nacl.pwhash.argon2id.OPSLIMIT_SENSITIVE,
        nacl.pwhash.argon2id.MEMLIMIT_SENSITIVE,
    ),
}
_MAX_OPSLIMIT: Final = nacl.pwhash.argon2id.OPSLIMIT_SENSITIVE
_MAX_MEMLIMIT: Final = nacl.pwhash.argon2id.MEMLIMIT_SENSITIVE


_MIN_OPSLIMIT: Final = nacl.pwhash.argon2id.OPSLIMIT_MIN
_MIN_MEMLIMIT: Final = nacl.pwhash.argon2id.MEMLIMIT_MIN
_FIELDS: Final = {"format", "purpose", "kdf", "box"}
_KDF_FIELDS: Final = {"alg", "opslimit", "memlimit", "salt"}


def _passphrase_bytes(passphrase: str) -> bytes:
    try:
        return passphrase.encode("utf-8")
    except UnicodeEncodeError as exc:
        raise KeyFileError("the passphrase is not valid text") from exc


def _derive(passphrase: str, salt: bytes, opslimit: int, memlimit: int) -> bytes:
    return nacl.pwhash.argon2id.kdf(
        nacl.secret.SecretBox.KEY_SIZE,
        _passphrase_bytes(passphrase),
        salt,
        opslimit=opslimit,
        memlimit=memlimit,
    )


def write_key_file(
    path: Path, purpose: str, secret: bytes, passphrase: str, strength: Strength = "moderate"
) -> None:
    """Encrypt ``secret`` under ``passphrase`` into a new file with mode 0600.

    The file appears whole or not at all: it is written and synced under a
    temporary name, then linked to ``path`` (which fails if ``path`` exists).
    """
    path = Path(path)
    if len(passphrase) < 8:  # a floor, not a policy; the CLI asks for more
        raise KeyFileError("the passphrase must have at least 8 characters")
    if path.exists():
        raise KeyFileError(f"{path} already exists; a key file is never overwritten")
    opslimit, memlimit = _LIMITS[strength]
    salt = nacl.utils.random(nacl.pwhash.argon2id.SALTBYTES)
    box = nacl.secret.SecretBox(_derive(passphrase, salt, opslimit, memlimit))
    sealed = box.encrypt(canonical_json({"purpose": purpose, "secret": secret}))
    document = canonical_json(
        {
            "format": FORMAT,
            "purpose": purpose,
            "kdf": {
                "alg": "argon2id13",
                "opslimit": opslimit,
                "memlimit": memlimit,
                "salt": salt,
            },
            "box": bytes(sealed),
        }
    )
    try:
        fd, temporary = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)  # mode 0600
        try:
            with os.fdopen(fd, "wb") as f:
                f.write(document)
                f.flush()
                os.fsync(f.fileno())
            os.link(temporary, path)
        finally:
            os.unlink(temporary)
        directory = os.open(path.parent, os.O_RDONLY)
        try:
            os.fsync(directory)
        finally:
            os.close(directory)
    except FileExistsError as exc:
        raise KeyFileError(f"{path} already exists; a key file is never overwritten") from exc
    except OSError as exc:
        raise KeyFileError(f"cannot write {path}: {exc.strerror}") from exc


def _read_private(path: Path) -> bytes:
    try:
        with open(path, "rb") as f:
            mode = os.fstat(f.fileno()).st_mode
            if mode & 0o077:
                raise KeyFileError(
                    f"{path} is open to other users (mode {stat.S_IMODE(mode):04o}); "
                    f"run: chmod 600 {path}"
                )
            return f.read()
    except OSError as exc:
        raise KeyFileError(f"cannot read {path}: {exc.strerror}") from exc


def _limit(value: object, low: int, high: int) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
        raise KeyFileError("key derivation limits are out of range")
    return value


def _parse_header(raw: bytes, purpose: str) -> tuple[int, int, bytes, bytes]:
    """(opslimit, memlimit, salt, sealed box) of a key file, or `KeyFileError`."""
    try:
        doc = parse_canonical(raw)
    except CanonicalEncodingError as exc:
        raise KeyFileError(f"not an evoting key file ({exc})") from exc
    if not isinstance(doc, dict) or doc.get("format") != FORMAT:
        raise KeyFileError("not an evoting key file")
    if doc.get("purpose") != purpose:
        raise KeyFileError(f"holds a {doc.get('purpose')!r} key, not a {purpose!r} key")
    kdf = doc.get("kdf")
    if set(doc) != _FIELDS or not isinstance(kdf, dict) or set(kdf) != _KDF_FIELDS:
        raise KeyFileError("unexpected or missing fields")
    if kdf["alg"] != "argon2id13":
        raise KeyFileError(f"unknown key derivation {kdf['alg']!r}")
    opslimit = _limit(kdf["opslimit"], _MIN_OPSLIMIT, _MAX_OPSLIMIT)
    memlimit = _limit(kdf["memlimit"], _MIN_MEMLIMIT, _MAX_MEMLIMIT)
    try:
        salt, sealed = b64decode(kdf["salt"]), b64decode(doc["box"])
    except CanonicalEncodingError as exc:
        raise KeyFileError(f"damaged ({exc})") from exc
    if len(salt) != nacl.pwhash.argon2id.SALTBYTES:
        raise KeyFileError("the salt has the wrong length")
    return opslimit, memlimit, salt, sealed


def read_key_file(path: Path, purpose: str, passphrase: str) -> bytes:
    """The secret in ``path``; `WrongPassphrase` if the passphrase does not open it."""
    raw = _read_private(Path(path))
    try:
        opslimit, memlimit, salt, sealed = _parse_header(raw, purpose)
    except KeyFileError as exc:
        raise KeyFileError(f"{path}: {exc}") from exc
    try:
        key = _derive(passphrase, salt, opslimit, memlimit)
        inner = parse_canonical(nacl.secret.SecretBox(key).decrypt(sealed))
    except (nacl.exceptions.CryptoError, CanonicalEncodingError) as exc:
        raise WrongPassphrase(f"wrong passphrase for {path} (or the file was altered)") from exc
    if not isinstance(inner, dict) or inner.get("purpose") != purpose:
        raise KeyFileError(f"{path}: the sealed purpose does not match")
    try:
        return b64decode(inner["secret"])
    except (KeyError, CanonicalEncodingError) as exc:
        raise KeyFileError(f"{path}: the sealed secret is malformed") from exc
