"""The deployment's master secret and the keys derived from it.

One 32-byte master secret per deployment, from ``$EVOTING_SECRET_KEY`` (base64url)
or the file ``secret.key`` in the instance directory (``$EVOTING_INSTANCE``, by
default ``./instance``), created by ``evote init`` with mode 0600. Nothing has a
default secret: without one, commands that need it stop with a clear message.

Each use gets its own key, HKDF-SHA256(master, info="EVOTING-V1-" + purpose):

* ``register-hmac``: keyed hashes of register numbers (the register stores no number);
* ``poll-card-code``: keyed hashes of poll-card codes;
* ``issuance-ticket``: signs the 10-minute issuance tickets (itsdangerous);
* ``seal:<election>:<purpose>``: seals the per-election keys stored in the database
  (the credential-signing RSA key, the board's Ed25519 key);
* ``client-address``: keyed hashes of client addresses for rate limiting.

Back the secret up: without it, the register cannot be matched to residents again.
"""

from __future__ import annotations

import hashlib
import hmac
import os
import secrets
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import nacl.exceptions
import nacl.secret
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from evoting.crypto.canonical import b64decode, b64encode
from evoting.crypto.errors import CanonicalEncodingError

SECRET_ENVIRONMENT_VARIABLE = "EVOTING_SECRET_KEY"  # noqa: S105 - a variable name
INSTANCE_ENVIRONMENT_VARIABLE = "EVOTING_INSTANCE"
SECRET_FILE = "secret.key"  # noqa: S105 - a file name


class DeploymentError(Exception):
    """No usable deployment secret."""


def instance_dir(path: Path | None = None) -> Path:
    return Path(path or os.environ.get(INSTANCE_ENVIRONMENT_VARIABLE) or "instance")


@dataclass(frozen=True, slots=True)
class DeploymentKeys:
    """Keys derived from the master secret; see the module docstring for each purpose."""

    master: bytes

    def __post_init__(self) -> None:
        if len(self.master) != 32:
            raise DeploymentError("the deployment secret is 32 bytes")

    def __repr__(self) -> str:
        return "DeploymentKeys(<secret>)"

    def key(self, purpose: str) -> bytes:
        return HKDF(
            algorithm=hashes.SHA256(),
            length=32,
            salt=None,
            info=f"EVOTING-V1-{purpose}".encode("ascii"),
        ).derive(self.master)

    def keyed_hash(self, purpose: str, data: bytes) -> str:
        """HMAC-SHA-256 under the purpose's key, as 64 hex digits."""
        return self.hasher(purpose)(data)

    def hasher(self, purpose: str) -> Callable[[bytes], str]:
        """`keyed_hash` for many inputs, deriving the key once."""
        key = self.key(purpose)
        return lambda data: hmac.new(key, data, hashlib.sha256).hexdigest()

    def seal(self, election_id: str, purpose: str, secret: bytes) -> bytes:
        """Encrypt a per-election secret for storage (XSalsa20-Poly1305, key ``seal:…``)."""
        return bytes(self._box(election_id, purpose).encrypt(secret))

    def unseal(self, election_id: str, purpose: str, sealed: bytes) -> bytes:
        try:
            return bytes(self._box(election_id, purpose).decrypt(sealed))
        except nacl.exceptions.CryptoError as exc:
            raise DeploymentError(
                f"the {purpose} key of {election_id} does not open with this deployment's secret"
            ) from exc

    def _box(self, election_id: str, purpose: str) -> nacl.secret.SecretBox:
        return nacl.secret.SecretBox(self.key(f"seal:{election_id}:{purpose}"))

    @classmethod
    def generate(cls) -> DeploymentKeys:
        return cls(secrets.token_bytes(32))

    @classmethod
    def load(cls, instance: Path | None = None) -> DeploymentKeys:
        """From $EVOTING_SECRET_KEY, else the instance directory's secret.key."""
        text = os.environ.get(SECRET_ENVIRONMENT_VARIABLE)
        source = f"${SECRET_ENVIRONMENT_VARIABLE}"
        if not text:
            path = instance_dir(instance) / SECRET_FILE
            source = str(path)
            try:
                text = path.read_text(encoding="ascii").strip()
            except FileNotFoundError as exc:
                raise DeploymentError(
                    f"no deployment secret: run `evote init` (creates {path}) "
                    f"or set ${SECRET_ENVIRONMENT_VARIABLE}"
                ) from exc
            except (OSError, UnicodeDecodeError) as exc:
                raise DeploymentError(f"cannot read {path}: {exc}") from exc
        try:
            return cls(b64decode(text))
        except (CanonicalEncodingError, DeploymentError) as exc:
            raise DeploymentError(f"{source} is not a base64url 32-byte secret") from exc

    def save(self, instance: Path | None = None) -> Path:
        """Write secret.key (mode 0600) into the instance directory; never overwrite."""
        directory = instance_dir(instance)
        directory.mkdir(parents=True, exist_ok=True, mode=0o700)
        path = directory / SECRET_FILE
        try:
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except FileExistsError as exc:
            raise DeploymentError(f"{path} already exists; it is never overwritten") from exc
        with os.fdopen(fd, "w", encoding="ascii") as f:
            f.write(b64encode(self.master) + "\n")
            f.flush()
            os.fsync(f.fileno())
        return path
