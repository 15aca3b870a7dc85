"""Django's PostgreSQL backend, except that the health check of a persistent connection
looks at the connection locally before it asks the server.

With `CONN_HEALTH_CHECKS` on, Django's `is_usable()` sends `SELECT 1` before the first
query of every request: a round trip on the fixed cost of every call (issue 13: with the
session read, 3 of the 13 ms of an API list call). A connection that is usable is, seen
from here, open (psycopg has not marked it closed or bad), idle (no transaction left
open) and silent: the server sends nothing to an idle connection unless asked, so a
socket with nothing to read is one that nobody has closed. A server that terminates the
backend (a restart, `pg_terminate_backend`, `idle_session_timeout`) or a PgBouncer that
drops the client sends an error message and closes the socket, which then polls readable
(data, end of file or a hang-up). Only then, or when anything else is unusual, does
`is_usable()` ask the server with Django's `SELECT 1`, and a connection that fails it is
closed and replaced, as before.

What neither check sees: a network path that silently drops packets (a peer gone
without a reset, a firewall that forgets the flow). Nothing arrives, so the socket stays
quiet; `SELECT 1` would not see it either until TCP gives up on the retransmissions, and
the request's own first query hits the same wait. TCP keepalives
(`keepalives_idle` in `OPTIONS`) bound that wait for both.
"""

from __future__ import annotations

import select

from django.db.backends.postgresql import base
from django.db.backends.postgresql.psycopg_any import is_psycopg3


def socket_is_quiet(fileno: int) -> bool:
    """Whether the socket has nothing to read, no error and no hang-up, asked of the
    kernel without waiting (poll with a timeout of 0)."""
    if hasattr(select, "poll"):
        poller = select.poll()
        poller.register(fileno, select.POLLIN | select.POLLPRI)
        return not poller.poll(0)
    try:  # Windows: select() takes sockets, but no descriptor above FD_SETSIZE elsewhere
        readable, _, errored = select.select([fileno], [], [fileno], 0)
    except (OSError, ValueError):
        return False
    return not readable and not errored


class DatabaseWrapper(base.DatabaseWrapper):
    def is_usable(self) -> bool:
        if self.connection is not None and self._looks_usable():
            return True
        return super().is_usable()

    def _looks_usable(self) -> bool:
        """True when the connection is open, idle and its socket quiet; False means "ask
        the server", never "unusable". An error on the connection since its last commit
        (`errors_occurred`) is always checked with the server."""
        if not is_psycopg3 or self.errors_occurred:
            return False
        import psycopg
        from psycopg import pq

        connection = self.connection
        try:
            if connection.closed or connection.broken:
                return False
            info = connection.info
            if info.status != pq.ConnStatus.OK \
                    or info.transaction_status != pq.TransactionStatus.IDLE:
                return False
            return socket_is_quiet(connection.fileno())
        except (psycopg.Error, OSError, ValueError):  # the round trip decides
            return False
