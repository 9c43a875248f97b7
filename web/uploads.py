"""Reading what officials upload, whatever the bytes: a manifest, JSON files, a key file.

Each reader returns what the domain needs or raises `Refused` with a message in the
page's language; none lets a `RecursionError`, a `UnicodeDecodeError` or a YAML
error become a 500. The domain's own checks (the manifest's, the tally's) come after.
"""

from __future__ import annotations

import json
import tempfile
from pathlib import Path

from flask import request
from flask_babel import gettext as _

from evoting.election import Manifest, manifest_from_text
from web.errors import Refused


def uploaded(name: str) -> bytes:
    """The bytes of the file uploaded as ``name`` (empty if none was)."""
    found = request.files.get(name)
    return found.read() if found else b""


def uploaded_all(name: str) -> list[bytes]:
    """The bytes of every file uploaded as ``name`` (a ``multiple`` input)."""
    return [f.read() for f in request.files.getlist(name) if f and f.filename]


def _top_level(text: str, as_json: bool) -> str:
    """What the document is at its top: mapping, list, scalar or empty ("" if unreadable).

    Only the first events are parsed: the document itself is read once, by the
    manifest's own reader, which bounds its size and nesting first.
    """
    if as_json:
        start = text.lstrip()[:1]
        return {"{": "mapping", "[": "list", "": "empty"}.get(start, "scalar")
    import yaml

    kinds = {yaml.MappingStartEvent: "mapping", yaml.SequenceStartEvent: "list",
             yaml.StreamEndEvent: "empty"}  # fmt: skip
    try:
        for event in yaml.parse(text, Loader=yaml.SafeLoader):
            if not isinstance(event, yaml.StreamStartEvent | yaml.DocumentStartEvent):
                return kinds.get(type(event), "scalar")
    except yaml.YAMLError:
        pass
    return ""


def manifest(data: bytes, filename: str) -> Manifest:
    """The manifest uploaded as ``filename`` (YAML, or JSON if it ends in .json).

    `Refused` for a file that is empty, not UTF-8, not a mapping or nested too
    deeply; the manifest's own `ManifestError` (its problems, in English, with each
    field's path) for one that does not follow the format.
    """
    if not data.strip():
        raise Refused(_("The manifest file is empty."))
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        raise Refused(_("The manifest is not UTF-8 text: save it as UTF-8.")) from None
    as_json = filename.lower().endswith(".json")
    top = _top_level(text, as_json)
    if top == "empty":
        raise Refused(_("The manifest file is empty."))
    if top in ("list", "scalar"):
        raise Refused(_("A manifest is a mapping of fields (id, title, window, …), not a list or "
                        "a single value."))  # fmt: skip
    try:
        return manifest_from_text(data, "manifest", as_json=as_json)
    except RecursionError:
        raise Refused(_("The manifest is nested too deeply to be a manifest.")) from None


def _no_constant(name: str) -> object:
    raise ValueError(f"{name} is not a JSON number")


def json_document(data: bytes, refusal: str) -> object:
    """A JSON document (no NaN or Infinity), or `Refused` with ``refusal``."""
    try:
        return json.loads(data.decode("utf-8"), parse_constant=_no_constant)
    except (UnicodeDecodeError, ValueError, RecursionError):
        raise Refused(refusal) from None


MAX_KEY_FILE_MEMORY = 256 * 1024 * 1024
"""The most memory an uploaded key file's Argon2id may ask of the server: `evote
authority keygen` makes "moderate" files (256 MiB); a file asking for 1 GiB, which the
reader allows, would let each upload take that much of a shared server."""


def key_file_secret(data: bytes, purpose: str, passphrase: str) -> bytes:
    """The secret of an uploaded key file (read from a private temporary file, whose
    name no message ever shows). `Refused` for one whose key derivation asks for more
    memory than `MAX_KEY_FILE_MEMORY`."""
    from evoting.crypto.keyfile import read_key_file

    try:
        memory = json.loads(data)["kdf"]["memlimit"]
    except (ValueError, KeyError, TypeError, RecursionError):
        memory = 0  # not a key file: the reader says so
    if isinstance(memory, int) and memory > MAX_KEY_FILE_MEMORY:
        raise Refused(_("This key file asks the server for more memory than one request may "
                        "use: sign on the authority's own machine instead."))  # fmt: skip
    with tempfile.TemporaryDirectory() as directory:
        path = Path(directory) / "uploaded.key"
        path.write_bytes(data)
        path.chmod(0o600)
        return read_key_file(path, purpose, passphrase)


__all__ = ["Refused", "json_document", "key_file_secret", "manifest", "uploaded", "uploaded_all"]
