"""Encrypted ballots and the hash-chained bulletin board.

Built on `evoting.crypto` (a ballot is one `EncryptedContest` per question, signed
with the voter's credential key); see docs/architecture.md. (Issue 4 fills it in.)
"""
