"""The holder's residence region copied onto each certificate (kept by the services), with the (region,
id) and (city, id) indexes the persons have: a region's certificates are read from them, not through the
holder."""

import django.db.models.functions.text
from django.db import migrations, models

from gongjiang.core.migration_ops import copy_region_from


def backfill(apps, schema_editor):
    copy_region_from(
        schema_editor,
        table="credentials_certificate",
        column="region_code",
        key="person_id",
        source="registry_person",
        source_column="residence_region_code",
    )


class Migration(migrations.Migration):
    dependencies = [
        ("credentials", "0007_certificate_revoke_document"),
        ("registry", "0004_employment_employer_region_copied"),
    ]

    operations = [
        migrations.AddField(
            model_name="certificate",
            name="region_code",
            field=models.CharField(default="", editable=False, max_length=6, verbose_name="holder's region"),
        ),
        migrations.RunPython(backfill, migrations.RunPython.noop, elidable=False),
        migrations.AddIndex(
            model_name="certificate",
            index=models.Index(fields=["region_code", "id"], name="certificate_region_id"),
        ),
        migrations.AddIndex(
            model_name="certificate",
            index=models.Index(
                django.db.models.functions.text.Substr("region_code", 1, 4), models.F("id"), name="certificate_city_id"
            ),
        ),
    ]
