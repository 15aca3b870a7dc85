"""core.postgresql (issue 13: the fixed cost of every request): a persistent connection
is checked locally before each request, without a round trip while its socket is quiet,
and a connection the server has ended is still found and replaced."""

from __future__ import annotations

import os
import select
import socket
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from unittest import mock

import pytest
from django.conf import settings
from django.db import close_old_connections, connection, connections
from django.db.backends.postgresql import base as django_postgresql

from core.postgresql.base import DatabaseWrapper, socket_is_quiet

on_postgresql = pytest.mark.skipif(connection.vendor != "postgresql",
                                   reason="the PostgreSQL backend")


def test_a_socket_is_quiet_until_the_peer_writes_or_closes() -> None:
    here, there = socket.socketpair()
    with here, there:
        assert socket_is_quiet(here.fileno())
        there.sendall(b"E")  # an error message, as a terminated backend sends
        assert not socket_is_quiet(here.fileno())
        here.recv(1)
        assert socket_is_quiet(here.fileno())
        there.close()  # end of file
        assert not socket_is_quiet(here.fileno())


def test_the_backend_is_swapped_in_for_postgresql_only() -> None:
    """DATABASE_URL with PostgreSQL gets core.postgresql, for the replica too; SQLite
    (`make run`) keeps Django's backend."""
    code = ("import django; django.setup(); from django.conf import settings; "
            "print(settings.DATABASES['default']['ENGINE'], "
            "settings.DATABASES.get('replica', {}).get('ENGINE'))")
    base = {**os.environ, "DJANGO_SETTINGS_MODULE": "portal.settings.dev"}
    engines = {}
    for name, urls in (("postgres", {"DATABASE_URL": "postgres://u@db/x",
                                     "DATABASE_REPLICA_URL": "postgres://u@replica/x"}),
                       ("sqlite", {"DATABASE_URL": "sqlite:///unused.sqlite3",
                                   "DATABASE_REPLICA_URL": ""})):
        result = subprocess.run([sys.executable, "-c", code], env={**base, **urls},
                                cwd=Path(settings.BASE_DIR), capture_output=True, text=True,
                                timeout=60)
        engines[name] = result.stdout.split()
        assert result.returncode == 0, result.stderr
    assert engines == {"postgres": ["core.postgresql", "core.postgresql"],
                       "sqlite": ["django.db.backends.sqlite3", "None"]}


@pytest.fixture
def persistent() -> Iterator[DatabaseWrapper]:
    """The default connection as a web worker has it: persistent, health-checked, and
    outside any transaction (a transactional test), so that `close_old_connections`
    (request_started and request_finished) keeps it."""
    wrapper = connections["default"]
    assert isinstance(wrapper, DatabaseWrapper)
    saved = {key: wrapper.settings_dict[key] for key in ("CONN_MAX_AGE", "CONN_HEALTH_CHECKS")}
    wrapper.close()
    wrapper.settings_dict.update(CONN_MAX_AGE=60, CONN_HEALTH_CHECKS=True)
    wrapper.ensure_connection()
    yield wrapper
    wrapper.close()
    wrapper.settings_dict.update(saved)


def _backend_pid(wrapper: Any) -> int:
    with wrapper.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        return cursor.fetchone()[0]


@on_postgresql
@pytest.mark.django_db(transaction=True)
def test_a_healthy_connection_is_reused_without_select_1(persistent):
    pid = _backend_pid(persistent)
    looks_usable = DatabaseWrapper._looks_usable
    with mock.patch.object(django_postgresql.DatabaseWrapper, "is_usable",
                           autospec=True) as round_trip, \
            mock.patch.object(DatabaseWrapper, "_looks_usable", autospec=True,
                              side_effect=looks_usable) as local:
        for _ in range(3):  # three requests
            close_old_connections()  # request_started
            assert _backend_pid(persistent) == pid
            close_old_connections()  # request_finished
    assert local.call_count == 3  # a check per request, each conclusive (no round trip)
    round_trip.assert_not_called()


@on_postgresql
@pytest.mark.django_db(transaction=True)
def test_a_connection_in_a_transaction_is_asked_with_select_1(persistent):
    """Anything unusual (here a transaction left open on psycopg's connection) falls
    back to Django's round trip."""
    persistent.connection.execute("BEGIN")
    try:
        with mock.patch.object(django_postgresql.DatabaseWrapper, "is_usable",
                               autospec=True, return_value=True) as round_trip:
            assert persistent.is_usable()
        round_trip.assert_called_once()
    finally:
        persistent.connection.rollback()


@on_postgresql
@pytest.mark.django_db(transaction=True)
def test_a_terminated_connection_is_replaced_on_the_next_request(persistent):
    """A restart, `idle_session_timeout` or PgBouncer ends an idle connection: the server
    writes an error and closes the socket, the local check sees it readable, `SELECT 1`
    fails, and the request gets a new connection instead of an error."""
    pid = _backend_pid(persistent)
    close_old_connections()  # request_finished: the connection waits for the next one
    other = persistent.copy()
    try:
        with other.cursor() as cursor:
            cursor.execute("SELECT pg_terminate_backend(%s, 5000)", [pid])  # waits for it
            assert cursor.fetchone()[0] is True
    finally:
        other.close()
    # Wait for the message to arrive (an event, not a sleep): at most 5 s.
    poller = select.poll()
    poller.register(persistent.connection.fileno(), select.POLLIN)
    assert poller.poll(5000)

    real = django_postgresql.DatabaseWrapper.is_usable
    with mock.patch.object(django_postgresql.DatabaseWrapper, "is_usable", autospec=True,
                           side_effect=real) as round_trip:
        close_old_connections()  # request_started
        new_pid = _backend_pid(persistent)
    round_trip.assert_called_once()
    assert new_pid != pid
