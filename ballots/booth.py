"""What the voter's device needs to make a ballot: the booth parameters.

The browser booth (evoting/web/static/booth/) receives this document and nothing
else about the election's cryptography: the fingerprint its proofs are bound to,
the election key it encrypts under, the registrar's RSA key it blinds for, and
each contest with its label, options and shape (docs/protocol.md §6, §10, §11).
"""

from __future__ import annotations

from ballots.encoding import contests
from evoting.crypto.blind import PublicKey
from evoting.crypto.canonical import b64encode
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
                "statement": spec.statement_id,
                "options": list(spec.options),
                "shape": {
                    "options": spec.shape.options,
                    "max_per_selection": spec.shape.max_per_selection,
                    "min_total": spec.shape.min_total,
                    "max_total": spec.shape.max_total,
                },
            }
            for spec in contests(manifest)
        ],
    }
