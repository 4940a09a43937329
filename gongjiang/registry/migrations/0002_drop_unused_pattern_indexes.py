"""Drop the ``varchar_pattern_ops`` twins that Django adds on PostgreSQL to indexed text columns, where
the column is only ever compared whole: blind indexes are looked up by equality, never by prefix.
Each such index cost every insert and update (and a bulk import about a second per million rows)
without serving a query. SQLite has no such indexes."""

from django.db import migrations

from gongjiang.core.migration_ops import DropPatternIndexes


class Migration(migrations.Migration):
    dependencies = [("registry", "0001_initial")]

    operations = [DropPatternIndexes("registry_person", ["id_index", "phone_index"])]
