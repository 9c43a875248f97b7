"""What the command line and the web UI both do, wiring the packages below them.

Setting an election up (`services.lifecycle.set_up_election`) touches identity
(the credential key), ballots (the board) and audit (the operator key and the log's
first entry); only `web` and `cli`, which wire everything, call it. It lived in
`evoting` until the kernel's package stopped importing the floors above it
(docs/architecture.md).
"""
