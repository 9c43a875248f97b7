"""RSA blind signatures, RFC 9474, variant RSABSSA-SHA384-PSS-Randomized.

SHA-384, MGF1-SHA-384, a 48-byte PSS salt, and a 32-byte random prefix on every
message (`prepare`). The signer only ever sees a blinded message, statistically
independent of the message: this is what makes voting credentials unlinkable
(evoting/crypto/credential.py).

No library we can depend on implements RFC 9474, so the protocol steps are written
here on top of `cryptography` (keys, and verification of finalized signatures) and
gmpy2 (the signer's constant-time exponentiation, ``powmod_sec``); EMSA-PSS
encoding follows RFC 8017, section 9.1.1. tests/vectors holds the RFC's vectors.
"""

from __future__ import annotations

import hashlib
import math
import secrets
from dataclasses import dataclass
from typing import Final

import gmpy2
from cryptography.exceptions import InvalidSignature as CryptographyInvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa

from .errors import CryptoError, InvalidEncoding, InvalidSignature

MODULUS_BITS: Final = 3072
PUBLIC_EXPONENT: Final = 65537
HASH_LEN: Final = 48  # SHA-384
SALT_LEN: Final = 48
PREFIX_LEN: Final = 32


class BlindSignatureError(CryptoError):
    """A blind-signature step that cannot go on (bad input, or a computation fault)."""


def _i2osp(x: int, length: int) -> bytes:
    return int(x).to_bytes(length, "big")


def _os2ip(data: bytes) -> int:
    return int.from_bytes(data, "big")


def _mgf1_sha384(seed: bytes, length: int) -> bytes:
    out = b""
    for counter in range(math.ceil(length / HASH_LEN)):
        out += hashlib.sha384(seed + counter.to_bytes(4, "big")).digest()
    return out[:length]


def emsa_pss_encode(message: bytes, em_bits: int, salt: bytes) -> bytes:
    """EMSA-PSS-ENCODE (RFC 8017, 9.1.1) with SHA-384 and MGF1-SHA-384."""
    em_len = math.ceil(em_bits / 8)
    if em_len < HASH_LEN + len(salt) + 2:
        raise BlindSignatureError("the RSA modulus is too short for PSS with SHA-384")
    m_hash = hashlib.sha384(message).digest()
    h = hashlib.sha384(b"\x00" * 8 + m_hash + salt).digest()
    db = b"\x00" * (em_len - len(salt) - HASH_LEN - 2) + b"\x01" + salt
    masked = bytes(a ^ b for a, b in zip(db, _mgf1_sha384(h, em_len - HASH_LEN - 1), strict=True))
    top_mask = 0xFF >> (8 * em_len - em_bits)
    return bytes([masked[0] & top_mask]) + masked[1:] + h + b"\xbc"


@dataclass(frozen=True, slots=True)
class PublicKey:
    """The election's credential-verification key (published for auditors)."""

    key: rsa.RSAPublicKey

    @property
    def n(self) -> int:
        return self.key.public_numbers().n

    @property
    def e(self) -> int:
        return self.key.public_numbers().e

    @property
    def modulus_len(self) -> int:
        return math.ceil(self.key.key_size / 8)

    def to_der(self) -> bytes:
        """SubjectPublicKeyInfo, DER (RFC 9474's recommended public-key encoding)."""
        return self.key.public_bytes(
            serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
        )

    def to_pem(self) -> str:
        return self.key.public_bytes(
            serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
        ).decode("ascii")

    @classmethod
    def from_der(cls, data: bytes) -> PublicKey:
        try:
            key = serialization.load_der_public_key(data)
        except ValueError as exc:
            raise InvalidEncoding("not an RSA public key (SubjectPublicKeyInfo, DER)") from exc
        if not isinstance(key, rsa.RSAPublicKey) or key.key_size < 2048:
            raise InvalidEncoding("not an RSA public key of at least 2048 bits")
        return cls(key)

    def verify(self, prepared_message: bytes, signature: bytes) -> None:
        """RSASSA-PSS-VERIFY with SHA-384, MGF1-SHA-384 and a 48-byte salt."""
        if len(signature) != self.modulus_len:
            raise InvalidSignature("the credential signature has the wrong length")
        try:
            self.key.verify(
                signature,
                prepared_message,
                padding.PSS(mgf=padding.MGF1(hashes.SHA384()), salt_length=SALT_LEN),
                hashes.SHA384(),
            )
        except CryptographyInvalidSignature as exc:
            raise InvalidSignature("the credential is not signed by this election") from exc


class BlindSigner:
    """The registrar's side: signs blinded messages, nothing else."""

    __slots__ = ("_d_p", "_d_q", "_e", "_key", "_n", "_p", "_q", "_q_inv", "public_key")

    def __init__(self, private_key: rsa.RSAPrivateKey) -> None:
        self._key = private_key
        numbers = private_key.private_numbers()
        self.public_key = PublicKey(private_key.public_key())
        self._n = gmpy2.mpz(numbers.public_numbers.n)
        self._e = gmpy2.mpz(numbers.public_numbers.e)
        self._p, self._q = gmpy2.mpz(numbers.p), gmpy2.mpz(numbers.q)
        self._d_p, self._d_q = gmpy2.mpz(numbers.dmp1), gmpy2.mpz(numbers.dmq1)
        self._q_inv = gmpy2.mpz(numbers.iqmp)

    def __repr__(self) -> str:
        return "BlindSigner(<private key>)"

    @classmethod
    def generate(cls, bits: int = MODULUS_BITS) -> BlindSigner:
        return cls(rsa.generate_private_key(public_exponent=PUBLIC_EXPONENT, key_size=bits))

    def blind_sign(self, blinded_message: bytes) -> bytes:
        """BlindSign (RFC 9474, 4.3): ``s = m^d mod n``, checked before it leaves.

        The exponentiation runs with gmpy2's constant-time ``powmod_sec``, split by
        the Chinese remainder theorem, on a randomly blinded input (RSA blinding,
        RFC 9474 §7.1): ``m·u^e`` is signed and the result multiplied by ``u^-1``, so
        the secret-key arithmetic never sees the client's chosen value. The check
        ``s^e = m`` also catches a faulty CRT computation, which would otherwise
        leak a factor of n.
        """
        k = self.public_key.modulus_len
        if not isinstance(blinded_message, bytes) or len(blinded_message) != k:
            raise BlindSignatureError(f"a blinded message is exactly {k} bytes")
        m = gmpy2.mpz(_os2ip(blinded_message))
        if m >= self._n:
            raise BlindSignatureError("the blinded message is not below the modulus")
        u = gmpy2.mpz(_random_unit(int(self._n)))
        blinded = (m * gmpy2.powmod(u, self._e, self._n)) % self._n
        s_p = gmpy2.powmod_sec(blinded % self._p, self._d_p, self._p)
        s_q = gmpy2.powmod_sec(blinded % self._q, self._d_q, self._q)
        h = (self._q_inv * (s_p - s_q)) % self._p
        s = ((s_q + h * self._q) * gmpy2.invert(u, self._n)) % self._n
        if gmpy2.powmod(s, self._e, self._n) != m:
            raise BlindSignatureError("signing failed its own check; nothing was returned")
        return _i2osp(int(s), k)

    def private_pem(self) -> bytes:
        """The private key as unencrypted PKCS#8 PEM, only for sealing it at once."""
        return self._key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )

    @classmethod
    def from_pem(cls, data: bytes) -> BlindSigner:
        key = serialization.load_pem_private_key(data, password=None)
        if not isinstance(key, rsa.RSAPrivateKey):
            raise BlindSignatureError("not an RSA private key")
        return cls(key)


def prepare(message: bytes) -> bytes:
    """Prepare (RFC 9474, 4.1), randomized: a fresh 32-byte prefix, then the message."""
    return secrets.token_bytes(PREFIX_LEN) + message


def _random_unit(n: int) -> int:
    while True:
        r = secrets.randbelow(n - 1) + 1
        if math.gcd(r, n) == 1:
            return r


def blind(public_key: PublicKey, prepared_message: bytes) -> tuple[bytes, bytes]:
    """Blind (RFC 9474, 4.2): returns (blinded message, inverse). Keep the inverse secret."""
    return _blind_with(
        public_key, prepared_message, secrets.token_bytes(SALT_LEN), _random_unit(public_key.n)
    )


def _blind_with(
    public_key: PublicKey, prepared_message: bytes, salt: bytes, r: int
) -> tuple[bytes, bytes]:
    """Blind with given salt and blinding factor (the tests' seam for the RFC vectors)."""
    n, k = public_key.n, public_key.modulus_len
    encoded = emsa_pss_encode(prepared_message, n.bit_length() - 1, salt)
    m = _os2ip(encoded)
    if math.gcd(m, n) != 1:
        raise BlindSignatureError("the encoded message shares a factor with n")
    inverse = pow(r, -1, n)
    x = gmpy2.powmod_sec(gmpy2.mpz(r), gmpy2.mpz(public_key.e), gmpy2.mpz(n))
    z = (m * int(x)) % n
    return _i2osp(z, k), _i2osp(inverse, k)


def finalize(
    public_key: PublicKey, prepared_message: bytes, blind_signature: bytes, inverse: bytes
) -> bytes:
    """Finalize (RFC 9474, 4.4): unblind, then verify; returns the signature."""
    k = public_key.modulus_len
    if len(blind_signature) != k:
        raise BlindSignatureError(f"a blind signature is exactly {k} bytes")
    s = (_os2ip(blind_signature) * _os2ip(inverse)) % public_key.n
    signature = _i2osp(s, k)
    public_key.verify(prepared_message, signature)
    return signature
