"""Migration operations shared by the apps."""

from __future__ import annotations

from typing import Any

from django.db import migrations


class DropPatternIndexes(migrations.operations.base.Operation):
    """Drop the ``<index>_like`` (``varchar_pattern_ops``) indexes that Django's PostgreSQL backend
    creates beside the index of a unique or indexed text column, for columns that are never searched
    by prefix. Reversible; a no-op on other databases. Django itself drops these indexes with
    ``IF EXISTS`` when it alters such a field, so later migrations are not disturbed."""

    reversible = True
    reduces_to_sql = True

    def __init__(self, table: str, columns: list[str]) -> None:
        self.table = table
        self.columns = columns

    def deconstruct(self) -> tuple[str, list[Any], dict[str, Any]]:
        return (self.__class__.__qualname__, [self.table, self.columns], {})

    def state_forwards(self, app_label: str, state: Any) -> None:
        pass  # the models are unchanged: Django does not track these indexes in its state

    def _names(self, schema_editor: Any) -> list[tuple[str, str]]:
        return [(c, schema_editor._create_index_name(self.table, [c], suffix="_like")) for c in self.columns]

    def database_forwards(self, app_label: str, schema_editor: Any, from_state: Any, to_state: Any) -> None:
        if schema_editor.connection.vendor != "postgresql":
            return
        for _column, name in self._names(schema_editor):
            schema_editor.execute(f"DROP INDEX IF EXISTS {schema_editor.quote_name(name)}")

    def database_backwards(self, app_label: str, schema_editor: Any, from_state: Any, to_state: Any) -> None:
        if schema_editor.connection.vendor != "postgresql":
            return
        qn = schema_editor.quote_name
        for column, name in self._names(schema_editor):
            schema_editor.execute(
                f"CREATE INDEX IF NOT EXISTS {qn(name)} ON {qn(self.table)} ({qn(column)} varchar_pattern_ops)"
            )

    def describe(self) -> str:
        return f"Drop the unused pattern indexes of {self.table} ({', '.join(self.columns)})"


def copy_region_from(schema_editor: Any, *, table: str, column: str, key: str, source: str, source_column: str) -> None:
    """Fill ``table.column`` from ``source.source_column`` of the row ``table.key`` points to, in one
    set-based statement. On PostgreSQL the table's non-unique indexes are dropped for the statement and
    built again once afterwards (an ``UPDATE`` of every row would otherwise add an entry to each of them
    row by row); its unique indexes stay."""
    qn = schema_editor.quote_name
    connection = schema_editor.connection
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SET LOCAL maintenance_work_mem = '256MB'")
            cursor.execute("SET LOCAL work_mem = '256MB'")
            cursor.execute(
                "SELECT i.relname, pg_get_indexdef(x.indexrelid) FROM pg_index x "
                "JOIN pg_class i ON i.oid = x.indexrelid "
                "WHERE x.indrelid = %s::regclass AND NOT x.indisunique AND NOT x.indisprimary",
                [qn(table)],
            )
            indexes = cursor.fetchall()
            for name, _definition in indexes:
                cursor.execute(f"DROP INDEX {qn(name)}")
            cursor.execute(
                f"UPDATE {qn(table)} AS t SET {qn(column)} = s.{qn(source_column)} FROM {qn(source)} AS s "  # noqa: S608
                f"WHERE s.id = t.{qn(key)} AND t.{qn(column)} IS DISTINCT FROM s.{qn(source_column)}"
            )
            for _name, definition in indexes:
                cursor.execute(definition)
            cursor.execute(f"ANALYZE {qn(table)}")
        else:
            cursor.execute(
                f"UPDATE {qn(table)} SET {qn(column)} = (SELECT s.{qn(source_column)} FROM {qn(source)} AS s "  # noqa: S608
                f"WHERE s.id = {qn(table)}.{qn(key)})"
            )
