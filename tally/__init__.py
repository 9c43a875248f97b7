"""Homomorphic tally, threshold decryption of the totals, and the binding rules.

Built on `evoting.crypto.threshold`; see docs/architecture.md. (Issue 4 fills it in.)
"""
