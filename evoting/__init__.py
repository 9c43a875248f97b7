"""evoting: the shared kernel of the e-voting engine.

`evoting.crypto` is the cryptographic kernel, `evoting.db` the database layer.
The other top-level packages (`identity`, `ballots`, `tally`, `audit`, `cli`)
build on them; docs/architecture.md says which may import which.
"""

__version__ = "0.1.0"
