"""What the voter's device needs to make a ballot: the booth parameters.

The browser booth (web/static/booth/) receives this document and nothing
else about the election's cryptography: the fingerprint its proofs are bound to,
the election key it encrypts under, the registrar's RSA key it blinds for, and
each contest with its label, the question's type, options and shape
(docs/protocol.md §6, §6.1, §10, §11): a shape's ``subsets`` (each ``{"indices",
"low", "high"}``) and ``weighted`` sum (``{"weights", "low", "high"}``) appear only
where it has them. The projects themselves (titles, costs, domains) the booth
page reads from the manifest.
"""

from __future__ import annotations

from ballots.encoding import contests
from evoting.crypto.blind import PublicKey
from evoting.crypto.canonical import b64encode
from evoting.crypto.contest import ContestShape
from evoting.crypto.group import Point
from evoting.election import Manifest

FORMAT = "EVOTING-V1-booth"


def booth_parameters(
    manifest: Manifest, election_key: Point, credential_key: PublicKey
) -> dict[str, object]:
    return {
        "format": FORMAT,
        "election": manifest.id,
        "fingerprint": b64encode(manifest.fingerprint),
        "election_key": b64encode(election_key.to_bytes()),
        "credential_key": b64encode(credential_key.to_der()),
        "contests": [
            {
                "label": spec.label,
                "question": spec.question_id,
                "type": manifest.question(spec.question_id).type,
                "statement": spec.statement_id,
                "options": list(spec.options),
                "shape": _shape(spec.shape),
            }
            for spec in contests(manifest)
        ],
    }


def _shape(shape: ContestShape) -> dict[str, object]:
    out: dict[str, object] = {
        "options": shape.options,
        "max_per_selection": shape.max_per_selection,
        "min_total": shape.min_total,
        "max_total": shape.max_total,
    }
    if shape.subsets:
        out["subsets"] = [{"indices": list(s.indices), "low": s.low, "high": s.high}
                          for s in shape.subsets]  # fmt: skip
    if shape.weighted is not None:
        w = shape.weighted
        out["weighted"] = {"weights": list(w.weights), "low": w.low, "high": w.high}
    return out
