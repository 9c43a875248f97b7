"""Paper boxes entered by two officials, the second blind to the first: both databases.

Before this, paper totals were a file handed to the tally: a box of 3,000 invented
ballots flipped a referendum to a binding yes and the verifier said PASS. Now each
box is entered twice by two different officials who both sign, and the boxes
never hold more ballots than residents marked for paper.
"""

from __future__ import annotations

import json
import threading
from typing import Any

import pytest

from audit.actions import NotAllowedToSign, discard_paper_box, enter_paper_box
from audit.store import entries as log_entries
from evoting.accounts import add_official
from evoting.elections import ElectionError
from identity.issuance import mark_paper
from identity.nrn import parse
from tally.decrypt import decrypt_request
from tally.paper import check_signatures, official_keys
from tally.paper_entry import (
    AlreadyConfirmed,
    Mismatch,
    NothingWaiting,
    SameOfficial,
    TooManyPaperBallots,
    confirmed_boxes,
    status,
)
from tally.result import PaperError
from tally.service import close_vote, finish_tally
from tests.integration.conftest import CLOSED, NOW, Setup
from tests.integration.test_tally import voted  # noqa: F401 - the fixture

PASSWORD = "a long official password"
OFFICIALS = ("anna", "bert", "cas")
ON_PAPER = ("Ilse", "Jonas", "Karine")  # marked for paper at the polling station


def box(name: str = "Stadhuis", yes: int = 2, no: int = 1, blank: int = 0) -> dict[str, object]:
    return {"box": name, "ballots": yes + no + blank,
            "contests": {"car-free-sunday": [yes, no, blank]}}  # fmt: skip


@pytest.fixture
def counted(voted: Setup) -> Setup:  # noqa: F811
    """Five voted online, three on paper; three officials and an observer; closed."""
    for name in ON_PAPER:
        mark_paper(voted.factory, voted.keys, voted.election_id, parse(voted.number(name)), NOW)
    with voted.factory() as session, session.begin():
        for username in OFFICIALS:
            add_official(session, username, PASSWORD, "official", NOW)
        add_official(session, "olga", PASSWORD, "observer", NOW)
    close_vote(voted.factory, voted.keys, voted.election_id, CLOSED, workers=1)
    return voted


def enter(s: Setup, who: str, totals: dict[str, object], password: str = PASSWORD) -> bool:
    return enter_paper_box(s.factory, s.keys, s.election_id, totals, who, password,
                           CLOSED).confirmed  # fmt: skip


def log(s: Setup) -> list[dict[str, Any]]:
    with s.factory() as session:
        return [json.loads(e)["body"] for e in log_entries(session, s.election_id)]


def test_two_officials_confirm_a_box_and_both_sign(counted: Setup) -> None:
    assert enter(counted, "anna", box()) is False
    with counted.factory() as session:
        waiting = status(session, counted.election_id)
    assert [(b.box, b.entered_by, b.totals) for b in waiting] == [("Stadhuis", ("anna",), None)]
    assert enter(counted, "bert", box()) is True
    with counted.factory() as session:
        boxes = confirmed_boxes(session, counted.election_id)
    assert [b["box"] for b in boxes] == ["Stadhuis"]
    listed = official_keys(log(counted))
    assert set(listed.values()) == {"anna", "bert"}
    check_signatures(counted.manifest.fingerprint, boxes, listed)  # raises if not
    actions = [b["action"] for b in log(counted)]
    assert actions[-4:] == ["official-key", "paper-box-entered", "official-key",
                            "paper-box-confirmed"]  # fmt: skip
    entered = next(b for b in log(counted) if b["action"] == "paper-box-entered")
    assert "contests" not in json.dumps(entered["details"])  # nobody sees the first numbers
    partials = [decrypt_request(s, _request(counted)) for s in counted.shares[:2]]
    result = finish_tally(counted.factory, counted.election_id, partials, eligible=9)
    assert result["participants"] == {"online": 5, "paper": 3, "total": 8}
    assert result["questions"][0]["paper"] == {"yes": 2, "no": 1, "blank": 0}  # type: ignore[index]


def _request(s: Setup) -> dict[str, object]:
    from tally.service import tally_record

    with s.factory() as session:
        request: dict[str, object] = tally_record(session, s.election_id)["request"]
    return request


def test_the_same_official_cannot_confirm_their_own_entry(counted: Setup) -> None:
    enter(counted, "anna", box())
    with pytest.raises(SameOfficial, match="a second, different official"):
        enter(counted, "anna", box())
    with pytest.raises(NotAllowedToSign):
        enter(counted, "olga", box())  # an observer reads, never enters
    with pytest.raises(NotAllowedToSign):
        enter(counted, "bert", box(), password="not bert's password")


def test_a_mismatch_is_refused_logged_and_both_count_again(counted: Setup) -> None:
    """A mismatch withdraws the waiting entry too: the second official cannot try numbers
    against it until one matches."""
    enter(counted, "anna", box(yes=2, no=1))
    with pytest.raises(Mismatch, match="differ from the first entry; both are withdrawn"):
        enter(counted, "bert", box(yes=1, no=2))
    mismatch = log(counted)[-1]
    assert mismatch["action"] == "paper-box-mismatch"
    assert mismatch["details"] == {"box": "Stadhuis", "by": "bert", "entered_by": "anna"}
    with counted.factory() as session:
        assert status(session, counted.election_id) == []
    assert enter(counted, "bert", box(yes=2, no=1)) is False  # recounted: entered anew
    assert enter(counted, "anna", box(yes=2, no=1)) is True
    with pytest.raises(AlreadyConfirmed):
        enter(counted, "cas", box(yes=1, no=2))


def test_the_log_says_nothing_of_a_waiting_entrys_numbers(counted: Setup) -> None:
    """Not even a hash: a hash of a few small counts is undone by trying them all."""
    enter(counted, "anna", box(yes=2, no=1))
    entered = log(counted)[-1]
    assert entered["action"] == "paper-box-entered"
    assert entered["details"] == {"box": "Stadhuis", "by": "anna"}


def test_paper_cannot_exceed_the_residents_marked_for_paper(counted: Setup) -> None:
    with pytest.raises(TooManyPaperBallots, match="hold 3000 ballots, but only 3 residents"):
        enter(counted, "anna", box(yes=3000, no=0))
    enter(counted, "anna", box("Stadhuis", yes=1, no=1))
    enter(counted, "bert", box("Stadhuis", yes=1, no=1))
    with pytest.raises(TooManyPaperBallots, match="hold 4 ballots, but only 3"):
        enter(counted, "anna", box("Markt", yes=1, no=1))
    enter(counted, "anna", box("Markt", yes=1, no=0))
    assert enter(counted, "bert", box("Markt", yes=1, no=0)) is True


def test_a_waiting_box_stops_the_tally_until_discarded_or_confirmed(counted: Setup) -> None:
    enter(counted, "anna", box())
    partials = [decrypt_request(s, _request(counted)) for s in counted.shares[:2]]
    with pytest.raises(PaperError, match="entered by one official only"):
        finish_tally(counted.factory, counted.election_id, partials, eligible=9)
    discard_paper_box(counted.factory, counted.keys, counted.election_id, "Stadhuis", "bert",
                      PASSWORD, CLOSED)  # fmt: skip
    assert [b["action"] for b in log(counted)][-1] == "paper-box-discarded"
    with pytest.raises(NothingWaiting):
        discard_paper_box(counted.factory, counted.keys, counted.election_id, "Stadhuis", "bert",
                          PASSWORD, CLOSED)  # fmt: skip
    result = finish_tally(counted.factory, counted.election_id, partials, eligible=9)
    assert result["participants"] == {"online": 5, "paper": 0, "total": 5}
    with pytest.raises(ElectionError, match="is tallied"):
        enter(counted, "anna", box())


def test_boxes_are_entered_only_once_the_vote_is_closed(voted: Setup) -> None:  # noqa: F811
    with voted.factory() as session, session.begin():
        add_official(session, "anna", PASSWORD, "official", NOW)
    with pytest.raises(ElectionError, match="is open"):
        enter(voted, "anna", box())


def test_a_bad_box_is_refused_before_anything_is_stored(counted: Setup) -> None:
    for bad in ({"box": "X", "ballots": 1, "contests": {}}, {"box": "\x00", "ballots": 0},
                [box()], "box", {**box(), "ballots": 4}):  # fmt: skip
        with pytest.raises(PaperError):
            enter(counted, "anna", bad)  # type: ignore[arg-type]
    with counted.factory() as session:
        assert status(session, counted.election_id) == []


def test_two_officials_entering_one_box_at_once(counted: Setup) -> None:
    """One is first, the other confirms (equal numbers) or is refused (different): never
    two first entries, never a box confirmed twice."""
    rounds = ((box("A", 1, 0), box("A", 1, 0)), (box("B", 1, 0), box("B", 0, 1)))
    expected = (["confirmed", "first"], ["first", "mismatch"])
    for (first, second), outcome in zip(rounds, expected, strict=True):
        assert sorted(_race(counted, [("anna", first), ("bert", second)])) == outcome


def _race(s: Setup, entries: list[tuple[str, dict[str, object]]]) -> list[str]:
    barrier = threading.Barrier(len(entries))
    outcomes: list[str] = []

    def go(who: str, totals: dict[str, object]) -> None:
        barrier.wait()
        try:
            outcomes.append("confirmed" if enter(s, who, totals) else "first")
        except Mismatch:
            outcomes.append("mismatch")

    threads = [threading.Thread(target=go, args=entry) for entry in entries]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return outcomes
