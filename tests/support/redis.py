"""A throwaway Redis server for the test session, like tests/support/postgres.py.

The benchmarks start theirs the same way (cli/local_servers.py). Missing
`redis-server` is an error, not a skip: `./dev test` installs the package first.
"""

from cli.local_servers import RedisServer, running_redis

__all__ = ["RedisServer", "running_redis"]
