"""The trustees' key ceremony through the officials' database, on both back ends."""

from __future__ import annotations

import datetime
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path
from typing import Any, TypeVar

import nacl.public
import nacl.signing
import pytest
from sqlalchemy import Engine
from sqlalchemy.orm import Session

from evoting import db
from evoting.crypto import signing
from evoting.crypto.canonical import b64decode, b64encode
from evoting.crypto.elgamal import DiscreteLogTable, KeyPair, encrypt
from evoting.crypto.group import Scalar
from evoting.crypto.keyfile import read_key_file, write_key_file
from evoting.crypto.threshold import (
    CeremonyParameters,
    DealerMessage,
    _share_plaintext,
    combine_partials,
    partial_decrypt,
)
from evoting.deployment import DeploymentKeys
from evoting.election import Manifest, load_manifest
from evoting.elections import (
    change_state,
    election_public_key,
    get_election,
    sealed_public_key,
    set_election_public_key,
)
from services.lifecycle import set_up_election
from tally import ceremony, officials
from tally.ceremony import CeremonyError, TrusteeKeys

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"
NOW = datetime.datetime(2019, 5, 1, tzinfo=datetime.UTC)
ELECTION = "kortrijk-2019"
T = TypeVar("T")
Factory = Callable[[], Session]


@pytest.fixture
def manifest() -> Manifest:
    return load_manifest(EXAMPLES / "kortrijk-2019.yaml")


@pytest.fixture
def factory(engine: Engine, manifest: Manifest) -> Factory:
    factory = db.session_factory(engine)
    with factory() as session, session.begin():
        set_up_election(session, manifest, DeploymentKeys.generate(), NOW)
    return factory


def board_key(factory: Factory) -> bytes:
    """The election's board key, as the officials publish it for the trustees to pin."""
    return in_tx(factory, lambda s: sealed_public_key(s, ELECTION, "board"))


def in_tx(factory: Factory, step: Callable[[Session], T]) -> T:
    with factory() as session, session.begin():
        return step(session)


def _registered(factory: Factory, manifest: Manifest) -> tuple[list[TrusteeKeys], list[Any]]:
    keys = [TrusteeKeys.generate(manifest, i, f"T{i}") for i in (1, 2, 3)]
    for k in keys:
        in_tx(factory, lambda s, k=k: officials.add_trustee(s, ELECTION, k.public_record()))  # type: ignore[misc]
    return keys, in_tx(factory, lambda s: officials.roster(s, ELECTION))


def _collect(factory: Factory, deals: list[dict[str, object]]) -> None:
    for d in deals:
        in_tx(factory, lambda s, d=d: officials.collect_deal(s, ELECTION, d))  # type: ignore[misc]


def test_the_ceremony_gives_a_key_any_two_trustees_can_use(factory: Factory) -> None:
    shares = in_tx(factory, lambda s: officials.run_in_process(s, ELECTION, ["Ann", "Bart", "Cas"]))
    key = in_tx(factory, lambda s: election_public_key(s, ELECTION))
    fingerprint = in_tx(factory, lambda s: get_election(s, ELECTION).fingerprint)
    record = in_tx(factory, lambda s: officials.ceremony_record(s, ELECTION))
    assert [len(record[k]) for k in ("roster", "deals", "acknowledgements")] == [3, 3, 3]  # type: ignore[arg-type]
    ct, _ = encrypt(key, 17)
    vkeys = {s.keys.index: s.verification_key for s in shares}
    params = CeremonyParameters(3, 2)
    for pair in ((1, 2), (1, 3), (2, 3)):
        partials = [partial_decrypt(i, shares[i - 1].share, ct, fingerprint) for i in pair]
        decrypted = combine_partials(ct, partials, vkeys, params, fingerprint)
        assert DiscreteLogTable(20).log(decrypted) == 17


def test_trustee_files_round_trip(tmp_path: Path, manifest: Manifest) -> None:
    keys = TrusteeKeys.generate(manifest, 2, "Bart")
    path = tmp_path / "trustee-2.key"
    write_key_file(path, "trustee", keys.secret_bytes(), "long passphrase", strength="interactive")
    restored = TrusteeKeys.from_secret_bytes(read_key_file(path, "trustee", "long passphrase"))
    assert restored.public_record() == keys.public_record()
    assert bytes(keys.signing_key).hex() not in repr(restored)


def test_a_cheating_dealer_is_named_and_can_be_excluded(
    factory: Factory, manifest: Manifest
) -> None:
    keys, trustees = _registered(factory, manifest)
    deals = [ceremony.make_deal(k, manifest, trustees) for k in keys]
    # Trustee 2 sends trustee 3 a share that does not match its commitments.
    body, _ = signing.open_document(deals[1], ceremony.DEAL)
    message = DealerMessage.from_json(body["message"])
    shares = list(message.encrypted_shares)
    shares[2] = nacl.public.SealedBox(nacl.public.PublicKey(trustees[2].box_key)).encrypt(
        _share_plaintext(manifest.fingerprint, 2, 3, Scalar.from_int(12345))
    )
    cheat = replace(message, encrypted_shares=tuple(shares)).to_json()
    deals[1] = signing.sign_document(
        keys[1].signing_key, ceremony.DEAL, {"election": manifest.fingerprint, "message": cheat}
    )
    _collect(factory, deals)
    received = [ceremony.receive(k, manifest, trustees, deals, board_key(factory)) for k in keys]
    assert received[2].share is None
    acks = [r.acknowledgement for r in received]
    with pytest.raises(CeremonyError, match="trustee 3 complains: trustee 2's share for trustee 3"):
        in_tx(factory, lambda s: officials.finish(s, ELECTION, acks))
    again = [ceremony.receive(k, manifest, trustees, deals, board_key(factory), exclude=[2])
             for k in keys]  # fmt: skip
    assert all(r.share is not None for r in again)
    acks = [r.acknowledgement for r in again]
    key = in_tx(factory, lambda s: officials.finish(s, ELECTION, acks, exclude=[2]))
    assert in_tx(factory, lambda s: election_public_key(s, ELECTION)) == key


def test_forged_and_foreign_documents_are_refused(factory: Factory, manifest: Manifest) -> None:
    keys, trustees = _registered(factory, manifest)
    with pytest.raises(CeremonyError, match="already registered"):
        in_tx(factory, lambda s: officials.add_trustee(s, ELECTION, keys[0].public_record()))
    body, _ = signing.open_document(ceremony.make_deal(keys[0], manifest, trustees), ceremony.DEAL)
    as_if_by_2 = signing.sign_document(
        keys[0].signing_key, ceremony.DEAL, {**body, "message": {**body["message"], "dealer": 2}}
    )
    with pytest.raises(CeremonyError, match="trustee 2's message is not signed by them"):
        in_tx(factory, lambda s: officials.collect_deal(s, ELECTION, as_if_by_2))
    stranger = TrusteeKeys.generate(load_manifest(EXAMPLES / "grote-bevraging.yaml"), 1, "X")
    with pytest.raises(CeremonyError, match="another election"):
        in_tx(factory, lambda s: officials.add_trustee(s, ELECTION, stranger.public_record()))
    tampered = dict(keys[0].public_record())
    tampered["body"] = {**tampered["body"], "name": "Mallory"}  # type: ignore[dict-item]
    with pytest.raises(CeremonyError, match="bad trustee record"):
        ceremony.read_record(tampered, manifest.fingerprint)


def test_acknowledgements_must_agree(factory: Factory, manifest: Manifest) -> None:
    keys, trustees = _registered(factory, manifest)
    deals = [ceremony.make_deal(k, manifest, trustees) for k in keys]
    _collect(factory, deals)
    received = [ceremony.receive(k, manifest, trustees, deals, board_key(factory)) for k in keys]
    body, _ = signing.open_document(received[0].acknowledgement, ceremony.ACK)
    other_point = b64encode(b64decode(body["verification_key"]))
    lying = signing.sign_document(
        keys[0].signing_key, ceremony.ACK, {**body, "public_key": other_point}
    )
    acks = [lying, received[1].acknowledgement]
    with pytest.raises(CeremonyError) as caught:
        in_tx(factory, lambda s: officials.finish(s, ELECTION, acks))
    assert "trustee 1 computed another election key" in str(caught.value)
    assert "no acknowledgement from trustees [3]" in str(caught.value)


def test_no_deals_once_the_vote_opened(factory: Factory, manifest: Manifest) -> None:
    keys, trustees = _registered(factory, manifest)
    in_tx(factory, lambda s: set_election_public_key(s, ELECTION, KeyPair.generate().public))
    in_tx(factory, lambda s: change_state(s, ELECTION, "open"))
    deal = ceremony.make_deal(keys[0], manifest, trustees)
    with pytest.raises(CeremonyError, match="is open"):
        in_tx(factory, lambda s: officials.collect_deal(s, ELECTION, deal))


def test_every_trustee_pins_the_elections_board_key(factory: Factory, manifest: Manifest) -> None:
    """The acknowledgement names the board key; the officials refuse another one, and the
    published record says which key every trustee pinned."""
    keys, trustees = _registered(factory, manifest)
    deals = [ceremony.make_deal(k, manifest, trustees) for k in keys]
    _collect(factory, deals)
    stranger = bytes(nacl.signing.SigningKey.generate().verify_key)
    received = [ceremony.receive(k, manifest, trustees, deals, board_key(factory)) for k in keys]
    lying = ceremony.receive(keys[1], manifest, trustees, deals, stranger)
    acks = [received[0].acknowledgement, lying.acknowledgement, received[2].acknowledgement]
    with pytest.raises(CeremonyError, match="trustee 2 acknowledged another board key"):
        in_tx(factory, lambda s: officials.finish(s, ELECTION, acks))
    in_tx(factory, lambda s: officials.finish(s, ELECTION, [r.acknowledgement for r in received]))
    record = in_tx(factory, lambda s: officials.ceremony_record(s, ELECTION))
    assert ceremony.keys_from_record(manifest, record).board_key == board_key(factory)
    share = received[0].share
    assert share is not None
    decoded = ceremony.decode_share(
        ceremony.encode_share(keys[0], share, received[0].acknowledgement)
    )
    assert decoded.board_key == board_key(factory)
    mixed = {**record, "acknowledgements": acks}
    with pytest.raises(CeremonyError, match="different board keys"):
        ceremony.keys_from_record(manifest, mixed)
    with pytest.raises(CeremonyError, match="not an Ed25519 public key"):
        ceremony.receive(keys[0], manifest, trustees, deals, b"short")


def test_a_record_needs_one_acknowledgement_from_each_trustee(
    factory: Factory, manifest: Manifest
) -> None:
    in_tx(factory, lambda s: officials.run_in_process(s, ELECTION, ["Ann", "Bart", "Cas"]))
    record = in_tx(factory, lambda s: officials.ceremony_record(s, ELECTION))
    acks = record["acknowledgements"]
    assert isinstance(acks, list)
    twice = {**record, "acknowledgements": [acks[0], acks[0], acks[1]]}
    with pytest.raises(CeremonyError, match="one from each trustee"):
        ceremony.keys_from_record(manifest, twice)
    broken: object
    for broken in ([], "x", {"roster": 1}, {**record, "deals": [[]]}, {**record, "roster": "s"}):
        with pytest.raises(CeremonyError):
            ceremony.keys_from_record(manifest, broken)


def test_an_acknowledgement_of_the_wrong_types_is_refused(
    factory: Factory, manifest: Manifest
) -> None:
    """Re-signed by its own trustee, so only the type checks can catch it."""
    shares = in_tx(factory, lambda s: officials.run_in_process(s, ELECTION, ["Ann", "Bart", "Cas"]))
    record = in_tx(factory, lambda s: officials.ceremony_record(s, ELECTION))
    acks = record["acknowledgements"]
    assert isinstance(acks, list)
    body, _ = signing.open_document(acks[0], ceremony.ACK)
    changes: list[dict[str, object]] = [
        {"complaints": {}}, {"trustee": True}, {"qualified": [True, 2, 3]}, {"complaints": ""},
    ]  # fmt: skip
    for change in changes:
        forged = signing.sign_document(shares[0].keys.signing_key, ceremony.ACK,
                                       {**body, **change})  # fmt: skip
        with pytest.raises(CeremonyError):
            ceremony.keys_from_record(manifest, {**record, "acknowledgements": [forged, *acks[1:]]})
