"""Database settings that issue 13 measured: PostgreSQL's JIT is off on the app's
connections (it added 60-110 ms to the scoped list queries at 2M tasks)."""

import pytest
from django.db import connection


@pytest.mark.django_db
def test_postgresql_jit_is_off_on_the_apps_connections():
    if connection.vendor != "postgresql":
        pytest.skip("PostgreSQL only")
    with connection.cursor() as cursor:
        cursor.execute("SHOW jit")
        assert cursor.fetchone()[0] == "off"
