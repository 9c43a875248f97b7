"""Officials' counting steps: the closed board for the trustees, paper boxes entered by
two officials, the tally, and the election authority's signature.

The same functions as the command line (audit/actions.py), so the audit trail is
the same. Paper boxes: each official types a box's totals and their password,
which gives the key that signs the entry (evoting/accounts.py); the second
official enters the box without seeing the first's numbers (the page shows who
entered a box, and its totals only once confirmed). The signature: the authority
signs the bundle on its own machine (`evote authority sign`) and an official
uploads its signatures.json here; signing here with the key file and passphrase
is offered too, for the demo, and the page says so.
"""

from __future__ import annotations

import hashlib
import json
import re
import unicodedata
from pathlib import Path
from typing import Any

import nacl.exceptions
import nacl.signing
from flask import Blueprint, abort, flash, render_template, request, send_file
from flask_babel import gettext as _
from werkzeug.wrappers import Response

from audit.actions import NotAllowedToSign, discard_paper_box, enter_paper_box, tally_election
from audit.bundle import SignatureRefused, attach_signature
from ballots.encoding import contests
from evoting.accounts import Official
from evoting.crypto.canonical import b64decode, canonical_json
from evoting.crypto.errors import CryptoError
from evoting.elections import Election, ElectionError
from web import errors, uploads
from web.errors import Refused
from web.extensions import limiter, services
from web.officials import _back, _election_or_404, _figures, needs, refuse

blueprint = Blueprint("tallying", __name__, url_prefix="/officials")

MAX_COUNT = 10_000_000  # more ballots than any box holds: a typing slip, not a count


def _published(election_id: str, name: str) -> Path:
    return services().published / election_id / name


@blueprint.app_template_global()
def paper_boxes(election_id: str) -> dict[str, Any]:
    """What the closed election's page shows of the paper boxes (totals once confirmed)."""
    from tally.paper_entry import paper_voters, status

    with services().factory() as db:
        boxes = status(db, election_id)
        voters = paper_voters(db, election_id)
    counted = sum(int(b.totals["ballots"]) for b in boxes if b.totals is not None)
    return {"voters": voters, "boxes": boxes, "counted": counted}


@blueprint.app_template_global()
def contest_specs(election: Election) -> list[Any]:
    """The questions (and statements) a paper box counts, with their options."""
    questions = {q.id: q for q in election.manifest.questions}
    out = []
    for spec in contests(election.manifest):
        question_id, _slash, statement_id = spec.label.partition("/")
        question = questions[question_id]
        statement = next((s for s in question.statements if s.id == statement_id), None)
        out.append({"label": spec.label, "options": list(spec.options), "question": question.text,
                    "statement": statement.text if statement else None,
                    "titles": _option_titles(question, spec.options)})  # fmt: skip
    return out


def _option_titles(question: Any, options: tuple[str, ...]) -> list[Any]:
    """A project question's options as (rank or None, the project's title per language);
    None for the other questions' options (the template words them)."""
    if question.vote is None:
        return [None] * len(options)
    out = []
    for option in options:
        rank, _colon, project = option.rpartition(":")  # a points grid's "rank:project"
        title = question.vote.project(project).title
        out.append((int(rank) if rank else None, title))
    return out


@blueprint.app_template_global()
def bundle_state(election_id: str) -> str | None:
    """ "signed" once bundle.zip exists, "unsigned" while it waits for the authority."""
    if _published(election_id, "bundle.zip").is_file():
        return "signed"
    return "unsigned" if _published(election_id, "unsigned.zip").is_file() else None


@blueprint.get("/e/<election_id>/turnout")
@needs("read")
def turnout_page(election_id: str, official: Official) -> str:
    """Turnout by age band and by district: the registrar's figures, small cells hidden
    (during the vote, counted now; once tallied, the bundle's)."""
    from web.turnout import registrar_figures, turnout

    found = _election_or_404(election_id)
    return render_template("officials/turnout.html", official=official, election=found,
                           turnout=turnout(registrar_figures(found)))  # fmt: skip


@blueprint.get("/e/<election_id>/tally-request.json")
@needs("read")
def tally_request_file(election_id: str, official: Official) -> Response:
    from tally.service import TallyError, tally_record

    with services().factory() as db:
        try:
            found = tally_record(db, election_id)["request"]
        except (TallyError, ElectionError):
            abort(404)
    name = f"{election_id}-tally-request.json"
    return Response(canonical_json(found) + b"\n", mimetype="application/json",
                    headers={"Content-Disposition": f"attachment; filename={name}"})  # fmt: skip


@blueprint.get("/e/<election_id>/board.zip")
@needs("read")
def board_file(election_id: str, official: Official) -> Response:
    """The closed board the trustees check before decrypting (with the tally request)."""
    from audit.bundle import write_board_package
    from audit.export import board_package_contents
    from tally.service import TallyError

    path = _published(election_id, "board.zip")
    if not path.is_file():  # the board is final once closed: made once, then served
        try:
            contents = board_package_contents(services().factory, election_id)
        except (ValueError, TallyError, ElectionError):
            abort(404)
        path.parent.mkdir(parents=True, exist_ok=True)
        write_board_package(path, contents)
    return send_file(path, as_attachment=True, download_name=f"{election_id}-board.zip")


def _count(name: str) -> int:
    text = request.form.get(name, "").strip()
    if not re.fullmatch(r"[0-9]{1,9}", text) or int(text) > MAX_COUNT:  # "²".isdigit() is True
        raise Refused(_("Every count is a whole number, 0 or more."))
    return int(text)


def _box(election: Election) -> dict[str, object]:
    """The box's totals as typed on the form (the domain checks that they add up)."""
    name = unicodedata.normalize("NFC", request.form.get("box", "").strip())
    counts = {spec.label: [_count(f"count-{spec.label}-{i}") for i in range(len(spec.options))]
              for spec in contests(election.manifest)}  # fmt: skip
    return {"box": name, "ballots": _count("ballots"), "contests": counts}


def _paper_refusal(exc: BaseException) -> str:
    from tally import paper_entry as p

    box = getattr(exc, "box", "")
    wordings: list[tuple[type[BaseException], str]] = [
        (p.SameOfficial, _("Box %(box)s: a second, different official must enter it.", box=box)),
        (p.Mismatch, _("Box %(box)s: these totals differ from the first entry, which is "
                       "withdrawn too. Count the box again; two officials enter it anew. The "
                       "mismatch is in the audit log.", box=box)),
        (p.AlreadyConfirmed, _("Box %(box)s is confirmed by two officials: it cannot change.",
                               box=box)),
        (p.NothingWaiting, _("Box %(box)s has no entry waiting for a second official.",
                             box=box)),
        (NotAllowedToSign, _("Your password is not right: the entry was not signed.")),
    ]  # fmt: skip
    if isinstance(exc, p.TooManyPaperBallots):
        return str(_("The paper boxes would hold %(total)s ballots, but only %(voters)s "
                     "residents were marked as voting on paper.", total=exc.total,
                     voters=exc.voters))  # fmt: skip
    for kind, text in wordings:
        if isinstance(exc, kind):
            return str(text)
    return errors.message(exc)


@blueprint.post("/e/<election_id>/paper")
@limiter.limit("10 per minute; 100 per hour")
@needs("run")
def paper(election_id: str, official: Official) -> Response:
    """One official's entry of one paper box, signed with the key their password gives."""
    from tally.paper_entry import PaperEntryRefused
    from tally.result import PaperError

    s = services()
    found = _election_or_404(election_id)
    try:
        entered = enter_paper_box(s.factory, s.keys, election_id, _box(found), official.username,
                                  request.form.get("password", "")[:1024], s.clock())  # fmt: skip
    except (Refused, PaperEntryRefused, NotAllowedToSign, PaperError, ElectionError) as exc:
        refuse(exc, _("The box was not entered: %(reason)s", reason=_paper_refusal(exc)))
        return _back(election_id)
    if entered.confirmed:
        flash(_("Box %(box)s is confirmed by two officials.", box=entered.box), "ok")
    else:
        flash(_("Box %(box)s is entered: a second official must now enter it without looking "
                "at these numbers.", box=entered.box), "ok")  # fmt: skip
    return _back(election_id)


@blueprint.post("/e/<election_id>/paper/discard")
@limiter.limit("10 per minute; 100 per hour")
@needs("run")
def paper_discard(election_id: str, official: Official) -> Response:
    from tally.paper_entry import PaperEntryRefused

    s = services()
    box = request.form.get("box", "")[:64]
    try:
        discard_paper_box(s.factory, s.keys, election_id, box, official.username,
                          request.form.get("password", "")[:1024], s.clock())  # fmt: skip
    except (PaperEntryRefused, NotAllowedToSign, ElectionError) as exc:
        refuse(exc, _("The entry was not withdrawn: %(reason)s", reason=_paper_refusal(exc)))
        return _back(election_id)
    flash(_("The waiting entry of box %(box)s is withdrawn: it can be entered again.", box=box),
          "ok")  # fmt: skip
    return _back(election_id)


def _partials(election: Election) -> list[object]:
    """The trustees' partial decryptions, each a JSON document; at least k of them if the
    board holds a ballot (with none there is nothing to decrypt)."""
    files = uploads.uploaded_all("partials")
    partials = [uploads.json_document(data, _("Partial decryption file %(n)s of %(count)s is "
                                              "empty or not a JSON file.", n=i, count=len(files)))
                for i, data in enumerate(files, start=1)]  # fmt: skip
    needed = election.manifest.trustees.k
    if len(partials) < needed and _figures(election.id)["ballots"]:
        raise Refused(_("%(given)s partial decryptions were given; %(k)s trustees are needed.",
                        given=len(partials), k=needed))  # fmt: skip
    return partials


def _authority(election: Election) -> nacl.signing.SigningKey:
    """The authority's signing key from the uploaded key file and its passphrase; it must be
    the key the manifest pins, or the bundle it signs would fail verification."""
    data = uploads.uploaded("authority_key")
    if not data:
        raise Refused(_("The authority's key file is missing."))
    secret = uploads.key_file_secret(data, "authority", request.form.get("passphrase", ""))
    signer = nacl.signing.SigningKey(secret)
    pinned = election.manifest.authority_key
    if pinned is not None and bytes(signer.verify_key) != pinned:
        raise Refused(_("This is not the authority key the manifest pins: a bundle signed with it "
                        "would fail verification."))  # fmt: skip
    return signer


def _report(election_id: str) -> None:
    from audit.report import write_report
    from identity.municipalities import names

    eligibility = _election_or_404(election_id).manifest.eligibility
    city = names(eligibility.municipality, eligibility.reference_date)
    bundle = _published(election_id, "bundle.zip")
    write_report(bundle.read_bytes(), bundle.parent / "report.pdf", city=city)


@blueprint.post("/e/<election_id>/tally")
@needs("run")
def tally(election_id: str, official: Official) -> Response:
    """Decrypt the totals with the trustees' partial decryptions and add the paper boxes;
    the bundle is left for the authority to sign offline, or signed here (demo)."""
    from identity.issuance import issuance_report
    from tally.ceremony import CeremonyError
    from tally.decrypt import DecryptionRefused
    from tally.result import PaperError
    from tally.service import TallyError

    s = services()
    found = _election_or_404(election_id)
    here = request.form.get("signing") == "here"
    try:
        if found.state != "closed":
            raise Refused(errors.wrong_state(found.state, "tallied"))
        partials = _partials(found)
        signer = _authority(found) if here else None
        registrar = issuance_report(s.factory, election_id, s.keys).to_json()
        registrar.pop("credential_public_key")
        target = _published(election_id, "bundle.zip" if here else "unsigned.zip")
        target.parent.mkdir(parents=True, exist_ok=True)  # the file appears whole or not at all
        tally_election(s.factory, s.keys, election_id, partials, registrar, signer, target,
                       s.clock(), by=official.username)  # fmt: skip
    except (Refused, ValueError, CryptoError, DecryptionRefused, PaperError, TallyError,
            CeremonyError, ElectionError, RecursionError,
            nacl.exceptions.CryptoError) as exc:  # fmt: skip
        refuse(exc, _("The tally was refused: %(reason)s", reason=errors.message(exc)))
        return _back(election_id)
    if here:
        _report(election_id)
        flash(_("Tallied: the bundle and the report are ready to publish."), "ok")
    else:
        flash(_("Tallied: the authority now signs the bundle on its own machine."), "ok")
    return _back(election_id)


@blueprint.get("/e/<election_id>/unsigned.zip")
@needs("read")
def unsigned_file(election_id: str, official: Official) -> Response:
    path = _published(election_id, "unsigned.zip")
    if not path.is_file():
        abort(404)
    return send_file(path, as_attachment=True, download_name=f"{election_id}-unsigned.zip")


@blueprint.post("/e/<election_id>/signature")
@needs("run")
def signature(election_id: str, official: Official) -> Response:
    """The authority's signatures.json, made offline: it completes the bundle."""
    unsigned, bundle = (
        _published(election_id, "unsigned.zip"),
        _published(election_id, "bundle.zip"),
    )
    found = _election_or_404(election_id)
    try:
        if bundle.is_file():  # once signed, a second upload must not replace it
            raise Refused(_("The bundle is signed already."))
        if not unsigned.is_file() or found.state != "tallied":
            raise Refused(_("There is no bundle waiting for the authority's signature."))
        document = uploads.json_document(uploads.uploaded("signatures"),
                                         _("The signature file is not a JSON file."))  # fmt: skip
        attach_signature(unsigned, document, bundle)  # whole or not at all
    except (Refused, SignatureRefused) as exc:
        refuse(exc, _("The signature was refused: %(reason)s", reason=_signature_refusal(exc)))
        return _back(election_id)
    _report(election_id)
    flash(_("Signed: the bundle and the report are ready to publish."), "ok")
    if found.manifest.authority_key is None:  # nothing pinned: say whose key it was
        signer = json.loads(bundle_member(bundle, "signatures.json"))["authority"]
        flash(_("The manifest pins no authority key: this bundle is signed by the key with "
                "SHA-256 %(hash)s. Compare it with the key the authority published.",
                hash=hashlib.sha256(b64decode(signer)).hexdigest()), "error")  # fmt: skip
    return _back(election_id)


def bundle_member(path: Path, name: str) -> bytes:
    import zipfile

    with zipfile.ZipFile(path) as archive:
        return archive.read(name)  # our own bundle, just written


def _signature_refusal(exc: BaseException) -> str:
    if isinstance(exc, SignatureRefused):
        return str(_("it does not sign this bundle, with the authority key the manifest pins."))
    return errors.message(exc)
