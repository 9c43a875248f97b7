"""Audit log, result bundle, the independent verifier and the PDF report.

`audit.verify` works from a bundle alone, without `evoting.db`; see
docs/architecture.md. (Issue 4 fills it in.)
"""
