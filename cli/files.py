"""Reading the JSON files people hand the command line, within bounds, in one clear line.

Trustees, officials and the authority pass each other files (roster, deals, tally
requests, partial decryptions, paper boxes, signatures): a file that is too large,
not UTF-8, not JSON, nested too deep or holding a number too long to convert is
one line of error, never a traceback.
"""

from __future__ import annotations

import json
from pathlib import Path

import click

MAX_JSON_FILE = 64 << 20  # far above any document the protocol exchanges


def read_json(path: Path, limit: int = MAX_JSON_FILE) -> object:
    try:
        with Path(path).open("rb") as f:
            data = f.read(limit + 1)
    except OSError as exc:
        raise click.ClickException(f"cannot read {path}: {exc.strerror}") from exc
    if len(data) > limit:
        raise click.ClickException(f"{path} is larger than {limit >> 20} MiB")
    try:
        return json.loads(data)
    except (UnicodeDecodeError, ValueError, RecursionError) as exc:
        reason = "nested too deep" if isinstance(exc, RecursionError) else str(exc)[:200]
        raise click.ClickException(f"cannot read {path}: not a JSON document ({reason})") from exc
