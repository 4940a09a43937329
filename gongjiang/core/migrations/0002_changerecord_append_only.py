"""Change records are append-only in the database itself, not only in the ORM.

UPDATE is refused on both backends. DELETE is refused by a row trigger on PostgreSQL; on SQLite the
ORM refuses it (a SQLite trigger would also block the test harness's table flush)."""

from django.db import migrations

SQLITE_UP = [
    """CREATE TRIGGER core_changerecord_no_update BEFORE UPDATE ON core_changerecord
       BEGIN SELECT RAISE(ABORT, 'change records are append-only'); END;""",
]
SQLITE_DOWN = ["DROP TRIGGER IF EXISTS core_changerecord_no_update;"]

PG_UP = [
    """CREATE OR REPLACE FUNCTION core_changerecord_append_only() RETURNS trigger AS $$
       BEGIN RAISE EXCEPTION 'change records are append-only'; END; $$ LANGUAGE plpgsql;""",
    """CREATE TRIGGER core_changerecord_no_update BEFORE UPDATE OR DELETE ON core_changerecord
       FOR EACH ROW EXECUTE FUNCTION core_changerecord_append_only();""",
]
PG_DOWN = [
    "DROP TRIGGER IF EXISTS core_changerecord_no_update ON core_changerecord;",
    "DROP FUNCTION IF EXISTS core_changerecord_append_only();",
]


def forwards(apps, schema_editor):
    statements = PG_UP if schema_editor.connection.vendor == "postgresql" else SQLITE_UP
    for sql in statements:
        schema_editor.execute(sql)


def backwards(apps, schema_editor):
    statements = PG_DOWN if schema_editor.connection.vendor == "postgresql" else SQLITE_DOWN
    for sql in statements:
        schema_editor.execute(sql)


class Migration(migrations.Migration):
    dependencies = [("core", "0001_initial")]
    operations = [migrations.RunPython(forwards, backwards)]
