"""Setting an election up: the one place that creates it with all its keys.

Like `web` and `cli`, this module sits above identity, ballots and audit
and wires them together (docs/architecture.md). The command line, the web UI, the
simulation and the demo all create elections here, so every election's audit log
opens with the same "election-created" entry.
"""

from __future__ import annotations

import datetime
import hashlib

from sqlalchemy.orm import Session

from audit.store import create_operator_key, record
from ballots.board import create_board
from evoting.crypto.canonical import JSONValue
from evoting.deployment import DeploymentKeys
from evoting.election import Manifest
from evoting.elections import Election, create_election
from identity.issuance import create_credential_key


def set_up_election(
    session: Session,
    manifest: Manifest,
    keys: DeploymentKeys,
    now: datetime.datetime,
    **note: JSONValue,
) -> Election:
    """Create the election (draft), its credential, board and operator keys, and log it.

    ``note`` adds to the audit entry's details (who did it, or that it is a demo).
    """
    created = create_election(session, manifest, now)
    credential = create_credential_key(session, created.id, keys, now)
    board = create_board(session, created.id, created.fingerprint, keys, now)
    operator = create_operator_key(session, created.id, keys, now)
    details: dict[str, JSONValue] = {
        "fingerprint": created.fingerprint,
        "credential_key_sha256": hashlib.sha256(credential.to_der()).hexdigest(),
        "board_key": bytes(board),
        "operator_key": operator,
        **note,
    }
    record(session, created.id, "election-created", details, keys, now)
    return created
