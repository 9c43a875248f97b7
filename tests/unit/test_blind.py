"""RSA blind signatures (RFC 9474, RSABSSA-SHA384-PSS-Randomized) and voting credentials."""

from __future__ import annotations

import os

import pytest
from cryptography.hazmat.primitives.asymmetric import rsa

from evoting.crypto.blind import (
    BlindSignatureError,
    BlindSigner,
    PublicKey,
    _blind_with,
    emsa_pss_encode,
    finalize,
)
from evoting.crypto.credential import Credential, CredentialRequest, verify_credential
from evoting.crypto.errors import InvalidEncoding, InvalidSignature
from tests.support import vectors

VECTORS = vectors.rsabssa_sha384_pss_randomized()


def _signer(v: vectors.BlindRSAVector) -> BlindSigner:
    numbers = rsa.RSAPrivateNumbers(
        p=v.p,
        q=v.q,
        d=v.d,
        dmp1=rsa.rsa_crt_dmp1(v.d, v.p),
        dmq1=rsa.rsa_crt_dmq1(v.d, v.q),
        iqmp=rsa.rsa_crt_iqmp(v.p, v.q),
        public_numbers=rsa.RSAPublicNumbers(v.e, v.n),
    )
    return BlindSigner(numbers.private_key())


@pytest.mark.parametrize("v", VECTORS, ids=lambda v: v.name)
def test_rfc9474_vector(v: vectors.BlindRSAVector) -> None:
    signer = _signer(v)
    public = signer.public_key
    assert v.prepared_msg == v.msg_prefix + v.msg
    assert emsa_pss_encode(v.prepared_msg, v.n.bit_length() - 1, v.salt) == v.encoded_msg
    r = pow(int.from_bytes(v.inv, "big"), -1, v.n)
    blinded, inverse = _blind_with(public, v.prepared_msg, v.salt, r)
    assert blinded == v.blinded_msg
    assert inverse == v.inv
    assert signer.blind_sign(v.blinded_msg) == v.blind_sig
    assert finalize(public, v.prepared_msg, v.blind_sig, v.inv) == v.sig
    public.verify(v.prepared_msg, v.sig)


@pytest.mark.parametrize("v", VECTORS, ids=lambda v: v.name)
def test_rfc9474_vector_bad_siblings(v: vectors.BlindRSAVector) -> None:
    signer = _signer(v)
    public = signer.public_key
    flipped = bytes([v.sig[0] ^ 1]) + v.sig[1:]
    with pytest.raises(InvalidSignature):
        public.verify(v.prepared_msg, flipped)
    with pytest.raises(InvalidSignature):
        public.verify(v.msg, v.sig)  # without the prefix
    with pytest.raises(InvalidSignature):
        finalize(public, v.prepared_msg, v.blind_sig, (1).to_bytes(len(v.inv), "big"))
    with pytest.raises(BlindSignatureError, match="below the modulus"):
        signer.blind_sign(b"\xff" * len(v.blinded_msg))
    with pytest.raises(BlindSignatureError, match="exactly"):
        signer.blind_sign(v.blinded_msg[1:])


@pytest.fixture(scope="module")
def signer() -> BlindSigner:
    return BlindSigner.generate()


def test_a_credential_round_trip(signer: BlindSigner) -> None:
    fingerprint = os.urandom(32)
    request = CredentialRequest.start(signer.public_key, fingerprint)
    credential = request.finish(signer.public_key, signer.blind_sign(request.blinded_message))
    verify_credential(signer.public_key, fingerprint, credential.public_key, credential.prefix,
                      credential.signature)  # fmt: skip
    restored = Credential.from_json(credential.to_json())
    assert restored.public_key == credential.public_key
    assert restored.signature == credential.signature
    assert bytes(credential.signing_key).hex() not in repr(credential)


def test_blinding_really_blinds(signer: BlindSigner) -> None:
    public = signer.public_key
    n, e = public.n, public.e
    request = CredentialRequest.start(public, os.urandom(32))
    blinded = int.from_bytes(request.blinded_message, "big")
    inverse = int.from_bytes(request.inverse, "big")
    assert inverse != 1  # a blinding factor r ≠ 1 was used...
    encoded = (blinded * pow(inverse, e, n)) % n  # ...and removing it gives the PSS encoding
    assert encoded.to_bytes(public.modulus_len, "big")[-1] == 0xBC
    assert encoded != blinded


def test_signing_is_randomised_inside_but_not_outside(signer: BlindSigner) -> None:
    # RSA blinding on the signer's side changes the arithmetic, never the signature.
    request = CredentialRequest.start(signer.public_key, os.urandom(32))
    assert signer.blind_sign(request.blinded_message) == signer.blind_sign(request.blinded_message)


def test_credentials_of_another_election_are_refused(signer: BlindSigner) -> None:
    other = BlindSigner.generate()
    fingerprint, other_fingerprint = os.urandom(32), os.urandom(32)
    request = CredentialRequest.start(other.public_key, other_fingerprint)
    credential = request.finish(other.public_key, other.blind_sign(request.blinded_message))
    with pytest.raises(InvalidSignature):  # another election's key
        verify_credential(signer.public_key, other_fingerprint, credential.public_key,
                          credential.prefix, credential.signature)  # fmt: skip
    with pytest.raises(InvalidSignature):  # the right key, but bound to another fingerprint
        verify_credential(other.public_key, fingerprint, credential.public_key,
                          credential.prefix, credential.signature)  # fmt: skip
    with pytest.raises(InvalidSignature):  # another credential key under the same signature
        verify_credential(other.public_key, other_fingerprint, os.urandom(32),
                          credential.prefix, credential.signature)  # fmt: skip


def test_a_blind_signature_from_another_key_does_not_finalize(signer: BlindSigner) -> None:
    other = BlindSigner.generate()
    while True:  # a request the other key can sign at all (blinded message below its modulus)
        request = CredentialRequest.start(signer.public_key, os.urandom(32))
        if int.from_bytes(request.blinded_message, "big") < other.public_key.n:
            break
    with pytest.raises(InvalidSignature):
        request.finish(signer.public_key, other.blind_sign(request.blinded_message))


def test_public_key_encoding(signer: BlindSigner) -> None:
    assert PublicKey.from_der(signer.public_key.to_der()).n == signer.public_key.n
    assert signer.public_key.key.key_size == 3072
    assert "BEGIN PUBLIC KEY" in signer.public_key.to_pem()
    with pytest.raises(InvalidEncoding):
        PublicKey.from_der(b"not a key")
    restored = BlindSigner.from_pem(signer.private_pem())
    assert restored.public_key.n == signer.public_key.n


def test_damaged_credential_files() -> None:
    with pytest.raises(InvalidEncoding):
        Credential.from_json({"format": "other"})
    with pytest.raises(InvalidEncoding, match="damaged"):
        Credential.from_json({"format": "EVOTING-V1-credential", "secret_key": "!!"})
