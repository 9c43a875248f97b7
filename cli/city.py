"""The city an election is held in, by name, for the official report's header.

The report is made from the bundle alone (audit/report.py); the name comes from
the manifest's NIS code through the municipalities list, which lives in
`identity` and so is looked up here, where the command line wires things together.
"""

from __future__ import annotations

import io
import json
import zipfile

from evoting.election import ManifestError, parse_manifest
from identity.municipalities import names

MAX_MANIFEST = 16 << 20


def city_of(bundle: bytes) -> dict[str, str] | None:
    """The municipality's names (nl, fr, en) from the bundle's manifest, if known."""
    try:
        with zipfile.ZipFile(io.BytesIO(bundle)) as archive:
            info = archive.getinfo("manifest.json")
            if info.file_size > MAX_MANIFEST:
                return None
            manifest = parse_manifest(json.loads(archive.read(info)))
    except (KeyError, ValueError, zipfile.BadZipFile, ManifestError, RecursionError):
        return None  # the report says why it cannot be made
    eligibility = manifest.eligibility
    return names(eligibility.municipality, eligibility.reference_date)
