"""Secret keys at rest: encrypted under a passphrase, readable only by the owner.

File format (canonical JSON, docs/protocol.md, "Key files")::

    {"format": "EVOTING-V1-keyfile", "purpose": "...",
     "kdf": {"alg": "argon2id13", "opslimit": N, "memlimit": N, "salt": b64},
     "box": b64(SecretBox(key, canonical_json({"purpose": ..., "secret": b64})))}

The key is Argon2id(passphrase, salt) from libsodium; the box is XSalsa20-Poly1305
(PyNaCl's SecretBox, nonce included). The purpose is repeated inside the box, so a
file cannot be passed off as another kind of key. Files are created with mode 0600
and never overwritten.
"""

from __future__ import annotations

import os
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


def _derive(passphrase: str, salt: bytes, opslimit: int, memlimit: int) -> bytes:
    return nacl.pwhash.argon2id.kdf(
        nacl.secret.SecretBox.KEY_SIZE,
        passphrase.encode("utf-8"),
        salt,
        opslimit=opslimit,
        memlimit=memlimit,
    )


def write_key_file(
    path: Path, purpose: str, secret: bytes, passphrase: str, strength: Strength = "moderate"
) -> None:
    """Encrypt ``secret`` under ``passphrase`` into a new file with mode 0600."""
    if len(passphrase) < 8:
        raise KeyFileError("the passphrase must have at least 8 characters")
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
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError as exc:
        raise KeyFileError(f"{path} already exists; a key file is never overwritten") from exc
    with os.fdopen(fd, "wb") as f:
        f.write(document)
        f.flush()
        os.fsync(f.fileno())


def read_key_file(path: Path, purpose: str, passphrase: str) -> bytes:
    """The secret in ``path``; `WrongPassphrase` if the passphrase does not open it."""
    try:
        raw = Path(path).read_bytes()
    except OSError as exc:
        raise KeyFileError(f"cannot read {path}: {exc.strerror}") from exc
    try:
        doc = parse_canonical(raw)
        if not isinstance(doc, dict) or doc.get("format") != FORMAT:
            raise KeyFileError(f"{path} is not an evoting key file")
        if doc.get("purpose") != purpose:
            raise KeyFileError(f"{path} holds a {doc.get('purpose')!r} key, not a {purpose!r} key")
        kdf = doc["kdf"]
        opslimit, memlimit = kdf["opslimit"], kdf["memlimit"]
        if kdf["alg"] != "argon2id13" or not (
            isinstance(opslimit, int) and isinstance(memlimit, int)
        ):
            raise KeyFileError(f"{path}: unknown key derivation")
        if opslimit > _MAX_OPSLIMIT or memlimit > _MAX_MEMLIMIT:
            raise KeyFileError(f"{path}: key derivation limits are out of range")
        salt, sealed = b64decode(kdf["salt"]), b64decode(doc["box"])
        if len(salt) != nacl.pwhash.argon2id.SALTBYTES:
            raise KeyFileError(f"{path}: the salt has the wrong length")
    except (KeyError, TypeError, CanonicalEncodingError) as exc:
        raise KeyFileError(f"{path} is damaged: {exc}") from exc
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
