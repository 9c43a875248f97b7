"""Helpers the blueprints share: the election by id (404 if none), its phase."""

from __future__ import annotations

from dataclasses import dataclass

from flask import abort

from evoting.elections import Election, ElectionError, get_election
from web.extensions import services


@dataclass(frozen=True)
class Phase:
    """Where the election stands for a resident: information, voting or results."""

    name: str  # "preparation" (a draft), "information", "voting", "counting", "results"
    open_now: bool


def load_election(election_id: str, *, drafts: bool = False) -> Election:
    """The election, or 404. A draft is shown to the public only where ``drafts``: its
    page and its manifest, what residents and auditors pin before the vote; never its
    board, booth or results."""
    with services().factory() as session:
        try:
            election = get_election(session, election_id)
        except ElectionError:
            abort(404)
    if election.state == "draft" and not drafts:
        abort(404)
    return election


def phase(election: Election) -> Phase:
    now = services().clock()
    window = election.manifest.window
    if election.state == "draft":
        return Phase("preparation", False)
    if election.state in ("tallied", "published"):
        return Phase("results", False)
    if election.state == "closed" or now >= window.closes:
        return Phase("counting", False)
    if election.state == "open" and window.contains(now):
        return Phase("voting", True)
    return Phase("information", False)
