"""The verifier's report: what was checked, what failed, and what to compare it with.

Everything a report holds may come from a hostile bundle or receipt (a member's
name, a field's value quoted in a reason, a title), so it is stored as it will be
printed: `shown` escapes every unprintable character (control characters, bidi
overrides, line and paragraph separators) and cuts long texts short, so nothing in
a bundle can forge a ``PASS`` line or hide a ``FAIL``. At most `MAX_PER_MEMBER`
failures are listed per member; the rest are counted.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

MAX_PER_MEMBER = 100
PUBLISHED = (
    "what the city published before the vote (on the public election page, the poll-card "
    "letter and the report)"
)


def shown(text: str, limit: int = 300) -> str:
    """``text`` as it may be printed: unprintable characters escaped, at most ``limit``."""
    if len(text) > limit:
        text = text[:limit] + "…"
    return "".join(c if c.isprintable() else c.encode("unicode_escape").decode() for c in text)


@dataclass
class Report:
    failures: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    confirmed: list[str] = field(default_factory=list)
    """One line per receipt found on the final board."""
    bundle_sha256: str = ""
    election: str = ""
    title: str = ""
    fingerprint: str = ""
    """SHA-256 of the canonical manifest, lowercase hex (empty: manifest.json unreadable)."""
    authority: str = ""
    """SHA-256 of the Ed25519 key that signed signatures.json, lowercase hex."""
    pinned: list[str] = field(default_factory=list)
    """The pins given (``--fingerprint``, ``--authority-key``)."""
    _per_member: Counter[str] = field(default_factory=Counter, repr=False)

    def fail(self, member: str, reason: str) -> None:
        member = shown(member, 100)
        self._per_member[member] += 1
        if self._per_member[member] <= MAX_PER_MEMBER:
            self.failures.append(f"{member}: {shown(reason, 500)}")

    def note(self, text: str) -> None:
        self.notes.append(shown(text, 1000))

    def confirm(self, text: str) -> None:
        self.confirmed.append(shown(text, 500))

    def finish(self) -> Report:
        """List how many failures were left out, per member."""
        for member, count in self._per_member.items():
            if count > MAX_PER_MEMBER:
                self.failures.append(f"{member}: ... and {count - MAX_PER_MEMBER} more failures")
        self._per_member.clear()
        return self

    @property
    def passed(self) -> bool:
        return not self.failures

    def heading(self) -> list[str]:
        """What the bundle is, first: to compare with what the city published."""
        return [
            f"election: {self.election or '(unreadable manifest)'}",
            f"title: {self.title or '(unreadable manifest)'}",
            f"fingerprint: {self.fingerprint or '(unreadable manifest)'}",
            f"authority key: {self.authority or '(unreadable signatures.json)'}"
            + (" (SHA-256 of the key that signed signatures.json)" if self.authority else ""),
        ]

    def meaning(self) -> str:
        """What PASS means here: pinned, or only internally consistent."""
        if not self.pinned:
            return (
                "no --fingerprint or --authority-key given: PASS means the bundle is "
                "internally consistent, not that it is the election the city ran. Compare "
                f"the fingerprint and authority key above with {PUBLISHED}, or give them "
                "to --fingerprint and --authority-key."
            )
        return f"{' and '.join(self.pinned)} given: the bundle is checked against {PUBLISHED}."
