"""Every error the cryptographic kernel raises.

A check either returns normally or raises one of these; no verification in the
kernel answers ``False``. The web app and the CLI turn them into messages.
"""

from __future__ import annotations


class CryptoError(Exception):
    """Base class of every error raised by `evoting.crypto`."""


class InvalidEncoding(CryptoError):
    """Bytes that do not encode a valid group element, scalar or message field."""


class InvalidProof(CryptoError):
    """A zero-knowledge proof that does not verify for the statement it claims."""


class InvalidSignature(CryptoError):
    """An Ed25519 signature that does not verify for the key, purpose and payload."""


class DecryptionError(CryptoError):
    """A decryption whose result is not a small value in the expected range."""


class ShareVerificationError(CryptoError):
    """A key-ceremony share that does not match its dealer's public commitments.

    ``dealer`` is the trustee who sent it and ``recipient`` the one who received
    it: the complaint names the dealer.
    """

    def __init__(self, dealer: int, recipient: int, reason: str) -> None:
        super().__init__(f"trustee {dealer}'s share for trustee {recipient} {reason}")
        self.dealer = dealer
        self.recipient = recipient


class NotEnoughShares(CryptoError):
    """Fewer distinct trustees' partial decryptions than the threshold k."""


class CanonicalEncodingError(CryptoError):
    """A value that has no canonical JSON form, or JSON text that is not canonical."""


class KeyFileError(CryptoError):
    """A key file that is missing, malformed, of the wrong purpose or already present."""


class WrongPassphrase(KeyFileError):
    """The passphrase does not open the key file (or the file was altered)."""
