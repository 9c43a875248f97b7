"""Project questions at the ballot box and in the count: both databases.

A device that lies — a project ranked twice, a cell of 2, a basket over its budget
— signs its ballot with a real credential, so only the proofs can stop it: the
ballot box refuses it (code ``proof``) and the verifier's board check does too.
Honest ballots are counted: per rank, points per project, winners by the rule.
"""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path
from typing import Any

import pytest
import yaml
from sqlalchemy import Engine

from ballots.ballot import SIGNATURE_PURPOSE, Ballot, BallotRejected, encrypt_ballot
from ballots.cast import cast
from ballots.chain import BoardEntry, entry_hash, genesis_hash
from ballots.encoding import contests
from evoting.crypto import signing
from evoting.crypto.canonical import canonical_json
from evoting.crypto.contest import Subset, Weighted, encrypt_contest
from evoting.crypto.credential import Credential
from evoting.crypto.transcript import Binding
from tally.aggregate import Context, aggregate
from tally.decrypt import decrypt_request
from tally.service import close_vote, finish_tally
from tests.integration.conftest import CLOSED, EXAMPLES, NOW, Setup, make_setup, obtain_credential

TITLE = {"nl": "Project", "fr": "Projet", "en": "Project"}
COSTS = {"park": 30, "bikes": 50, "lights": 20, "stage": 70}
PROJECTS = [{"id": pid, "title": TITLE, "cost": cost} for pid, cost in COSTS.items()]
RULE = {"method": "greedy", "budget": 100, "ties": ["lower_cost", "lot"], "seed": "draw"}


@pytest.fixture
def projects(engine: Engine, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Setup:
    """Kortrijk's register, with a points question and a budget basket instead."""
    raw = yaml.safe_load((EXAMPLES / "kortrijk-2019.yaml").read_text())
    text = {"nl": "Welke?", "fr": "Lesquels ?", "en": "Which?"}
    raw["questions"] = [
        {"id": "ranks", "type": "points", "text": text, "points": [3, 2, 1],
         "projects": PROJECTS, "rule": RULE},
        {"id": "basket", "type": "budget", "text": text, "budget": 100, "projects": PROJECTS,
         "rule": RULE},
    ]  # fmt: skip
    path = tmp_path / "projects.yaml"
    path.write_text(yaml.safe_dump(raw))
    return make_setup(engine, tmp_path, monkeypatch, trustees=True, manifest_path=path)


def _lying(s: Setup, credential: Credential, label: str, chosen: list[int], **loose: Any) -> bytes:
    """A ballot whose contest ``label`` encrypts ``chosen`` with proofs made for a looser
    shape, signed by the credential: what a lying device sends."""
    answers = {"ranks": ["park", "bikes", "lights"], "basket": ["park"]}
    honest, _ = encrypt_ballot(s.manifest, s.public_key, credential, answers)
    spec = next(c for c in contests(s.manifest) if c.label == label)
    shape = dataclasses.replace(spec.shape, **loose)
    forged, _ = encrypt_contest(s.public_key, chosen, shape,
                                Binding(s.manifest.fingerprint, credential.public_key),
                                spec.label_bytes)  # fmt: skip
    swapped = tuple((lbl, forged if lbl == label else c) for lbl, c in honest.contests)
    unsigned = dataclasses.replace(honest, contests=swapped, signature=b"")
    signature = signing.sign(credential.signing_key, SIGNATURE_PURPOSE, unsigned.body_json())
    return dataclasses.replace(unsigned, signature=signature).canonical()


def _forgeries(s: Setup) -> dict[str, tuple[str, list[int], dict[str, Any]]]:
    grid = contests(s.manifest)[0].shape
    twice = [0] * 12
    twice[0] = twice[4] = twice[10] = 1  # park first and second, lights third
    cell2 = [0] * 12
    cell2[0], cell2[5] = 2, 1  # a 2 in a cell, the third rank empty
    return {
        "ranked twice": ("ranks", twice, {"subsets": tuple(
            Subset(x.indices, 0, 2) for x in grid.subsets)}),
        "a cell of 2": ("ranks", cell2, {"max_per_selection": 2, "min_total": 0, "max_total": 6,
                                         "subsets": tuple(Subset(x.indices, 0, 2)
                                                          for x in grid.subsets)}),
        "over budget": ("basket", [0, 1, 0, 1], {"weighted": Weighted((30, 50, 20, 70), 0, 127)}),
    }  # fmt: skip


def test_lying_devices_are_refused_by_the_ballot_box(projects: Setup) -> None:
    residents = ("An", "Bram", "Chantal")
    for resident, (name, (label, chosen, loose)) in zip(residents, _forgeries(projects).items(),
                                                        strict=True):  # fmt: skip
        data = _lying(projects, obtain_credential(projects, resident), label, chosen, **loose)
        with pytest.raises(BallotRejected) as refused:
            cast(projects.factory, projects.keys, projects.election_id, data, NOW)
        assert refused.value.code == "proof", name


def test_the_verifiers_board_check_refuses_them_too(projects: Setup) -> None:
    from evoting.elections import checked_credential_public_key

    with projects.factory() as session:
        der = checked_credential_public_key(session, projects.election_id, projects.keys).to_der()
    context = Context(projects.manifest.canonical(), projects.public_key.to_bytes(), der)
    lines, previous = [], genesis_hash(projects.manifest.fingerprint)
    names = ("An", "Bram", "Chantal")
    honest = [encrypt_ballot(projects.manifest, projects.public_key, obtain_credential(
        projects, name), {"ranks": ["park", "bikes", "lights"], "basket": ["lights"]})[0]
        .canonical() for name in ("Dries", "Ilse")]  # fmt: skip
    lying = [_lying(projects, obtain_credential(projects, names[k]), label, chosen, **loose)
             for k, (label, chosen, loose) in enumerate(_forgeries(projects).values())]  # fmt: skip
    # Honest, lying, honest, lying, lying: one chunk, checked as one batch.
    for n, data in enumerate([honest[0], lying[0], honest[1], lying[1], lying[2]], start=1):
        code = Ballot.from_json(json.loads(data)).tracking_code
        digest = entry_hash(n, previous, code)
        entry = BoardEntry(n, data.decode(), code, "", previous, digest)
        lines.append(canonical_json(entry.to_json()).decode())
        previous = digest
    added = aggregate(lines, context, workers=1)
    assert [p.split(":")[0] for p in added.problems] == [
        "board entry 2", "board entry 4", "board entry 5"]  # fmt: skip
    assert all("the ballot is refused" in p for p in added.problems), added.problems
    assert all("proof" in p or "selection" in p or "sum" in p or "subset" in p
               or "weighted" in p for p in added.problems), added.problems  # fmt: skip


def test_honest_ballots_are_counted_by_rank_and_funded_greedily(projects: Setup) -> None:
    votes = {"An": ["park", "bikes", "lights"], "Bram": ["bikes", "park", "stage"],
             "Chantal": ["park", "lights", "stage"]}  # fmt: skip
    for name, ranking in votes.items():
        credential = obtain_credential(projects, name)
        ballot, _ = encrypt_ballot(projects.manifest, projects.public_key, credential,
                                   {"ranks": ranking, "basket": ["lights", "stage"]})  # fmt: skip
        cast(projects.factory, projects.keys, projects.election_id, ballot.canonical(), NOW)
    request = close_vote(projects.factory, projects.keys, projects.election_id, CLOSED, workers=1)
    partials = [decrypt_request(s, request) for s in projects.shares[:2]]
    result: Any = finish_tally(projects.factory, projects.election_id, partials, eligible=9)
    ranks, basket = result["questions"]
    assert ranks["per_rank"] == {"park": [2, 1, 0], "bikes": [1, 1, 0], "lights": [0, 1, 1],
                                 "stage": [0, 0, 2]}  # fmt: skip
    assert ranks["totals"] == {"park": 8, "bikes": 5, "lights": 3, "stage": 2}
    assert ranks["winners"] == ["park", "bikes", "lights"]  # 30 + 50 + 20 = 100
    assert (ranks["spent"], ranks["left"]) == (100, 0)
    assert basket["totals"] == {"park": 0, "bikes": 0, "lights": 3, "stage": 3}
    assert basket["winners"] == ["lights", "stage"]  # tied at 3: lower cost first
    assert [d["status"] for d in basket["explanation"]] == ["funded", "funded", "skipped",
                                                           "skipped"]  # fmt: skip
