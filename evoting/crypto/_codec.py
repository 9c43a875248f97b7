"""JSON fields of the kernel's protocol objects: base64url scalars and points.

Decoding validates (group.py): a malformed field raises `InvalidEncoding`
naming the field.
"""

from __future__ import annotations

from collections.abc import Mapping

from .canonical import b64decode, b64encode
from .errors import CanonicalEncodingError, InvalidEncoding
from .group import Point, Scalar


def enc(value: Scalar | Point) -> str:
    return b64encode(value.to_bytes())


def scalar(value: object, field: str) -> Scalar:
    try:
        if not isinstance(value, str):
            raise InvalidEncoding("expected a base64url string")
        return Scalar.from_bytes(b64decode(value))
    except (CanonicalEncodingError, InvalidEncoding) as exc:
        raise InvalidEncoding(f"{field}: {exc}") from exc


def point(value: object, field: str) -> Point:
    try:
        if not isinstance(value, str):
            raise InvalidEncoding("expected a base64url string")
        return Point.from_bytes(b64decode(value))
    except (CanonicalEncodingError, InvalidEncoding) as exc:
        raise InvalidEncoding(f"{field}: {exc}") from exc


def obj(
    value: object, fields: set[str], what: str, optional: frozenset[str] | set[str] = frozenset()
) -> Mapping[str, object]:
    """A JSON object with exactly the given fields (and any of the ``optional`` ones)."""
    if not isinstance(value, dict):
        raise InvalidEncoding(f"{what} must be a JSON object")
    if not fields <= set(value) <= fields | set(optional):
        missing = sorted(fields - set(value))
        extra = sorted(set(value) - fields - set(optional))
        raise InvalidEncoding(f"{what}: missing fields {missing}, unexpected fields {extra}")
    return value


def array(value: object, what: str) -> list[object]:
    if not isinstance(value, list):
        raise InvalidEncoding(f"{what} must be a JSON array")
    return value


def integer(value: object, what: str, *, minimum: int = 0, maximum: int) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not minimum <= value <= maximum:
        raise InvalidEncoding(f"{what} must be an integer from {minimum} to {maximum}")
    return value


def bounded_array(value: object, what: str, maximum: int) -> list[object]:
    """A JSON array of at most ``maximum`` items, checked before any item is decoded."""
    items = array(value, what)
    if len(items) > maximum:
        raise InvalidEncoding(f"{what} has more than {maximum} items")
    return items
