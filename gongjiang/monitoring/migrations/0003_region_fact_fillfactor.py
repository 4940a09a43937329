"""Leave room in the fact table's pages (PostgreSQL) so that an incremental update's changed measures
are written as heap-only tuples, without new index entries."""

from django.db import migrations


def set_fillfactor(apps, schema_editor):  # type: ignore[no-untyped-def]
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute("ALTER TABLE monitoring_regionfact SET (fillfactor = 70)")


def reset_fillfactor(apps, schema_editor):  # type: ignore[no-untyped-def]
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute("ALTER TABLE monitoring_regionfact RESET (fillfactor)")


class Migration(migrations.Migration):
    dependencies = [("monitoring", "0002_forecast_model_length")]

    operations = [migrations.RunPython(set_fillfactor, reset_fillfactor)]
