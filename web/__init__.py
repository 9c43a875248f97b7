"""The web UI: residents vote, the public checks, officials run the election.

`create_app` builds the Flask application; `evote serve` and `evote demo` run it.
Ballots are encrypted in the browser (static/booth/): the server never sees a
plaintext vote. See docs/web.md.
"""

from web.app import create_app

__all__ = ["create_app"]
