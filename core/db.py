"""Database operations that more than one app's migrations need."""

from __future__ import annotations

from typing import Any

from django.db import migrations


def append_only(table: str, what: str) -> migrations.RunPython:
    """A migration operation that makes PostgreSQL itself refuse UPDATE and DELETE on
    `table` (audit trails, ledgers: STYLE.md §8). Other databases rely on the model's
    own refusal. `what` names the trail in the error, e.g. "the audit trail"."""
    function, trigger = f"{table}_append_only", f"{table}_no_change"
    create = f"""
CREATE OR REPLACE FUNCTION {function}() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION '{what} can only be appended to';
END;
$$ LANGUAGE plpgsql;
CREATE TRIGGER {trigger}
    BEFORE UPDATE OR DELETE ON {table}
    FOR EACH ROW EXECUTE FUNCTION {function}();
"""
    drop = f"""
DROP TRIGGER IF EXISTS {trigger} ON {table};
DROP FUNCTION IF EXISTS {function}();
"""

    def forwards(apps: Any, schema_editor: Any) -> None:
        if schema_editor.connection.vendor == "postgresql":
            schema_editor.execute(create)

    def backwards(apps: Any, schema_editor: Any) -> None:
        if schema_editor.connection.vendor == "postgresql":
            schema_editor.execute(drop)

    return migrations.RunPython(forwards, backwards)
