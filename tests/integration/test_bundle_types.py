"""Every member, and every field inside it, replaced by values of the wrong JSON type.

A list where an object belongs, a float or a boolean where a count belongs, text
where a list belongs: each must give a clean report (``FAIL member: reason`` lines,
printable, naming the member), never a traceback, never a PASS. The bundle is
re-signed with the authority key after each change, as a dishonest authority
would, so that the change reaches the checks behind the signature.

Lists are walked through their first item only (the others have its shape), and
each node gets a few wrong values chosen by its type (`_wrong`): that keeps the
run near a thousand verifications of a four-ballot bundle.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import nacl.signing
import pytest

from audit.bundle import MEMBERS, SIGNATURES
from audit.verify import Report, verify_bundle
from evoting.crypto import signing
from evoting.crypto.canonical import b64encode
from tests.integration.bundles import Made, json_member, made_bundle, members, rezip

Path = tuple[str | int, ...]
LINES = ("board.jsonl", "spoiled.jsonl", "audit-log.jsonl")
BOX = {"box": "Stadhuis", "ballots": 1, "contests": {"car-free-sunday": [1, 0, 0]}}


@pytest.fixture(scope="module")
def made(tmp_path_factory: pytest.TempPathFactory) -> Made:
    return made_bundle(tmp_path_factory)


@pytest.fixture(scope="module")
def parts(made: Made) -> dict[str, bytes]:
    """The bundle's members, with one paper box two officials signed (so that paper.json
    has fields to break): their keys added to the audit log, one resident marked for
    paper in credentials.json, the result recomputed."""
    import datetime

    from audit.log import entry_hash, new_entry
    from tally.paper import OFFICIAL_KEY_ACTION, sign_box
    from tally.result import build_result

    parts = members(made.data)
    fingerprint = made.manifest.fingerprint
    officials = {name: nacl.signing.SigningKey(bytes([i]) * 32)
                 for i, name in enumerate(("anna", "bert"), start=1)}  # fmt: skip
    box = {**BOX, "signatures": [sign_box(k, n, fingerprint, BOX) for n, k in officials.items()]}
    log = parts["audit-log.jsonl"].splitlines()
    moment = datetime.datetime(2019, 5, 27, 18, 30, tzinfo=datetime.UTC)
    for name, key in officials.items():
        previous = entry_hash(json.loads(log[-1]))
        added = new_entry(fingerprint, len(log) + 1, previous, OFFICIAL_KEY_ACTION,
                          {"official": name, "key": b64encode(bytes(key.verify_key))},
                          made.operator_key, moment)  # fmt: skip
        log.append(json_member(added).rstrip(b"\n"))
    parts["audit-log.jsonl"] = b"\n".join(log) + b"\n"
    credentials = json.loads(parts["credentials.json"])
    parts["credentials.json"] = json_member({**credentials, "paper_votes": 1})
    result = json.loads(parts["result.json"])
    counted = result["questions"][0]["online"]  # canonical JSON sorts the options' names
    online = {"car-free-sunday": [counted[o] for o in ("yes", "no", "blank")]}
    recomputed = build_result(made.manifest, online, result["participants"]["online"], [box], 9, 1)
    parts["paper.json"] = json_member([box])
    parts["result.json"] = json_member(recomputed)
    assert _verify(parts).failures == []
    return parts


def _verify(parts: dict[str, bytes]) -> Report:
    return verify_bundle(rezip(parts), workers=1)


def _paths(value: Any, path: Path = ()) -> Iterator[Path]:
    yield path
    if isinstance(value, dict):
        for key in sorted(value):
            yield from _paths(value[key], (*path, key))
    elif isinstance(value, list) and value:
        yield from _paths(value[0], (*path, 0))


def _wrong(value: Any) -> list[Any]:
    if isinstance(value, bool):
        return [1, "true", None]
    if isinstance(value, int):
        return [float(value), value == 1, str(value), None, [value]]
    if isinstance(value, str):
        return [7, None, [value], {"a": value}]
    if isinstance(value, list):
        return [{}, "x", 1, [[]] if value and not isinstance(value[0], list) else [{}]]
    if isinstance(value, dict):
        return [[], "x", 1.5, None]
    return [0, "", [], {}]


def _replace(value: Any, path: Path, new: Any) -> Any:
    if not path:
        return new
    copy = dict(value) if isinstance(value, dict) else list(value)
    copy[path[0]] = _replace(value[path[0]], path[1:], new)  # type: ignore[index]
    return copy


def _cases(parts: dict[str, bytes], member: str) -> Iterator[tuple[Path, Any, bytes]]:
    """(path, wrong value, the member's new content) for every node of the member."""
    if member in LINES:
        line = parts[member].splitlines()[0] if parts[member] else b"{}"
        yield from _line_cases(parts[member], json.loads(line))
        return
    document = json.loads(parts[member])
    for path in _paths(document):
        for new in _wrong(_at(document, path)):
            yield path, new, json_member(_replace(document, path, new))


def _line_cases(content: bytes, entry: Any) -> Iterator[tuple[Path, Any, bytes]]:
    """The first line's fields; a board entry's ballot (JSON text) is walked inside too."""
    rest = content.splitlines()[1:]

    def member(first: Any) -> bytes:
        return b"\n".join([json_member(first).rstrip(b"\n"), *rest]) + b"\n"

    for path in _paths(entry):
        for new in _wrong(_at(entry, path)):
            yield path, new, member(_replace(entry, path, new))
    if isinstance(entry.get("ballot"), str):
        ballot = json.loads(entry["ballot"])
        for path in _paths(ballot):
            for new in _wrong(_at(ballot, path)):
                text = json_member(_replace(ballot, path, new)).rstrip(b"\n").decode()
                yield ("ballot", "(text)", *path), new, member({**entry, "ballot": text})


def _at(value: Any, path: Path) -> Any:
    for step in path:
        value = value[step]
    return value


@pytest.mark.parametrize("member", [*MEMBERS, SIGNATURES])
def test_wrong_types_in_every_field_give_a_clean_report(
    parts: dict[str, bytes], member: str
) -> None:
    checked = 0
    for path, new, content in _cases(parts, member):
        changed = {**parts, member: content}
        if member == SIGNATURES:
            report = verify_bundle(rezip(changed, resign=None), workers=1)
        else:
            report = _verify(changed)
        where = f"{member} {'.'.join(map(str, path)) or '(whole)'} = {new!r}"
        assert not report.passed, where
        named = [f for f in report.failures if f.startswith(f"{member}:")]
        assert named, f"{where}: {report.failures}"
        assert all(f.isprintable() and len(f) < 700 for f in report.failures), where
        checked += 1
    assert checked >= 3


WHOLE = [b"", b"\n", b"[]\n", b'"x"\n', b"null\n", b"1.5\n", b"{}\n", b"\xff\xfe\n", b"{\n",
         b'{"a":1,"a":2}\n', b"[" * 10_000 + b"\n"]  # fmt: skip


@pytest.mark.parametrize("member", [*MEMBERS, SIGNATURES])
@pytest.mark.parametrize("content", WHOLE)
def test_a_whole_member_of_the_wrong_kind(
    parts: dict[str, bytes], member: str, content: bytes
) -> None:
    changed = {**parts, member: content}
    if member == SIGNATURES:
        report = verify_bundle(rezip(changed, resign=None), workers=1)
    else:
        report = _verify(changed)
    if member == "spoiled.jsonl" and content in (b"", b"\n"):
        assert report.passed  # no challenged ballot is a valid spoiled.jsonl
        return
    assert not report.passed
    # No paper box is a valid paper.json: then the result's paper totals are wrong.
    named = ("result.json:",) if (member, content) == ("paper.json", b"[]\n") else (f"{member}:",)
    assert any(f.startswith(named) for f in report.failures), report.failures


# Behind the signatures: documents changed, then re-signed by their own signers.

Signer = nacl.signing.SigningKey
SIGNED = [("trustees.json", "roster"), ("trustees.json", "deals"),
          ("trustees.json", "acknowledgements"), ("tally.json", "partials"),
          ("audit-log.jsonl", None)]  # fmt: skip


def _signers(made: Made) -> dict[str, Signer]:
    keys = [made.operator_key, *(share.keys.signing_key for share in made.shares)]
    return {b64encode(bytes(key.verify_key)): key for key in keys}


def _document(parts: dict[str, bytes], member: str, part: str | None) -> dict[str, Any]:
    """The first signed document of a member (of JSON lines: the first line)."""
    if part is None:
        first: dict[str, Any] = json.loads(parts[member].splitlines()[0])
        return first
    document: dict[str, Any] = json.loads(parts[member])[part][0]
    return document


def _with_document(parts: dict[str, bytes], member: str, part: str | None,
                   document: dict[str, object]) -> bytes:  # fmt: skip
    if part is None:
        rest = parts[member].splitlines()[1:]
        return b"\n".join([json_member(document).rstrip(b"\n"), *rest]) + b"\n"
    whole = json.loads(parts[member])
    return json_member({**whole, part: [document, *whole[part][1:]]})


def _resigned_cases(
    parts: dict[str, bytes], member: str, part: str | None, signers: dict[str, Signer]
) -> Iterator[tuple[str, bytes]]:
    """(what changed, the member's new content) for every field of the first document."""
    document = _document(parts, member, part)
    key = signers[document["signer"]]
    for path in _paths(document["body"]):
        for new in _wrong(_at(document["body"], path)):
            if isinstance(new, float):
                continue  # nothing with a float can be signed: canonical JSON has none
            body = _replace(document["body"], path, new)
            resigned = signing.sign_document(key, document["purpose"], body)
            where = f"{member} {part} body.{'.'.join(map(str, path))} = {new!r}"
            yield where, _with_document(parts, member, part, resigned)


@pytest.mark.parametrize(("member", "part"), SIGNED)
def test_wrong_types_behind_a_valid_signature(made: Made, parts: dict[str, bytes], member: str,
                                              part: str | None) -> None:  # fmt: skip
    checked = 0
    for where, content in _resigned_cases(parts, member, part, _signers(made)):
        report = _verify({**parts, member: content})
        assert not report.passed, where
        assert any(f.startswith(f"{member}:") for f in report.failures), (where, report.failures)
        assert all(f.isprintable() and len(f) < 700 for f in report.failures), where
        checked += 1
    assert checked >= 5
