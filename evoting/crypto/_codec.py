"""JSON fields of the kernel's protocol objects: base64url scalars and points.

Decoding validates (group.py): a malformed field raises `InvalidEncoding`
naming the field.

`read_together` reads a large object (a ballot: dozens of points) with its points'
curve checks done in one call of the native core at the end instead of one
libsodium call each; the object is returned only if every point passed, and any
failure is read again point by point, so the error is the one a point-by-point
read gives (the first bad field, in reading order).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from contextvars import ContextVar
from typing import TypeVar

from . import batch, combine
from .canonical import b64decode, b64encode
from .errors import CanonicalEncodingError, CryptoError, InvalidEncoding
from .group import Point, Scalar, _new_point

T = TypeVar("T")
_ZERO = bytes(32)
_pending: ContextVar[list[bytes] | None] = ContextVar("evoting_pending_points", default=None)


def enc(value: Scalar | Point) -> str:
    return b64encode(value.to_bytes())


def _bytes(value: object, b64: Callable[[str], bytes | None] | None) -> bytes:
    """The bytes a base64url field holds: 32 of them in one native call when the core
    is in use and the text is their canonical form; else (any other length, or text the
    core refuses, for the reason) by `b64decode`, the rule the core implements."""
    if b64 is not None and type(value) is str and value.isascii():
        raw = b64(value)
        if raw is not None:
            return raw
    if not isinstance(value, str):
        raise InvalidEncoding("expected a base64url string")
    return b64decode(value)


def _decoder() -> Callable[[str], bytes | None] | None:
    core = combine.native_core()
    return None if core is None else core.b64_32


def scalar(value: object, field: str) -> Scalar:
    try:
        return Scalar.from_bytes(_bytes(value, _decoder()))
    except (CanonicalEncodingError, InvalidEncoding) as exc:
        raise InvalidEncoding(f"{field}: {exc}") from exc


def point(value: object, field: str) -> Point:
    try:
        return _point(value, _pending.get(), _decoder())
    except (CanonicalEncodingError, InvalidEncoding) as exc:
        raise InvalidEncoding(f"{field}: {exc}") from exc


def _point(
    value: object, pending: list[bytes] | None, b64: Callable[[str], bytes | None] | None
) -> Point:
    """One point; inside `read_together` (``pending``) its curve check is put off."""
    raw = _bytes(value, b64)
    if pending is None or len(raw) != 32 or raw[31] & 0x80 or raw == _ZERO:
        return Point.from_bytes(raw)  # at once (and every early refusal)
    pending.append(raw)
    return _new_point(raw)  # not returned to any caller before `read_together` checks it


def scalars(values: list[object], what: str) -> tuple[Scalar, ...]:
    """Each of ``values`` as a scalar; an error names ``what[i]`` (formatted only then)."""
    out = []
    b64 = _decoder()
    for i, value in enumerate(values):
        try:
            out.append(Scalar.from_bytes(_bytes(value, b64)))
        except (CanonicalEncodingError, InvalidEncoding) as exc:
            raise InvalidEncoding(f"{what}[{i}]: {exc}") from exc
    return tuple(out)


def points(values: list[object], what: str) -> tuple[Point, ...]:
    """Each of ``values`` as a point, as `point` reads one; errors name ``what[i]``."""
    out = []
    pending = _pending.get()
    b64 = _decoder()
    for i, value in enumerate(values):
        try:
            out.append(_point(value, pending, b64))
        except (CanonicalEncodingError, InvalidEncoding) as exc:
            raise InvalidEncoding(f"{what}[{i}]: {exc}") from exc
    return tuple(out)


def read_together(read: Callable[[], T]) -> T:
    """``read()``, with its points checked all at once (native core) before it returns."""
    core = combine.native_core()
    if core is None or _pending.get() is not None:
        return read()
    pending: list[bytes] = []
    token = _pending.set(pending)
    try:
        made = read()
    except (CryptoError, TypeError):  # read again below, for the point-by-point error
        made = None
    finally:
        _pending.reset(token)
    if made is not None:
        into = batch.current()
        if into is not None and into.native:
            if into.register(pending):  # decoded once, into the batch that will use them
                return made
        elif core.first_invalid_point(b"".join(pending)) is None:
            return made
    return read()  # point by point: the same error as without the native core


def obj(
    value: object, fields: set[str], what: str, optional: frozenset[str] | set[str] = frozenset()
) -> Mapping[str, object]:
    """A JSON object with exactly the given fields (and any of the ``optional`` ones)."""
    if not isinstance(value, dict):
        raise InvalidEncoding(f"{what} must be a JSON object")
    if value.keys() == fields:  # the common case, in one comparison
        return value
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
