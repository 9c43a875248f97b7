"""The cryptographic kernel: pure computation, no database, no web, no files
except the key-file helpers.

Two layers (docs/architecture.md):

* the **protocol API** below, which the other packages use: encrypt and verify a
  contest, the key ceremony and threshold decryption, signatures, canonical JSON,
  key files;
* the **raw layer** in the submodules (`group`, `elgamal`, `schnorr`,
  `chaum_pedersen`, `disjunctive`, `range_proof`), which only the kernel itself,
  the verifier and the tests touch.

Every check either returns or raises an error from `evoting.crypto.errors`.
"""

from ._codec import read_together
from .canonical import canonical_json, parse_canonical, sha256_digest, sha256_hex
from .contest import ContestShape, EncryptedContest, encrypt_contest, verify_contest
from .elgamal import Ciphertext, DiscreteLogTable, KeyPair
from .errors import (
    CanonicalEncodingError,
    CryptoError,
    DecryptionError,
    InvalidEncoding,
    InvalidProof,
    InvalidSignature,
    KeyFileError,
    NotEnoughShares,
    ShareVerificationError,
    WrongPassphrase,
)
from .group import Point, Scalar
from .keyfile import read_key_file, write_key_file
from .signing import sign, verify
from .threshold import (
    CeremonyParameters,
    DealerMessage,
    PartialDecryption,
    combine_partials,
    deal,
    partial_decrypt,
    receive_share,
)
from .transcript import Binding

__all__ = [
    "Binding",
    "CanonicalEncodingError",
    "CeremonyParameters",
    "Ciphertext",
    "ContestShape",
    "CryptoError",
    "DealerMessage",
    "DecryptionError",
    "DiscreteLogTable",
    "EncryptedContest",
    "InvalidEncoding",
    "InvalidProof",
    "InvalidSignature",
    "KeyFileError",
    "KeyPair",
    "NotEnoughShares",
    "PartialDecryption",
    "Point",
    "Scalar",
    "ShareVerificationError",
    "WrongPassphrase",
    "canonical_json",
    "combine_partials",
    "deal",
    "encrypt_contest",
    "parse_canonical",
    "partial_decrypt",
    "read_key_file",
    "read_together",
    "receive_share",
    "sha256_digest",
    "sha256_hex",
    "sign",
    "verify",
    "verify_contest",
    "write_key_file",
]
