"""The browser booth's JavaScript, run under Node: it speaks the protocol the server checks.

`tests/js/protocol.test.mjs` checks it against docs/protocol.md's vectors; here a
ballot it makes (credential by RFC 9474 blind signature, encryption, proofs,
signature) is checked by the Python kernel, and a tampered one is refused, for every
question type: referendum, consultation, and the project questions (approval, points,
budget basket, cumulative: docs/protocol.md §6.1), whose answers the JavaScript turns
into selections as ballots/encoding.py does.
"""

from __future__ import annotations

import hashlib
import json
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest

from ballots.ballot import Ballot, BallotRejected, tracking_code_short, verify_ballot
from ballots.booth import booth_parameters
from ballots.encoding import AnswerError, contests, selections
from ballots.spoil import verify_spoiled
from evoting.crypto.blind import BlindSigner
from evoting.crypto.canonical import b64decode, b64encode
from evoting.crypto.elgamal import DiscreteLogTable, KeyPair, decrypt
from evoting.election import Manifest, load_manifest, parse_manifest
from evoting.projects import PROJECT_TYPES
from tests.support.protocol_vectors import shape_json

ROOT = Path(__file__).resolve().parents[2]
EXAMPLES = ROOT / "examples"
NODE = shutil.which("node")


def _node() -> str:
    if NODE is None:
        pytest.fail("Node.js is needed for the booth's tests (./dev test installs it)")
    return NODE


def test_the_protocol_module_matches_the_test_vectors() -> None:
    run = subprocess.run(
        [_node(), "--test", "tests/js/protocol.test.mjs"],
        cwd=ROOT, capture_output=True, text=True, timeout=120, check=False,
    )  # fmt: skip
    assert run.returncode == 0, run.stdout[-4000:] + run.stderr[-2000:]
    assert "# fail 0" in run.stdout


def test_the_vendored_bundle_is_what_the_pinned_packages_build() -> None:
    if shutil.which("npm") is None:
        pytest.fail("npm is needed to rebuild the booth's vendored bundle (./dev test installs it)")
    run = subprocess.run(
        ["bash", "booth-vendor/build.sh", "--check"],
        cwd=ROOT, capture_output=True, text=True, timeout=600, check=False,
    )  # fmt: skip
    assert run.returncode == 0, run.stdout[-2000:] + run.stderr[-2000:]


@pytest.fixture(scope="module")
def signer() -> BlindSigner:
    return BlindSigner.generate()


def _contest_json(manifest: Manifest) -> list[dict[str, Any]]:
    """What the device needs of each contest (docs/protocol.md §6.1): label, question,
    statement, the question's type, options, and the whole shape (with ``subsets`` and
    ``weighted`` where it has them)."""
    types = {q.id: q.type for q in manifest.questions}
    return [
        {"label": spec.label, "question": spec.question_id, "statement": spec.statement_id,
         "type": types[spec.question_id], "options": list(spec.options),
         "shape": shape_json(spec.shape)}
        for spec in contests(manifest)
    ]  # fmt: skip


def _parameters(manifest: Manifest, key: KeyPair, signer: BlindSigner) -> dict[str, Any]:
    """The booth parameters (ballots/booth.py), checked to carry what the device needs."""
    params = booth_parameters(manifest, key.public, signer.public_key)
    assert params["contests"] == _contest_json(manifest)
    return params


def _booth(
    manifest: Manifest,
    key: KeyPair,
    signer: BlindSigner,
    selections: dict[str, list[int]] | None = None,
    answers: dict[str, object] | None = None,
) -> dict[str, Any]:
    """One voter's device: blind, get it signed, finalize, encrypt, prove, sign."""
    params = _parameters(manifest, key, signer)
    driver = subprocess.Popen(
        [_node(), "tests/js/booth-driver.mjs"], cwd=ROOT, text=True,
        stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
    )  # fmt: skip
    assert driver.stdin is not None
    assert driver.stdout is not None
    request = {"params": params, "selections": selections or {}, "answers": answers or {}}
    driver.stdin.write(json.dumps(request) + "\n")
    driver.stdin.flush()
    blinded = b64decode(json.loads(driver.stdout.readline())["blinded"])
    answer = {"blind_signature": b64encode(signer.blind_sign(blinded))}
    out, err = driver.communicate(json.dumps(answer) + "\n", timeout=120)
    assert driver.returncode == 0, err
    made: dict[str, Any] = json.loads(out)
    return made


@pytest.mark.parametrize(
    ("example", "selections"),
    [
        ("kortrijk-2019.yaml", {"car-free-sunday": [0, 1, 0]}),
        ("grote-bevraging.yaml", None),
    ],
)
def test_a_ballot_made_in_javascript_verifies_in_python(
    signer: BlindSigner, example: str, selections: dict[str, list[int]] | None
) -> None:
    from ballots.encoding import contests

    manifest = load_manifest(EXAMPLES / example)
    if selections is None:  # every statement: agree, disagree, no opinion in turn
        selections = {
            spec.label: [int(i % 3 == j) for j in range(3)]
            for i, spec in enumerate(contests(manifest))
        }
    key = KeyPair.generate()
    made = _booth(manifest, key, signer, selections)

    ballot = Ballot.from_json(made["ballot"])
    assert ballot.canonical().decode() == made["canonical"]  # one canonical form, both sides
    assert made["tracking_code"] == hashlib.sha256(ballot.canonical()).hexdigest()
    assert made["short"] == tracking_code_short(made["tracking_code"])
    verify_ballot(manifest, key.public, signer.public_key, ballot)
    table = DiscreteLogTable(1)
    for label, contest in ballot.contests:
        assert [decrypt(key.secret, ct, table) for ct in contest.ciphertexts] == selections[label]
    spoiled_ballot, revealed = verify_spoiled(manifest, key.public, made["spoiled"])
    assert spoiled_ballot == ballot
    assert revealed == selections


def _project_manifest(questions: list[dict[str, Any]]) -> Manifest:
    raw: dict[str, Any] = {
        "id": "pb", "languages": ["en"], "title": {"en": "Participatory budget"},
        "web_address": "https://example.be",
        "window": {"opens": "2026-01-01T08:00", "closes": "2026-01-10T20:00"},
        "eligibility": {"minimum_age": 16, "municipality": "34022"},
        "questions": [{"text": {"en": f"Question {q['id']}"}, **q} for q in questions],
        "trustees": {"n": 1, "k": 1},
    }  # fmt: skip
    return parse_manifest(raw)


def _projects(costs: list[int]) -> list[dict[str, Any]]:
    return [
        {"id": f"p{i}", "title": {"en": f"Project {i}"}, "cost": c} for i, c in enumerate(costs)
    ]


LOT = {"ties": ["lot"], "seed": "drawn in public"}
TOP2 = {"method": "top", "seats": 2, **LOT}
COSTS = [30_000, 50_000, 20_000, 70_000, 40_000]
EVERY_TYPE = _project_manifest([
    {"id": "car-free-sunday", "type": "referendum", "blank_allowed": True,
     "rules": {"min_participants": 0, "min_margin_points": 0}},
    {"id": "statements", "type": "consultation", "statements": [
        {"id": "s1", "text": {"en": "One"}}, {"id": "s2", "text": {"en": "Two"}}]},
    {"id": "shortlist", "type": "approval", "min_choices": 1, "max_choices": 3,
     "projects": _projects(COSTS), "rule": TOP2},
    {"id": "ranking", "type": "points", "points": [3, 2, 1], "projects": _projects(COSTS),
     "rule": TOP2},
    {"id": "quick", "type": "points", "points": [2, 1], "fewer_ranks": True,
     "projects": _projects(COSTS), "rule": TOP2},
    {"id": "basket", "type": "budget", "budget": 100_000, "min_spend": 20_000,
     "projects": _projects(COSTS), "rule": {"method": "greedy", "budget": 100_000, **LOT}},
    {"id": "spread", "type": "cumulative", "max_total": 5, "max_per_option": 3,
     "projects": _projects(COSTS), "rule": TOP2},
])  # fmt: skip
EVERY_TYPE_ANSWERS: dict[str, object] = {
    "car-free-sunday": "no", "statements": ["agree", "no_opinion"], "shortlist": ["p1", "p4"],
    "ranking": ["p3", "p0", "p4"], "quick": ["p2"], "basket": ["p0", "p2", "p4"],
    "spread": {"p1": 3, "p4": 2},
}  # fmt: skip
GRID_3_50 = _project_manifest([
    {"id": "grid", "type": "points", "points": [3, 2, 1],
     "projects": _projects([1000 + i for i in range(50)]), "rule": TOP2},
])  # fmt: skip


def _split(manifest: Manifest, answers: dict[str, object]) -> tuple[dict[str, Any], ...]:
    """The answers the device reads itself (project questions), the others as selections,
    and the selections the kernel makes of all of them."""
    project = {q.id for q in manifest.questions if q.type in PROJECT_TYPES}
    expected = selections(manifest, answers)
    given = {s.label: expected[s.label] for s in contests(manifest) if s.question_id not in project}
    return {k: v for k, v in answers.items() if k in project}, given, expected


@pytest.mark.parametrize(
    ("manifest", "answers"),
    [
        (load_manifest(EXAMPLES / "rueil-2019.yaml"),
         {"projects": ["ruches", "jardin-partage", "pietons-ecoles"]}),
        (load_manifest(EXAMPLES / "poperinge.yaml"),
         {"shortlist": ["speelplein-watou", "boomgaard-proven", "boomgaard-krombeke",
                        "zitbanken-poperinge", "speelplein-krombeke"]}),
        (EVERY_TYPE, EVERY_TYPE_ANSWERS),
    ],
    ids=["rueil-points", "poperinge-approval", "every-type"],
)  # fmt: skip
def test_a_project_ballot_made_in_javascript_verifies_in_python(
    signer: BlindSigner, manifest: Manifest, answers: dict[str, object]
) -> None:
    project_answers, given, expected = _split(manifest, answers)
    key = KeyPair.generate()
    made = _booth(manifest, key, signer, given, project_answers)
    assert made["selections"] == expected  # the answers read as ballots/encoding.py reads them

    ballot = Ballot.from_json(made["ballot"])
    assert ballot.canonical().decode() == made["canonical"]
    verify_ballot(manifest, key.public, signer.public_key, ballot)
    table = DiscreteLogTable(max(s.shape.max_per_selection for s in contests(manifest)))
    for label, contest in ballot.contests:
        assert [decrypt(key.secret, ct, table) for ct in contest.ciphertexts] == expected[label]
    spoiled_ballot, revealed = verify_spoiled(manifest, key.public, made["spoiled"])
    assert spoiled_ballot == ballot
    assert revealed == expected


def test_a_3_by_50_points_grid_made_in_javascript_verifies_in_python(signer: BlindSigner) -> None:
    """The issue's largest case: 150 cells, 53 subset proofs. The device's time (under
    Node here) is printed; run with ``-s`` to see it."""
    key = KeyPair.generate()
    answers: dict[str, object] = {"grid": ["p49", "p0", "p17"]}
    made = _booth(GRID_3_50, key, signer, answers=answers)
    assert made["selections"] == selections(GRID_3_50, answers)
    verify_ballot(GRID_3_50, key.public, signer.public_key, Ballot.from_json(made["ballot"]))
    print(f"3 × 50 points grid: encrypted and proved in {made['encrypt_ms']:.0f} ms (Node)")


def _tampered(made: dict[str, Any], how: str, label: str | None = None) -> dict[str, Any]:
    """The ballot changed as ``how`` says (in the contest ``label``, the first if None),
    re-signed by its credential (but for "signature")."""
    import nacl.signing

    from evoting.crypto import signing

    changed: dict[str, Any] = json.loads(json.dumps(made["ballot"]))
    by_label = {c["label"]: c for c in changed["contests"]}
    contest = by_label[label] if label is not None else changed["contests"][0]
    if how == "swap-ciphertexts":
        cts = contest["ciphertexts"]
        cts[0], cts[1] = cts[1], cts[0]
    elif how == "swap-challenges":
        proof = contest["selection_proofs"][0]
        proof["challenges"].reverse()
    elif how == "other-credential":
        changed["credential"]["public_key"] = b64encode(bytes(range(32)))
    elif how == "drop-subset-proofs":
        del contest["subset_proofs"]
    elif how == "swap-subset-proofs":
        proofs = contest["subset_proofs"]
        proofs[0], proofs[1] = proofs[1], proofs[0]
    elif how == "drop-weighted-proofs":
        del contest["weighted_proofs"]
    elif how == "swap-weighted-sides":
        sides = contest["weighted_proofs"]
        sides["low"], sides["high"] = sides["high"], sides["low"]
    elif how == "swap-bits":
        low = contest["weighted_proofs"]["low"]
        low["bits"][0], low["bits"][1] = low["bits"][1], low["bits"][0]
    elif how == "borrow-weighted-proofs":  # the basket's proofs, added to another question
        contest["weighted_proofs"] = by_label["basket"]["weighted_proofs"]
    elif how == "raise-cell":  # a cell of 2: add the generator to its β
        from evoting.crypto.group import G, Point

        beta = Point.from_bytes(b64decode(contest["ciphertexts"][0]["beta"]))
        contest["ciphertexts"][0]["beta"] = b64encode((beta + G).to_bytes())
    if how != "signature":
        body = {k: v for k, v in changed.items() if k != "signature"}
        key = nacl.signing.SigningKey(b64decode(made["credential"]["secret_key"]))
        changed["signature"] = b64encode(signing.sign(key, "EVOTING-V1-ballot", body))
    else:
        changed["signature"] = b64encode(bytes(64))
    return changed


@pytest.mark.parametrize(
    ("how", "code"),
    [
        ("swap-ciphertexts", "proof"),
        ("swap-challenges", "proof"),
        ("signature", "signature"),
        ("other-credential", "credential"),
    ],
)
def test_a_tampered_javascript_ballot_is_refused(signer: BlindSigner, how: str, code: str) -> None:
    manifest = load_manifest(EXAMPLES / "kortrijk-2019.yaml")
    key = KeyPair.generate()
    made = _booth(manifest, key, signer, {"car-free-sunday": [1, 0, 0]})
    tampered = Ballot.from_json(_tampered(made, how))
    with pytest.raises(BallotRejected) as refused:
        verify_ballot(manifest, key.public, signer.public_key, tampered)
    assert refused.value.code == code


@pytest.fixture(scope="module")
def every_type_ballot(signer: BlindSigner) -> tuple[KeyPair, dict[str, Any]]:
    key = KeyPair.generate()
    project_answers, given, _ = _split(EVERY_TYPE, EVERY_TYPE_ANSWERS)
    return key, _booth(EVERY_TYPE, key, signer, given, project_answers)


@pytest.mark.parametrize(
    ("label", "how"),
    [
        ("ranking", "swap-ciphertexts"),
        ("ranking", "raise-cell"),
        ("ranking", "drop-subset-proofs"),
        ("ranking", "swap-subset-proofs"),
        ("quick", "swap-subset-proofs"),
        ("basket", "drop-weighted-proofs"),
        ("basket", "swap-weighted-sides"),
        ("basket", "swap-bits"),
        ("shortlist", "borrow-weighted-proofs"),
        ("shortlist", "swap-ciphertexts"),
        ("spread", "swap-challenges"),
        ("spread", "raise-cell"),
    ],
)
def test_a_tampered_javascript_project_ballot_is_refused(
    signer: BlindSigner, every_type_ballot: tuple[KeyPair, dict[str, Any]], label: str, how: str
) -> None:
    key, made = every_type_ballot
    verify_ballot(EVERY_TYPE, key.public, signer.public_key, Ballot.from_json(made["ballot"]))
    tampered = Ballot.from_json(_tampered(made, how, label))
    with pytest.raises(BallotRejected) as refused:
        verify_ballot(EVERY_TYPE, key.public, signer.public_key, tampered)
    assert refused.value.code == "proof"
    assert str(refused.value).startswith(f"{label}:")


ANSWER_CASES: list[tuple[str, object]] = [
    ("shortlist", ["p1"]), ("shortlist", ["p4", "p1", "p0"]), ("shortlist", []),
    ("shortlist", None), ("shortlist", ["p1", "p2", "p3", "p4"]), ("shortlist", ["p1", "p1"]),
    ("shortlist", ["p9"]), ("shortlist", "p1"), ("shortlist", [1]), ("shortlist", {"p1": 1}),
    ("ranking", ["p3", "p0", "p4"]), ("ranking", ["p4", "p3", "p2"]), ("ranking", ["p3", "p0"]),
    ("ranking", ["p3", "p0", "p4", "p1"]), ("ranking", ["p3", "p3", "p1"]), ("ranking", None),
    ("ranking", ["p3", "p0", "p5"]), ("ranking", ["1:p3", "p0", "p4"]),
    ("quick", ["p2"]), ("quick", []), ("quick", None), ("quick", ["p2", "p1"]),
    ("quick", ["p2", "p1", "p0"]),
    ("basket", ["p0", "p2", "p4"]), ("basket", ["p1", "p4"]), ("basket", ["p2"]),
    ("basket", ["p0", "p1", "p2"]), ("basket", ["p3", "p0"]), ("basket", ["p1", "p3"]),
    ("basket", ["p0", "p1", "p2", "p4"]), ("basket", []), ("basket", None),
    ("spread", {"p1": 3, "p4": 2}), ("spread", {"p0": 1}), ("spread", {}), ("spread", None),
    ("spread", {"p1": 4}), ("spread", {"p1": 3, "p2": 3}), ("spread", {"p1": -1}),
    ("spread", {"p1": True}), ("spread", {"p1": 1.5}), ("spread", {"p9": 1}),
    ("spread", {"constructor": 1}), ("spread", ["p1"]), ("spread", "p1"),
]  # fmt: skip


def test_the_javascript_reads_project_questions_as_the_kernel_does() -> None:
    """projectContest (from the manifest's questions) gives the kernel's contests, and
    projectSelections the kernel's selections, or refuses what the kernel refuses."""
    manifests = [EVERY_TYPE, GRID_3_50, load_manifest(EXAMPLES / "rueil-2019.yaml"),
                 load_manifest(EXAMPLES / "poperinge.yaml")]  # fmt: skip
    for manifest in manifests:
        questions: list[dict[str, Any]] = manifest.to_json()["questions"]  # type: ignore[assignment]
        project = [q for q in questions if q["type"] in PROJECT_TYPES]
        cases = ANSWER_CASES if manifest is EVERY_TYPE else []
        run = subprocess.run(
            [_node(), "tests/js/encode-driver.mjs"], cwd=ROOT, capture_output=True, text=True,
            input=json.dumps({"questions": project, "cases": [
                {"question": q, "answer": a} for q, a in cases]}),
            timeout=60, check=False,
        )  # fmt: skip
        assert run.returncode == 0, run.stderr[-2000:]
        out = json.loads(run.stdout)
        assert out["contests"] == [c for c in _contest_json(manifest) if c["type"] in PROJECT_TYPES]
        for (question, answer), js in zip(cases, out["cases"], strict=True):
            try:
                expected: dict[str, object] = {
                    "selections": selections(manifest, EVERY_TYPE_ANSWERS | {question: answer})[
                        question]}  # fmt: skip
            except AnswerError:
                expected = {"error": "AnswerError"}
            assert {k: v for k, v in js.items() if k != "message"} == expected, (question, answer)
