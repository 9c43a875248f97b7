"""Who may vote: register numbers, the voter register, eligibility, credentials.

Built on `evoting.crypto`; see docs/architecture.md. (Issue 3 fills it in.)
"""
