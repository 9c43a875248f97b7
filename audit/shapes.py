"""The JSON shape of each bundle member, checked before anything is computed from it.

A member of the wrong type (a list where an object belongs, a float or a boolean
where a count belongs, text where a list belongs) raises `Malformed` with the field's
path, which the verifier reports as ``FAIL member: reason``. JSON's numbers need
care: ``json.loads`` gives floats, and in Python ``1.0 == 1`` and ``True == 1``, so
counts and positions must be `int` and not `bool`.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import nacl.signing

from evoting.crypto.blind import PublicKey
from evoting.crypto.canonical import MAX_SAFE_INTEGER, b64decode
from evoting.crypto.errors import CanonicalEncodingError, CryptoError
from evoting.crypto.group import Point

_HEX64 = re.compile(r"[0-9a-f]{64}")


class Malformed(ValueError):
    """A member, or a field of it, of the wrong type or form."""


def mapping(value: object, path: str) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise Malformed(f"{path}: expected an object, not {_kind(value)}")
    return value


def obj(
    value: object, path: str, required: set[str], optional: frozenset[str] = frozenset()
) -> dict[str, Any]:
    """An object with every ``required`` field and no field beyond ``optional``."""
    value = mapping(value, path)
    missing = sorted(required - set(value))
    if missing:
        raise Malformed(f"{path}: {missing[0]} is missing")
    extra = sorted(set(value) - required - optional)
    if extra:
        raise Malformed(f"{path}: unexpected field {extra[0]!r}")
    return value


def array(value: object, path: str) -> list[Any]:
    if not isinstance(value, list):
        raise Malformed(f"{path}: expected a list, not {_kind(value)}")
    return value


def count(value: object, path: str, low: int = 0) -> int:
    """A whole number from ``low`` (an `int`, not a float nor a boolean)."""
    if type(value) is not int or not low <= value <= MAX_SAFE_INTEGER:
        raise Malformed(f"{path}: expected a whole number from {low}, not {_kind(value)}")
    return value


def text(value: object, path: str) -> str:
    if not isinstance(value, str):
        raise Malformed(f"{path}: expected text, not {_kind(value)}")
    return value


def hex64(value: object, path: str) -> str:
    if not isinstance(value, str) or not _HEX64.fullmatch(value):
        raise Malformed(f"{path}: expected 64 lowercase hexadecimal digits")
    return value


def b64(value: object, path: str, size: int | None = None) -> bytes:
    try:
        raw = b64decode(text(value, path))
    except CanonicalEncodingError as exc:
        raise Malformed(f"{path}: {exc}") from exc
    if size is not None and len(raw) != size:
        raise Malformed(f"{path}: expected {size} bytes, not {len(raw)}")
    return raw


Check = Callable[[object, str], object]


def _index(value: object, path: str) -> int:
    return count(value, path, 1)


def list_of(item: Check) -> Check:
    def check(value: object, path: str) -> list[Any]:
        items = array(value, path)
        for i, x in enumerate(items):
            item(x, f"{path}[{i}]")
        return items

    return check


def fields(spec: dict[str, Check], optional: frozenset[str] = frozenset()) -> Check:
    """An object whose fields in ``spec`` have their types (others are let through: a
    signature covers them, and nothing reads them)."""

    def check(value: object, path: str) -> dict[str, Any]:
        value = mapping(value, path)
        for name, field_check in spec.items():
            if name in value:
                field_check(value[name], f"{path}.{name}")
            elif name not in optional:
                raise Malformed(f"{path}: {name} is missing")
        return value

    return check


# The signed documents' bodies (docs/protocol.md), as the verifier's readers need them.
_PROOF = fields({"challenge": text, "response": text})
RECORD = fields({"election": text, "trustee": _index, "name": text, "verify_key": text,
                 "box_key": text})  # fmt: skip
DEAL = fields({"election": text, "message": fields({
    "dealer": _index, "commitments": list_of(text), "encrypted_shares": list_of(text),
    "proof": _PROOF})})  # fmt: skip
ACKNOWLEDGEMENT = fields({"election": text, "trustee": _index, "qualified": list_of(_index),
                          "complaints": array, "public_key": text, "verification_key": text,
                          "board_key": text}, frozenset({"board_key"}))  # fmt: skip
PARTIAL = fields({"election": text, "request": text, "trustee": _index,
                  "shares": list_of(list_of(fields({"trustee": _index, "share": text,
                                                    "proof": _PROOF})))})  # fmt: skip
_ENTRY = fields({"election": text, "seq": _index, "previous": text, "time": text,
                 "action": text, "details": mapping})  # fmt: skip


def boolean(value: object, path: str) -> bool:
    if not isinstance(value, bool):
        raise Malformed(f"{path}: expected true or false, not {_kind(value)}")
    return value


def _trustee_or_none(value: object, path: str) -> int | None:
    return None if value is None else _index(value, path)


def _details(**spec: Check) -> Check:
    return fields(spec, frozenset(spec))  # every field optional: writers differ


# The details of the actions docs/verifier.md lists; other actions and fields pass.
DETAILS: dict[str, Check] = {
    "election-created": _details(fingerprint=text, credential_key_sha256=text, board_key=text,
                                 operator_key=text, simulation=boolean),
    "register-imported": _details(file_sha256=text, residents=count, added=count,
                                  removed=count, changed=count, by=text),
    "poll-cards-issued": _details(letters=count, replaced=boolean, by=text),
    "trustee-registered": _details(trustee=_index, record_sha256=text),
    "dealer-message-received": _details(trustee=_index, document_sha256=text),
    "ceremony-finished": _details(election_key=text, excluded=list_of(_index),
                                  acknowledgements_sha256=list_of(text)),
    "opened": _details(by=text),
    "paper-vote-marked": _details(by=text),
    "closed": _details(final_head=text, ballots=count, early=boolean, by=text),
    "tally-requested": _details(ballots=count, tally_request=text),
    "partial-decryption-received": _details(trustee=_trustee_or_none, document_sha256=text),
    "tallied": _details(result_sha256=text, by=text),
    "published": _details(bundle_sha256=text, by=text),
    "official-key": _details(official=text, key=text),
    "paper-box-entered": _details(box=text, by=text, statement_sha256=text),
    "paper-box-confirmed": _details(box=text, by=list_of(text), ballots=count,
                                    statement_sha256=text),
    "paper-box-mismatch": _details(box=text, by=text, entered_by=text),
    "paper-box-discarded": _details(box=text, by=text, entered_by=text),
}  # fmt: skip


def audit_entry(value: object, path: str) -> dict[str, Any]:
    body = mapping(_ENTRY(value, path), path)
    action = body["action"]
    if action in DETAILS:
        DETAILS[action](body["details"], f"{path}.details")
    return body


def signed(value: object, path: str, body: Check) -> dict[str, Any]:
    """A signed document (evoting/crypto/signing.py) whose body has the shape ``body``."""
    document = obj(value, path, {"purpose", "body", "signer", "signature"})
    for name in ("purpose", "signer", "signature"):
        text(document[name], f"{path}.{name}")
    body(document["body"], f"{path}.body")
    return document


def _kind(value: object) -> str:
    if value is None:
        return "null"
    names = {
        bool: "true or false",
        int: "a whole number",
        float: "a fraction",
        str: "text",
        list: "a list",
        dict: "an object",
    }
    return names.get(type(value), type(value).__name__)


@dataclass(frozen=True, slots=True)
class Signed:
    """signatures.json: the authority's key, the members' hashes it signed, the signature."""

    authority: bytes
    members: dict[str, str]
    signature: bytes


def signatures(doc: object, members: tuple[str, ...]) -> Signed:
    doc = obj(doc, "signatures.json", {"authority", "members", "signature"})
    hashes = obj(doc["members"], "members", set(members))
    for name, digest in hashes.items():
        hex64(digest, f"members.{name}")
    return Signed(
        b64(doc["authority"], "authority", 32), dict(hashes), b64(doc["signature"], "signature", 64)
    )


@dataclass(frozen=True, slots=True)
class Keys:
    """keys.json: the election key, the credential key (DER), the board and operator keys."""

    election: Point
    credential: bytes
    board: nacl.signing.VerifyKey
    operator: bytes


def keys(doc: object) -> Keys:
    doc = obj(doc, "keys.json", {"election", "credential", "board", "operator"})
    credential = b64(doc["credential"], "credential")
    try:
        election = Point.from_bytes(b64(doc["election"], "election", 32))
        PublicKey.from_der(credential)
    except (CryptoError, ValueError) as exc:
        raise Malformed(f"not a valid key ({exc})") from exc
    board = nacl.signing.VerifyKey(b64(doc["board"], "board", 32))
    return Keys(election, credential, board, b64(doc["operator"], "operator", 32))


@dataclass(frozen=True, slots=True)
class Credentials:
    issued: int
    eligible: int
    paper_votes: int | None
    min_cell: int | None = None
    turnout: dict[str, dict[str, tuple[int, int] | None]] = field(default_factory=dict)
    """By table (``turnout_by_age_band``, ``turnout_by_district``): cell → (eligible,
    took part), or None where suppressed (evoting/turnout.py)."""


TURNOUT_TABLES = ("turnout_by_age_band", "turnout_by_district")


def credentials(doc: object) -> Credentials:
    """credentials.json: counts only (fields the verifier does not use are still typed)."""
    doc = obj(
        doc,
        "credentials.json",
        {"credentials_issued", "eligible"},
        frozenset({"paper_votes", "credential_public_key", "min_cell", *TURNOUT_TABLES}),
    )
    if "credential_public_key" in doc:
        text(doc["credential_public_key"], "credential_public_key")
    turnout: dict[str, dict[str, tuple[int, int] | None]] = {}
    for table in TURNOUT_TABLES:
        cells: dict[str, tuple[int, int] | None] = {}
        for key, cell in mapping(doc.get(table, {}), table).items():
            if cell is None:
                cells[key] = None
                continue
            shown = obj(cell, f"{table}.{key}", {"eligible", "took_part"})
            cells[key] = (count(shown["eligible"], f"{table}.{key}.eligible"),
                          count(shown["took_part"], f"{table}.{key}.took_part"))  # fmt: skip
        turnout[table] = cells
    return Credentials(
        count(doc["credentials_issued"], "credentials_issued"),
        count(doc["eligible"], "eligible"),
        count(doc["paper_votes"], "paper_votes") if "paper_votes" in doc else None,
        count(doc["min_cell"], "min_cell") if "min_cell" in doc else None,
        turnout,
    )


@dataclass(frozen=True, slots=True)
class Tally:
    request: dict[str, Any]
    partials: list[dict[str, Any]]


def tally(doc: object) -> Tally:
    doc = obj(doc, "tally.json", {"request", "partials"})
    partials = array(doc["partials"], "partials")
    for i, partial in enumerate(partials):
        signed(partial, f"partials[{i}]", PARTIAL)
    return Tally(mapping(doc["request"], "request"), partials)


def ceremony(doc: object) -> dict[str, Any]:
    """trustees.json: lists of signed documents (tally/ceremony.py checks each)."""
    record = obj(doc, "trustees.json", {"roster", "deals", "acknowledgements"})
    for part, body in (("roster", RECORD), ("deals", DEAL), ("acknowledgements", ACKNOWLEDGEMENT)):
        for i, document in enumerate(array(record[part], part)):
            signed(document, f"{part}[{i}]", body)
    return record
