"""The employer's region copied onto each employment (kept by the services), with the (region, id) and
(city, id) indexes the persons have: a region's employments are read from them, not through the employer."""

import django.db.models.functions.text
from django.db import migrations, models

from gongjiang.core.migration_ops import copy_region_from


def backfill(apps, schema_editor):
    copy_region_from(
        schema_editor,
        table="registry_employment",
        column="region_code",
        key="organisation_id",
        source="registry_organisation",
        source_column="region_code",
    )


class Migration(migrations.Migration):
    dependencies = [
        ("registry", "0003_region_and_city_list_indexes"),
    ]

    operations = [
        migrations.AddField(
            model_name="employment",
            name="region_code",
            field=models.CharField(default="", editable=False, max_length=6, verbose_name="employer's region"),
        ),
        migrations.RunPython(backfill, migrations.RunPython.noop, elidable=False),
        migrations.AddIndex(
            model_name="employment",
            index=models.Index(fields=["region_code", "id"], name="employment_region_id"),
        ),
        migrations.AddIndex(
            model_name="employment",
            index=models.Index(
                django.db.models.functions.text.Substr("region_code", 1, 4), models.F("id"), name="employment_city_id"
            ),
        ),
    ]
