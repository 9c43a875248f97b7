"""Helpers the blueprints share: the election by id (404 if none), its phase."""

from __future__ import annotations

from dataclasses import dataclass

from flask import abort

from evoting.elections import Election, ElectionError, get_election
from evoting.web.app import services


@dataclass(frozen=True)
class Phase:
    """Where the election stands for a resident: information, voting or results."""

    name: str  # "information", "voting", "counting", "results"
    open_now: bool


def load_election(election_id: str) -> Election:
    """The election, or 404; drafts are not shown to the public."""
    with services().factory() as session:
        try:
            election = get_election(session, election_id)
        except ElectionError:
            abort(404)
    if election.state == "draft":
        abort(404)
    return election


def phase(election: Election) -> Phase:
    now = services().clock()
    window = election.manifest.window
    if election.state in ("tallied", "published"):
        return Phase("results", False)
    if election.state == "closed" or now >= window.closes:
        return Phase("counting", False)
    if election.state == "open" and window.contains(now):
        return Phase("voting", True)
    return Phase("information", False)
